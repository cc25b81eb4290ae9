import { createHash, generateKeyPairSync } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { fernetEncrypt, UPSTREAM_DEFAULT_KEY, writeLegacyEnvelope } from '@heatpool/protocol/legacy-envelope'
import {
  encryptPayload, keyFingerprint, MANIFEST_FORMAT, packModelBundle, PAYLOAD_ENCRYPTION, publicKeyToBase64, signManifest, type ModelManifest,
} from '@heatpool/protocol/model-manifest'
import { runVerifyModel, VERIFY_MODEL_USAGE } from '../../src/cli/verify-model.js'

const NOW = Date.UTC(2026, 10, 27, 12)
const NOW_ISO = new Date(NOW).toISOString()
const keys = generateKeyPairSync('ed25519')
const other = generateKeyPairSync('ed25519')
const PUBLIC = publicKeyToBase64(keys.publicKey)
const FINGERPRINT = keyFingerprint(keys.publicKey)

const payload = Buffer.from('half-space trees, serialised')
function manifestFor (body: Buffer, changes: Partial<ModelManifest> = {}): ModelManifest {
  return {
    format: MANIFEST_FORMAT,
    name: 'aero_slm',
    heatpump_model: 'aero_slm',
    version: 3,
    sha256: createHash('sha256').update(body).digest('hex'),
    size: body.length,
    created: new Date(NOW - 3_600_000).toISOString(),
    expires: new Date(NOW + 30 * 86_400_000).toISOString(),
    features: ['cop', 'temp_flow', 'temp_return'],
    training: { samples: 123456, installations: 12 },
    ...changes,
  }
}
const bundle = packModelBundle({ signed: signManifest(manifestFor(payload), keys.privateKey), payload })

// upstream.md §3.4, as upstream's json.dump(indent=2) writes it.
const VECTOR = [
  '{',
  '  "version": "2.0",',
  '  "metadata": {',
  '    "timestamp": 1795784083.6864576,',
  '    "filename": "AERO_SLM.pkl",',
  '    "size_original": 17',
  '  },',
  '  "payload": "Z0FBQUFBQnJDWDJUTGUtNmd6dkttTVlpUmIwbDF0Y1JNMzJZRlVHUkRsUXEya0VyOFJEdzdLSjktbnU4MUdVakIzVjYxYmFza2JKNUYwSm1qTDJpcnl0SUFjMkI5dl91d1Z1elgzSmRwMExpTkpub3lHblBEdEU9",',
  '  "signature": "8a694ecf79dae5e4cf5aa8f356ddc6e1ade67b6bfeae35645b0d07a064b0b710"',
  '}',
].join('\n')

const dirs: string[] = []
afterEach(() => {
  while (dirs.length > 0) rmSync(dirs.pop() as string, { recursive: true, force: true })
})
function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'heatpool-verify-'))
  dirs.push(dir)
  return dir
}
function fileWith (content: string | Buffer, name = 'model.json'): string {
  const path = join(tempDir(), name)
  writeFileSync(path, content)
  return path
}

interface Run {
  readonly code: number
  readonly out: string
  readonly err: string
}

async function run (args: string[], env: Record<string, string> = {}): Promise<Run> {
  let out = ''
  let err = ''
  const code = await runVerifyModel(args, env, { out: (t) => { out += t }, err: (t) => { err += t } })
  return { code, out, err }
}
/** With the time fixed and a DATA_DIR that holds no key, so nothing falls back to ./data. */
const verify = (args: string[], env: Record<string, string> = {}) => run([...args, '--now', NOW_ISO], { DATA_DIR: tempDir(), ...env })

describe('heatpool-admin verify-model, heatpool bundles', () => {
  it('prints the verdict of a valid bundle checked with --key and exits 0', async () => {
    const path = fileWith(bundle)
    const r = await verify([path, '--key', PUBLIC])
    expect(r).toMatchObject({ code: 0, err: '' })
    expect(r.out).toBe([
      `file: ${path}`,
      'format: heatpool-model-bundle/1 (heatpool model bundle, Ed25519-signed manifest)',
      'name: aero_slm',
      'heat-pump model: aero_slm',
      'version: 3',
      `created: ${new Date(NOW - 3_600_000).toISOString()}`,
      `expires: ${new Date(NOW + 30 * 86_400_000).toISOString()}`,
      `sha256: ${createHash('sha256').update(payload).digest('hex')} (${payload.length} bytes)`,
      'features: 3',
      'encryption: none',
      `signed by: ${FINGERPRINT}`,
      `checked with: ${FINGERPRINT} (--key)`,
      `checked: version 3 of aero_slm, signed by ${FINGERPRINT}`,
      'valid',
      '',
    ].join('\n'))
  })

  it('prints JSON with --json', async () => {
    const r = await verify([fileWith(bundle), '--key', PUBLIC, '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({
      format: 'heatpool-model-bundle/1', valid: true, name: 'aero_slm', version: 3, features: 3, encryption: 'none',
      signed_by: FINGERPRINT, key: { fingerprint: FINGERPRINT, source: '--key' },
    })
  })

  it('reads --key from a file: base64, PEM public or private key, or the signing-key endpoint\'s JSON', async () => {
    const path = fileWith(bundle)
    const keyFiles = [
      fileWith(`${PUBLIC}\n`, 'key.txt'),
      fileWith(keys.publicKey.export({ format: 'pem', type: 'spki' }), 'key.pub.pem'),
      fileWith(keys.privateKey.export({ format: 'pem', type: 'pkcs8' }), 'key.pem'),
      fileWith(JSON.stringify({ algorithm: 'Ed25519', public_key: PUBLIC, fingerprint: FINGERPRINT }), 'key.json'),
    ]
    for (const keyFile of keyFiles) {
      const r = await verify([path, '--key', keyFile])
      expect(r.code, keyFile).toBe(0)
      expect(r.out).toContain(`checked with: ${FINGERPRINT} (--key ${keyFile})`)
    }
  })

  it('exits 1 with the problem for changed, foreign, expired and broken bundles', async () => {
    const signed = signManifest(manifestFor(payload), keys.privateKey)
    const cases: Array<[Buffer | string, string]> = [
      [packModelBundle({ signed, payload: Buffer.from('other bytes') }), 'INVALID: payload_mismatch: '],
      [packModelBundle({ signed: { ...signed, manifest: { ...signed.manifest, version: 4 } }, payload }), 'INVALID: bad_signature: '],
      [packModelBundle({ signed: signManifest(manifestFor(payload), other.privateKey), payload }), 'INVALID: wrong_key: '],
      [packModelBundle({ signed: signManifest(manifestFor(payload, { expires: new Date(NOW - 1).toISOString() }), keys.privateKey), payload }), 'INVALID: expired: '],
      [JSON.stringify({ format: 'heatpool-model-bundle/1', signed, payload: '!!' }), 'INVALID: malformed: cannot read model bundle: payload is not base64'],
      [JSON.stringify({ format: 'heatpool-model-bundle/1', signed: null, payload: '' }), 'INVALID: malformed: not a signed manifest'],
    ]
    for (const [content, expected] of cases) {
      const r = await verify([fileWith(content), '--key', PUBLIC])
      expect(r.code, expected).toBe(1)
      expect(r.err).toBe('')
      expect(r.out.trimEnd().split('\n').at(-1)).toContain(expected)
    }
    // The same bundle is valid before it expires: --now decides.
    const expiring = fileWith(packModelBundle({ signed: signManifest(manifestFor(payload, { expires: new Date(NOW + 1000).toISOString() }), keys.privateKey), payload }))
    expect((await run([expiring, '--key', PUBLIC, '--now', NOW_ISO])).code).toBe(0)
    expect((await run([expiring, '--key', PUBLIC, '--now', new Date(NOW + 1000).toISOString()])).code).toBe(1)
  })

  it('says an encrypted payload is checked but not decrypted', async () => {
    const sealed = encryptPayload(payload, Buffer.alloc(32, 7))
    const file = fileWith(packModelBundle({ signed: signManifest(manifestFor(sealed, { encryption: PAYLOAD_ENCRYPTION, payload_format: 'heatpool-anomaly/1' }), keys.privateKey), payload: sealed }))
    const r = await verify([file, '--key', PUBLIC])
    expect(r.code).toBe(0)
    expect(r.out).toContain('encryption: aes-256-gcm (the payload is not decrypted here')
    expect(r.out).toContain('payload format: heatpool-anomaly/1')
  })

  it('uses the server\'s own key from DATA_DIR or MODEL_SIGNING_KEY without --key', async () => {
    const dataDir = tempDir()
    mkdirSync(join(dataDir, 'keys'), { mode: 0o700 })
    const keyPath = join(dataDir, 'keys', 'model-signing.pem')
    writeFileSync(keyPath, keys.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 })
    chmodSync(keyPath, 0o600)
    const path = fileWith(bundle)
    const r = await run([path, '--now', NOW_ISO], { DATA_DIR: dataDir })
    expect(r).toMatchObject({ code: 0, err: '' })
    expect(r.out).toContain(`checked with: ${FINGERPRINT} (server key ${keyPath})`)

    const pem = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    const fromEnv = await run([path, '--now', NOW_ISO], { DATA_DIR: tempDir(), MODEL_SIGNING_KEY: pem })
    expect(fromEnv.code).toBe(0)
    expect(fromEnv.out).toContain('(server key (MODEL_SIGNING_KEY))')

    const foreign = other.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
    const wrong = await run([path, '--now', NOW_ISO], { DATA_DIR: tempDir(), MODEL_SIGNING_KEY: foreign })
    expect(wrong.code).toBe(1)
    expect(wrong.out).toContain('INVALID: wrong_key: ')
  })

  it('never creates a server key: without one it is a usage error asking for --key', async () => {
    const dataDir = tempDir()
    const r = await run([fileWith(bundle)], { DATA_DIR: dataDir })
    expect(r.code).toBe(2)
    expect(r.out).toBe('')
    expect(r.err).toContain(`${join(dataDir, 'keys', 'model-signing.pem')} does not exist (this command never creates one); pass --key`)
    expect(existsSync(join(dataDir, 'keys'))).toBe(false)
    const bad = await run([fileWith(bundle)], { DATA_DIR: tempDir(), MODEL_SIGNING_KEY: 'not a pem' })
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/^cannot read the model signing key from MODEL_SIGNING_KEY/)
  })
})

describe('heatpool-admin verify-model, upstream legacy files', () => {
  it('refuses to check the upstream test vector without --key, because the default key is public', async () => {
    const path = fileWith(VECTOR, 'model.enc')
    const r = await verify([path])
    expect(r).toMatchObject({ code: 1, err: '' })
    expect(r.out).toBe([
      `file: ${path}`,
      'format: legacy-v2 (upstream v2.0 envelope: HMAC over payload and metadata, Fernet payload)',
      'NOT CHECKED: legacy envelopes are only checked against an explicitly given --key: the upstream default key is public, so anyone could have made this file',
      '',
    ].join('\n'))
    // Not even the server's configuration is consulted.
    expect(JSON.parse((await verify([path, '--json'])).out)).toMatchObject({ format: 'legacy-v2', valid: false, problem: 'not_checked' })
  })

  it('checks it with the key given, and says what that proves', async () => {
    const path = fileWith(VECTOR, 'model.enc')
    const r = await verify([path, '--key', UPSTREAM_DEFAULT_KEY])
    expect(r).toMatchObject({ code: 0, err: '' })
    expect(r.out).toBe([
      `file: ${path}`,
      'format: legacy-v2 (upstream v2.0 envelope: HMAC over payload and metadata, Fernet payload)',
      'metadata: {"filename": "AERO_SLM.pkl", "size_original": 17, "timestamp": 1795784083.6864576}',
      `metadata time: ${new Date(1795784083.6864576 * 1000).toISOString()}`,
      `token time: ${new Date(1795784083_000).toISOString()}`,
      'decrypted size: 17 bytes',
      'trust: interoperability format only: an HMAC under a shared key proves nothing about who made the file (anyone holding the key could have)',
      'warning: the key is the upstream default key, which is public: anyone can make a file that verifies with it',
      'checked: the HMAC over payload and metadata and the Fernet token check out under the given key',
      'valid',
      '',
    ].join('\n'))
    const json = JSON.parse((await verify([path, '--key', UPSTREAM_DEFAULT_KEY, '--json'])).out)
    expect(json).toMatchObject({ format: 'legacy-v2', valid: true, decrypted_size: 17, metadata: { filename: 'AERO_SLM.pkl' } })
    // The key may also come from a file.
    expect((await verify([path, '--key', fileWith(`${UPSTREAM_DEFAULT_KEY}\n`, 'fernet.key')])).code).toBe(0)
  })

  it('exits 1 for a wrong key or a changed envelope', async () => {
    const otherKey = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4='
    const wrong = await verify([fileWith(VECTOR, 'model.enc'), '--key', otherKey])
    expect(wrong.code).toBe(1)
    expect(wrong.out).toContain('INVALID: bad_signature: ')
    expect(wrong.out).not.toContain('warning:')
    const changed = await verify([fileWith(VECTOR.replace('AERO_SLM.pkl', 'TERRA_SW.pkl'), 'model.enc'), '--key', UPSTREAM_DEFAULT_KEY])
    expect(changed.code).toBe(1)
    expect(changed.out).toContain('INVALID: bad_signature: ')
  })

  it('checks envelopes of our own writing and v0 raw tokens', async () => {
    const key = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4='
    const written = fileWith(writeLegacyEnvelope(Buffer.from('model'), key, { filename: 'x.pkl', nowMs: 1769600000_000 }), 'model.enc')
    const r = await verify([written, '--key', key])
    expect(r.code).toBe(0)
    expect(r.out).toContain('metadata: {"filename": "x.pkl", "size_original": 5, "timestamp": 1769600000.0}')

    const v0 = fileWith(fernetEncrypt(Buffer.from('pickle'), key), 'old.enc')
    expect((await verify([v0]))).toMatchObject({ code: 1 })
    expect((await verify([v0])).out).toContain('format: legacy-v0 (upstream raw Fernet token, no metadata)\nNOT CHECKED: ')
    const ok = await verify([v0, '--key', key])
    expect(ok.code).toBe(0)
    expect(ok.out).toContain('decrypted size: 6 bytes')
    expect((await verify([v0, '--key', UPSTREAM_DEFAULT_KEY])).out).toContain('INVALID: bad_token: ')
  })
})

describe('heatpool-admin verify-model, usage', () => {
  it('exits 2 without a file, for an unreadable file, a bad key or a bad --now', async () => {
    const bundleFile = fileWith(bundle)
    const cases: Array<[string[], string]> = [
      [[], 'cannot verify a model: no FILE given'],
      [[join(tempDir(), 'missing.json')], 'ENOENT'],
      [[tempDir()], 'EISDIR'],
      [[bundleFile, 'extra'], 'unexpected argument "extra"'],
      [[bundleFile, '--key', 'nonsense'], 'cannot use --key "nonsense": neither a base64 Ed25519 public key'],
      [[bundleFile, '--key', fileWith('garbage', 'key.txt')], 'not a base64 Ed25519 public key'],
      [[bundleFile, '--key', fileWith('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', 'bad.pem')], 'cannot read a PEM key'],
      [[fileWith(VECTOR, 'model.enc'), '--key', 'nonsense'], 'neither a Fernet key'],
      [[bundleFile, '--key', PUBLIC, '--now', 'yesterday'], 'cannot use --now "yesterday"'],
      [[bundleFile, '--bogus'], 'cannot read arguments: '],
    ]
    for (const [args, message] of cases) {
      const r = await run(args, { DATA_DIR: tempDir() })
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.out).toBe('')
      expect(r.err).toContain(message)
      expect(r.err).toContain(VERIFY_MODEL_USAGE)
    }
  })

  it('prints the usage with --help, and exits 1 for a file of no known format', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, out: VERIFY_MODEL_USAGE, err: '' })
    const r = await verify([fileWith('hello')])
    expect(r.code).toBe(1)
    expect(r.out).toContain('INVALID: malformed: neither a heatpool model bundle')
  })
})
