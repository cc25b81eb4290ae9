import { generateKeyPairSync } from 'node:crypto'
import { chmodSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { keyFingerprint, MANIFEST_FORMAT, publicKeyFromBase64, signManifest, verifyManifest } from '@heatpool/protocol/model-manifest'
import { describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { build } from '../helper.js'

const NOW = Date.UTC(2026, 10, 27, 12)

describe('the model signing key', () => {
  it('is created on first start (0600 in a 0700 directory), served as a public key with its fingerprint, and kept across restarts', async () => {
    const t = await build({}, NOW)
    const path = join(t.dataDir, 'keys', 'model-signing.pem')
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(statSync(join(t.dataDir, 'keys')).mode & 0o777).toBe(0o700)
    const res = await t.inject({ method: 'GET', url: '/api/v2/models/signing-key' })
    expect(res.statusCode).toBe(200)
    const body = res.json<{ algorithm: string, public_key: string, fingerprint: string }>()
    expect(body.algorithm).toBe('Ed25519')
    expect(res.body).not.toMatch(/PRIVATE/)
    const pinned = publicKeyFromBase64(body.public_key)
    expect(keyFingerprint(pinned)).toBe(body.fingerprint)
    // What the server signs, an agent holding the served key accepts.
    const manifest = { format: MANIFEST_FORMAT, name: 'x', heatpump_model: null, version: 1, sha256: '00', size: 0, created: new Date(NOW).toISOString(), expires: new Date(NOW + 86_400_000).toISOString(), features: [], training: {} } as const
    expect(verifyManifest(signManifest(manifest, t.app.signingKey.privateKey), pinned, { nowMs: NOW }).ok).toBe(true)

    // A second server on the same DATA_DIR uses the same key.
    const again = await buildApp({ config: t.config, logger: false })
    try {
      expect(again.signingKey.fingerprint).toBe(body.fingerprint)
      expect(again.signingKey.source).toBe('file')
    } finally {
      await again.close()
    }
  })

  it('refuses a key file others can read, naming the file', async () => {
    const t = await build({}, NOW)
    chmodSync(join(t.dataDir, 'keys', 'model-signing.pem'), 0o644)
    await expect(buildApp({ config: t.config, logger: false })).rejects.toThrow(/model-signing\.pem: its mode is 644/)
  })

  it('comes from MODEL_SIGNING_KEY when set, and must be Ed25519', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519')
    const t = await build({ MODEL_SIGNING_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() }, NOW)
    expect(t.app.signingKey.source).toBe('config')
    expect(t.app.signingKey.fingerprint).toBe(keyFingerprint(publicKey))
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    await expect(buildApp({ config: loadConfig({ DATA_DIR: t.dataDir, MODEL_SIGNING_KEY: rsa, LOG_LEVEL: 'silent', RETENTION_SCHEDULE: '', BADGES_SCHEDULE: '' }), logger: false }))
      .rejects.toThrow(/Ed25519 is required/)
  })
})
