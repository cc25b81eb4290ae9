// Signed community models across processes: the real server serves bundles from MODEL_DIR, the
// real agent pins the server's signing key when it registers, installs a genuine bundle, and
// refuses every tampered one (changed payload, changed manifest, another key, an older version,
// an expired manifest), keeping the model it holds and saying why in its status. An installation
// that is not eligible gets 403 on download.
import { createHash, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  keyFingerprint, MANIFEST_FORMAT, packModelBundle, publicKeyFromBase64, signManifest, unpackModelBundle, verifyManifest, type ModelManifest,
} from '@heatpool/protocol/model-manifest'
import { afterAll, describe, expect, it } from 'vitest'
import { loggerRecords, relayChunk } from './logger.js'
import {
  ADMIN_TOKEN, cleanupAll, flushUntilEmpty, freePort, getJson, HOST, httpRequest, postJson, sleep, startAgent, startServer, tempDir,
} from './processes.js'

const DAY = 86_400_000
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

/** The agent's GET /api/status `model` (the parts read here). */
interface ModelStatus {
  readonly hash: string | null
  readonly error: string | null
  readonly signingKey: { readonly fingerprint: string, readonly source: string } | null
  readonly installed: { readonly name: string, readonly version: number, readonly fingerprint: string, readonly expired: boolean } | null
  readonly rejected: { readonly problem: string, readonly detail: string, readonly version?: number } | null
}

function signedBundle (privateKey: KeyObject, version: number, o: { expires?: number, payload?: string } = {}): Buffer {
  const now = Date.now()
  const payload = Buffer.from(o.payload ?? JSON.stringify({ format: 'heatpool-anomaly/1', version }))
  const manifest: ModelManifest = {
    format: MANIFEST_FORMAT,
    name: 'AERO_SLM',
    heatpump_model: 'aero slm',
    version,
    sha256: sha256(payload),
    size: payload.length,
    created: new Date(now - 3_600_000).toISOString(),
    expires: new Date(o.expires ?? now + 30 * DAY).toISOString(),
    features: ['temp_outdoor', 'temp_flow'],
    training: { samples: 30 },
    payload_format: 'heatpool-anomaly/1',
  }
  return packModelBundle({ signed: signManifest(manifest, privateKey), payload })
}

function tamper (bytes: Buffer, change: (doc: { signed: { manifest: Record<string, unknown> }, payload: string }) => void): Buffer {
  const doc = JSON.parse(bytes.toString('utf8')) as Parameters<typeof change>[0]
  change(doc)
  return Buffer.from(JSON.stringify(doc))
}

describe('signed community models, server and agent processes', () => {
  afterAll(() => cleanupAll())

  it('the agent pins the server\'s key, installs a genuine model and refuses tampered ones, keeping the old', async () => {
    const operator = generateKeyPairSync('ed25519')
    const serverDir = tempDir('heatpool-e2e-models-server-')
    const modelDir = join(serverDir, 'models')
    const agentDir = tempDir('heatpool-e2e-models-agent-')
    const serverUrl = `http://${HOST}:${await freePort()}`
    const agentUrl = `http://${HOST}:${await freePort()}`
    const server = await startServer({
      port: Number(new URL(serverUrl).port),
      dataDir: serverDir,
      env: {
        MODEL_DIR: modelDir,
        MODEL_SIGNING_KEY: operator.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        MIN_INSTALLATIONS: '1',
        MIN_DATA_POINTS: '1',
        ELIGIBILITY_DAYS: '1',
        CONTRIBUTION_MIN_SAMPLES: '5',
      },
    })
    const agent = await startAgent({ port: Number(new URL(agentUrl).port), dataDir: agentDir, serverUrl })
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
    const modelStatus = async () => (await getJson<{ model: ModelStatus }>(`${agentUrl}/api/status`)).model
    const checkModel = () => postJson<ModelStatus>(`${agentUrl}/api/check-model`)
    let mtime = Math.floor(Date.now() / 1000)
    /** Drops a file into MODEL_DIR (written aside, renamed in, a new mtime) and has the server re-scan it. */
    const publish = async (bytes: Buffer) => {
      mkdirSync(modelDir, { recursive: true })
      const temp = join(modelDir, 'AERO_SLM.partial')
      writeFileSync(temp, bytes)
      mtime += 10
      utimesSync(temp, mtime, mtime)
      renameSync(temp, join(modelDir, 'AERO_SLM.enc'))
      const res = await httpRequest('POST', `${serverUrl}/api/v2/admin/models/sync`, undefined, admin)
      expect(res.status, res.body).toBe(200)
    }

    try {
      // The server publishes its key; the agent has none yet.
      const published = await getJson<{ algorithm: string, public_key: string, fingerprint: string }>(`${serverUrl}/api/v2/models/signing-key`)
      expect(published).toEqual({ algorithm: 'Ed25519', public_key: expect.any(String), fingerprint: keyFingerprint(operator.publicKey) })
      expect((await modelStatus()).signingKey).toBeNull()

      // A logger's data through the agent: it registers, and pins the key on first use.
      const installationId = randomUUID()
      const relayed = await relayChunk(agentUrl, installationId, loggerRecords(30, Math.floor(Date.now() / 1000) - 60, 60))
      expect(relayed.kind).toBe('acknowledged')
      await flushUntilEmpty(agentUrl, 10_000)
      const deadline = Date.now() + 5000
      while ((await modelStatus()).signingKey === null && Date.now() < deadline) await sleep(50)
      expect((await modelStatus()).signingKey).toEqual({ fingerprint: published.fingerprint, source: 'server', pinnedAt: expect.any(String) })

      // Genuine version 2: the eligible installation downloads a bundle that verifies, and the agent installs it.
      const genuine = signedBundle(operator.privateKey, 2)
      await publish(genuine)
      const token = readFileSync(join(agentDir, 'tokens', `${installationId}.token`), 'utf8').trim()
      const download = await httpRequest('GET', `${serverUrl}/api/v1/model/download?installation_id=${installationId}`, undefined, { authorization: `Bearer ${token}` })
      expect(download.status).toBe(200)
      const unpacked = unpackModelBundle(Buffer.from(download.body)) // a bundle is JSON: the text is its bytes
      expect(verifyManifest(unpacked.signed, publicKeyFromBase64(published.public_key), { nowMs: Date.now(), payload: unpacked.payload })).toMatchObject({ ok: true })

      const installed = await checkModel()
      expect(installed).toMatchObject({ error: null, rejected: null, hash: sha256(genuine), installed: { name: 'AERO_SLM', version: 2, fingerprint: published.fingerprint, expired: false } })

      // Each tampered file: refused, the genuine version 2 kept, the reason in the status.
      const stranger = generateKeyPairSync('ed25519')
      const cases: [string, Buffer, string, RegExp][] = [
        ['changed payload', tamper(signedBundle(operator.privateKey, 3), (d) => { d.payload = Buffer.from('{"format":"heatpool-anomaly/1","evil":true}').toString('base64') }), 'payload_mismatch', /^payload sha256 /],
        ['changed manifest', tamper(signedBundle(operator.privateKey, 3), (d) => { d.signed.manifest.version = 9 }), 'bad_signature', /^the signature does not match/],
        ['another key', signedBundle(stranger.privateKey, 3), 'wrong_key', new RegExp(`^signed by key ${keyFingerprint(stranger.publicKey)}, pinned key is ${published.fingerprint}$`)],
        ['an older version', signedBundle(operator.privateKey, 1), 'rollback', /^version 1 is older than the current 2$/],
        ['an expired manifest', signedBundle(operator.privateKey, 3, { expires: Date.now() - 60_000 }), 'expired', /^expired at /],
      ]
      for (const [name, bytes, problem, detail] of cases) {
        await publish(bytes)
        const status = await checkModel()
        expect(status.rejected, name).toMatchObject({ problem })
        expect(status.rejected?.detail, name).toMatch(detail)
        expect(status.error, name).toBe(`cannot verify model: ${status.rejected?.detail}`)
        expect(status.installed, name).toMatchObject({ version: 2, expired: false })
        expect(status.hash, name).toBe(sha256(genuine))
        expect(readFileSync(join(agentDir, 'models', 'community_model.enc')).equals(genuine), name).toBe(true)
        expect(await modelStatus(), name).toMatchObject({ rejected: { problem }, installed: { version: 2 } })
      }

      // A genuine newer version still installs afterwards.
      const next = signedBundle(operator.privateKey, 3)
      await publish(next)
      expect(await checkModel()).toMatchObject({ error: null, rejected: null, hash: sha256(next), installed: { version: 3 } })

      // An installation that has contributed nothing: 403, no model.
      const other = randomUUID()
      const registered = await httpRequest('POST', `${serverUrl}/api/v2/installations`, JSON.stringify({ installation_id: other, consent_version: '2026-11' }), { 'content-type': 'application/json' })
      expect(registered.status, registered.body).toBe(201)
      const otherToken = (JSON.parse(registered.body) as { token: string }).token
      const refused = await httpRequest('GET', `${serverUrl}/api/v1/model/download?installation_id=${other}`, undefined, { authorization: `Bearer ${otherToken}` })
      expect(refused.status).toBe(403)
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'HP_ERR_NOT_ELIGIBLE' })
    } finally {
      await agent.stop()
      await server.stop()
    }
  })
})
