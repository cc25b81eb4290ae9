import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MODEL_FILE, ModelUpdater, type CurrentModel } from '../../src/model/updater.js'
import { bundleVerifier } from '../../src/model/verify.js'
import { pinRecord } from '../../src/model/signing-key.js'
import { bundle, DAY, signer, tamper } from './support/bundles.js'
import { FakeServer, MODEL_CHECK, MODEL_DOWNLOAD, sha256, waitFor, type Answer, type Reply } from './support/fake-server.js'
import { realServer } from './support/real-server.js'
import { records, rig, V1_ENVELOPE, type Rig } from './support/rig.js'

const servers: FakeServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

const SIGNING_KEY = 'GET /api/v2/models/signing-key'
const operator = signer()
const stranger = signer()

function updater (r: Rig, clock?: () => number): ModelUpdater {
  return new ModelUpdater(r.config, r.client, r.tokens, r.state, bundleVerifier, pino({ level: 'silent' }), clock)
}

const modelPath = (r: Rig) => join(r.dir, 'models', MODEL_FILE)
const routes = (requests: string[]) => requests.map((q) => q.split('?')[0])

/** Distinct UTC days the records' timestamps fall on (the contribution days they make). */
const utcDays = (texts: string[]): number => new Set(texts.map((t) => Math.floor((JSON.parse(t) as { timestamp: number }).timestamp / 86_400))).size

const eligibleServer = () => realServer({ MIN_INSTALLATIONS: '1', MIN_DATA_POINTS: '1', ELIGIBILITY_DAYS: '1', CONTRIBUTION_MIN_SAMPLES: '5' })

describe('model updater against the real server', () => {
  it('after registering through an upload: checks, downloads only when there is an update, installs verified bundles atomically', async () => {
    const server = await eligibleServer()
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true', AGENT_MODEL_PUBLIC_KEY: operator.base64 } })
    const u = updater(r)

    // Nobody registered yet: nothing to ask about, nothing asked.
    expect(await u.check()).toMatchObject({ installationId: null, error: 'no registered installation yet', hash: null, installed: null, signingKey: { fingerprint: operator.fingerprint, source: 'config', pinnedAt: null } })
    expect(server.requests).toEqual([])

    const id = randomUUID()
    const sent = records(10)
    r.outbox.append(id, V1_ENVELOPE, sent)
    expect(await r.uploader.flush()).toMatchObject({ outcome: 'acknowledged', records: 10 })
    expect(r.state.get().primaryInstallationId).toBe(id)

    // Eligible, but no model published yet: nothing downloaded.
    expect(await u.check()).toMatchObject({ installationId: id, eligible: true, contributionDays: utcDays(sent), daysNeeded: 0, hash: null, error: null })
    expect(existsSync(modelPath(r))).toBe(false)

    const v1 = bundle(operator, { version: 1 })
    await server.uploadModel(v1, 'AERO SLM')
    server.requests.length = 0
    const first = await u.check()
    expect(first).toMatchObject({
      eligible: true,
      hash: sha256(v1),
      error: null,
      rejected: null,
      installed: { name: 'AERO_SLM', version: 1, fingerprint: operator.fingerprint, expired: false, payloadFormat: 'heatpool-anomaly/1', encrypted: false, features: ['temp_outdoor', 'temp_flow', 'power_electric'] },
    })
    expect(first.updatedAt).not.toBeNull()
    expect(readFileSync(modelPath(r))).toEqual(v1)
    expect(readdirSync(join(r.dir, 'models'))).toEqual([MODEL_FILE])
    expect(u.currentModel()?.manifest.version).toBe(1)
    expect(r.state.get().modelVersions).toEqual({ AERO_SLM: 1 })
    // Asked without a hash (none held), for the model registered with the upload; then downloaded.
    expect(routes(server.requests)).toEqual([MODEL_CHECK, MODEL_DOWNLOAD])
    const checkQuery = new URLSearchParams(server.requests[0]?.split('?')[1])
    expect(checkQuery.get('installation_id')).toBe(id)
    expect(checkQuery.has('current_hash')).toBe(false)

    // Checked again: the current hash goes along and nothing is downloaded.
    server.requests.length = 0
    const mtime = statSync(modelPath(r)).mtimeMs
    const second = await u.check()
    expect(second).toMatchObject({ hash: sha256(v1), updatedAt: first.updatedAt, error: null })
    expect(routes(server.requests)).toEqual([MODEL_CHECK])
    expect(new URLSearchParams(server.requests[0]?.split('?')[1]).get('current_hash')).toBe(sha256(v1))
    expect(statSync(modelPath(r)).mtimeMs).toBe(mtime)

    // A new version is fetched and replaces the old one.
    const v2 = bundle(operator, { version: 2, payload: Buffer.from('{"format":"heatpool-anomaly/1","bigger":true}') })
    await server.uploadModel(v2, 'AERO SLM')
    server.requests.length = 0
    expect(await u.check()).toMatchObject({ hash: sha256(v2), error: null, installed: { version: 2 } })
    expect(readFileSync(modelPath(r))).toEqual(v2)
    expect(routes(server.requests)).toEqual([MODEL_CHECK, MODEL_DOWNLOAD])
    expect(readdirSync(join(r.dir, 'models'))).toEqual([MODEL_FILE])

    // The operator publishes version 1 again: refused as a rollback, version 2 kept.
    await server.uploadModel(v1, 'AERO SLM')
    expect(await u.check()).toMatchObject({ hash: sha256(v2), installed: { version: 2 }, rejected: { problem: 'rollback', version: 1 } })
    expect(readFileSync(modelPath(r))).toEqual(v2)

    // A new updater (a restart) knows the model it holds, and still refuses the rollback.
    const restarted = updater(r)
    expect(restarted.status).toMatchObject({ hash: sha256(v2), installed: { version: 2, name: 'AERO_SLM' }, error: null })
    expect(restarted.currentModel()?.payload.toString()).toBe('{"format":"heatpool-anomaly/1","bigger":true}')
    expect(await restarted.check()).toMatchObject({ installed: { version: 2 }, rejected: { problem: 'rollback' } })
  })

  it('not eligible yet: reports the days needed and downloads nothing', async () => {
    const server = await realServer({ MIN_INSTALLATIONS: '1', MIN_DATA_POINTS: '1', ELIGIBILITY_DAYS: '3', CONTRIBUTION_MIN_SAMPLES: '5' })
    await server.uploadModel(bundle(operator, { name: 'community_model' }))
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true', AGENT_MODEL_PUBLIC_KEY: operator.base64 } })
    const sent = records(10)
    r.outbox.append(randomUUID(), V1_ENVELOPE, sent)
    await r.uploader.flush()
    server.requests.length = 0
    expect(await updater(r).check()).toMatchObject({ eligible: false, contributionDays: utcDays(sent), daysNeeded: 3 - utcDays(sent), hash: null, error: null })
    expect(routes(server.requests)).toEqual([MODEL_CHECK])
    expect(existsSync(modelPath(r))).toBe(false)
  })

  it('pins the server\'s key when it registers (trust on first use), installs what it signs and never takes another key', async () => {
    const server = await eligibleServer()
    // `u` is used once the uploader registers, after it is made.
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true' }, afterRegister: () => u.pinSigningKey() })
    const u = updater(r)
    expect(u.status.signingKey).toBeNull()
    r.outbox.append(randomUUID(), V1_ENVELOPE, records(10))
    expect(await r.uploader.flush()).toMatchObject({ outcome: 'acknowledged' })
    await waitFor(() => r.state.reload().modelSigningKey !== undefined, 'the pinned key')
    const serverKey = server.app.signingKey
    expect(r.state.get().modelSigningKey).toMatchObject({ fingerprint: serverKey.fingerprint, source: 'server' })
    expect(u.status.signingKey).toMatchObject({ fingerprint: serverKey.fingerprint, source: 'server' })
    expect(routes(server.requests).filter((q) => q === SIGNING_KEY)).toHaveLength(1)

    await server.uploadModel(bundle(signer(serverKey.privateKey), { version: 3 }), 'AERO SLM')
    expect(await u.check()).toMatchObject({ error: null, installed: { version: 3, fingerprint: serverKey.fingerprint } })

    // Signed by any other key: refused; the pin is never refreshed from the server.
    await server.uploadModel(bundle(stranger, { version: 4 }), 'AERO SLM')
    expect(await u.check()).toMatchObject({ installed: { version: 3 }, rejected: { problem: 'wrong_key', version: 4 } })
    await u.pinSigningKey()
    expect(routes(server.requests).filter((q) => q === SIGNING_KEY)).toHaveLength(1)
  })

  it('registered before keys were pinned: pins the server\'s key at the first model check that has something to fetch', async () => {
    const server = await eligibleServer()
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true' } })
    r.outbox.append(randomUUID(), V1_ENVELOPE, records(10))
    await r.uploader.flush()
    await server.uploadModel(bundle(signer(server.app.signingKey.privateKey), { version: 1 }), 'AERO SLM')
    server.requests.length = 0
    const u = updater(r)
    expect(await u.check()).toMatchObject({ error: null, signingKey: { source: 'server', fingerprint: server.app.signingKey.fingerprint }, installed: { version: 1 } })
    expect(routes(server.requests)).toEqual([MODEL_CHECK, SIGNING_KEY, MODEL_DOWNLOAD])
  })
})

describe('model updater against a scripted server', () => {
  /** The model held in these tests: version 5, genuine. */
  const held = bundle(operator, { version: 5 })
  const check = (extra: Record<string, unknown> = {}): Answer => ({
    status: 200,
    body: { eligible: true, reason: 'Eligible', model_available: true, update_available: true, contribution_days: 40, days_needed: 0, ...extra },
  })
  const served = (bytes: Buffer): Reply => ({ status: 200, headers: { 'x-model-hash': sha256(bytes), 'x-model-name': 'AERO_SLM', 'content-type': 'application/octet-stream' }, body: bytes })

  interface SetUp { server: FakeServer, r: Rig, u: ModelUpdater }
  async function setUp (download: Answer | (() => Answer), o: { checkAnswer?: Answer, env?: Record<string, string>, clock?: () => number, holding?: Buffer | null } = {}): Promise<SetUp> {
    const server = await FakeServer.start({ [MODEL_CHECK]: () => o.checkAnswer ?? check(), [MODEL_DOWNLOAD]: typeof download === 'function' ? download : () => download })
    servers.push(server)
    const r = rig(server.url, { env: { AGENT_MODEL_PUBLIC_KEY: operator.base64, ...o.env } })
    const id = randomUUID()
    r.tokens.set(id, 'hpi_token')
    r.state.notePrimary(id)
    if (o.holding !== null) {
      mkdirSync(join(r.dir, 'models'), { recursive: true })
      writeFileSync(modelPath(r), o.holding ?? held)
    }
    return { server, r, u: updater(r, o.clock) }
  }

  const newer = bundle(operator, { version: 6 })
  const payloadKey = Buffer.alloc(32, 4)

  it.each<[string, () => Answer, string, RegExp, number | undefined]>([
    ['a changed payload', () => served(tamper(newer, (d) => { d.payload = Buffer.from('{"format":"heatpool-anomaly/1","evil":1}').toString('base64') })), 'payload_mismatch', /^payload sha256 [0-9a-f]{64} \(\d+ bytes\) does not match/, 6],
    ['a changed manifest', () => served(tamper(newer, (d) => { d.signed.manifest.expires = new Date(Date.now() + 3650 * DAY).toISOString() })), 'bad_signature', /^the signature does not match the manifest and the pinned key$/, 6],
    ['another key', () => served(bundle(stranger, { version: 6 })), 'wrong_key', new RegExp(`^signed by key ${stranger.fingerprint}, pinned key is ${operator.fingerprint}$`), 6],
    ['an older version', () => served(bundle(operator, { version: 4 })), 'rollback', /^version 4 is older than the current 5$/, 4],
    ['the same version with other content', () => served(bundle(operator, { version: 5, payload: Buffer.from('{"format":"heatpool-anomaly/1","other":1}') })), 'rollback', /^version 5 of AERO_SLM is not newer than the installed 5$/, 5],
    ['an expired manifest', () => served(bundle(operator, { version: 6, created: new Date(Date.now() - 40 * DAY).toISOString(), expires: new Date(Date.now() - DAY).toISOString() })), 'expired', /^expired at /, 6],
    ['a manifest not yet valid', () => served(bundle(operator, { version: 6, created: new Date(Date.now() + DAY).toISOString() })), 'not_yet_valid', /^created in the future/, 6],
    ['an encrypted payload without a payload key', () => served(bundle(operator, { version: 6, encryptWith: payloadKey })), 'no_payload_key', /AGENT_MODEL_PAYLOAD_KEY is not set$/, 6],
    ['an upstream (not bundled) model', () => served(Buffer.from('gAAAAABupstream-fernet-token')), 'not_a_bundle', /^cannot read model bundle: not JSON$/, undefined],
    ['a body that does not match X-Model-Hash', () => ({ ...served(newer), headers: { 'x-model-hash': sha256('the genuine file') } }), 'hash_mismatch', /^sha256 [0-9a-f]{64} does not match X-Model-Hash/, undefined],
    ['no X-Model-Hash', () => ({ status: 200, headers: { 'content-type': 'application/octet-stream' }, body: newer }), 'hash_mismatch', /^the server sent no X-Model-Hash$/, undefined],
  ])('refuses %s: keeps the model held, records why', async (_name, download, problem, detail, version) => {
    const { server, r, u } = await setUp(download)
    const before = u.currentModel()
    const status = await u.check()
    expect(status.rejected).toMatchObject({ problem, at: status.checkedAt })
    expect(status.rejected?.detail).toMatch(detail)
    expect(status.rejected?.version).toBe(version)
    expect(status.error).toBe(`cannot verify model: ${status.rejected?.detail}`)
    expect(status.installed).toMatchObject({ version: 5, expired: false })
    expect(status.hash).toBe(sha256(held))
    expect(status.updatedAt).toBeNull()
    expect(readFileSync(modelPath(r))).toEqual(held)
    expect(readdirSync(join(r.dir, 'models'))).toEqual([MODEL_FILE])
    expect(u.currentModel()).toEqual(before)
    expect(server.seen(MODEL_DOWNLOAD)).toHaveLength(1)
  })

  it.each<[string, Answer, RegExp]>([
    ['a failed download', { status: 503, body: { code: 'HP_ERR_STORE_UNAVAILABLE', detail: 'later' } }, /^cannot download model: the server answered 503/],
    ['a dropped download', 'drop', /^cannot download model: /],
  ])('reports %s as an error and keeps the model held', async (_name, download, error) => {
    const { r, u } = await setUp(download)
    const status = await u.check()
    expect(status.error).toMatch(error)
    expect(status.rejected).toBeNull()
    expect(status.installed?.version).toBe(5)
    expect(readFileSync(modelPath(r))).toEqual(held)
  })

  it('installs a newer genuine bundle: status, the model for scorers, the listeners, the version record', async () => {
    const plain = Buffer.from('{"format":"heatpool-anomaly/1","trees":["sealed"]}')
    const sealed = bundle(operator, { version: 6, payload: plain, encryptWith: payloadKey })
    const { server, r, u } = await setUp({ ...served(sealed), headers: { 'x-model-hash': sha256(sealed).toUpperCase() } }, { env: { AGENT_MODEL_PAYLOAD_KEY: payloadKey.toString('hex') } })
    const seen: CurrentModel[] = []
    u.onInstalled((m) => seen.push(m))
    const unsubscribed: CurrentModel[] = []
    u.onInstalled((m) => unsubscribed.push(m))()
    u.onInstalled(() => { throw new Error('a broken listener') })
    const status = await u.check()
    expect(status).toMatchObject({ error: null, rejected: null, hash: sha256(sealed), installed: { version: 6, encrypted: true, installedAt: status.checkedAt } })
    expect(readFileSync(modelPath(r))).toEqual(sealed)
    expect(u.currentModel()?.payload.equals(plain)).toBe(true)
    expect(seen.map((m) => [m.manifest.version, m.payload.toString()])).toEqual([[6, plain.toString()]])
    expect(unsubscribed).toEqual([])
    expect(r.state.get().modelVersions).toEqual({ AERO_SLM: 6 })
    const [req] = server.seen(MODEL_CHECK)
    expect(req?.query.get('current_hash')).toBe(sha256(held))
    expect(req?.headers.authorization).toBe('Bearer hpi_token')
    expect(server.seen(MODEL_DOWNLOAD)[0]?.headers.authorization).toBe('Bearer hpi_token')
  })

  it('a check asked for while one runs joins it: one download, no second install refused as a rollback', async () => {
    const { server, u } = await setUp(served(newer))
    const [a, b] = await Promise.all([u.check(), u.check()])
    expect(a).toEqual(b)
    expect(a).toMatchObject({ installed: { version: 6 }, rejected: null, error: null })
    expect(server.seen(MODEL_DOWNLOAD)).toHaveLength(1)
  })

  it('a held model past its expiry: reported expired, not handed to a scorer, replaced by a newer one', async () => {
    let now = Date.now()
    const { u } = await setUp(served(newer), { clock: () => now, checkAnswer: check({ update_available: false }) })
    expect(u.status.installed).toMatchObject({ version: 5, expired: false })
    expect(u.currentModel()).not.toBeNull()
    now += 31 * DAY
    expect(u.status.installed).toMatchObject({ version: 5, expired: true })
    expect(u.currentModel()).toBeNull()
    now -= 31 * DAY
    expect(u.currentModel()?.manifest.version).toBe(5)
  })

  it('a restart re-verifies the file held: a file changed on disk is not used, and says why', async () => {
    const { r, u } = await setUp(served(newer), { checkAnswer: check({ update_available: false }) })
    expect(u.status.installed?.version).toBe(5)
    writeFileSync(modelPath(r), tamper(held, (d) => { d.signed.manifest.version = 50 }))
    const restarted = updater(r)
    expect(restarted.status).toMatchObject({ installed: null, error: 'cannot use the model held: the signature does not match the manifest and the pinned key' })
    expect(restarted.currentModel()).toBeNull()
    expect(await restarted.check()).toMatchObject({ installed: null, error: 'cannot use the model held: the signature does not match the manifest and the pinned key' })
  })

  it('with no key configured or pinned and none to be had: refuses without downloading', async () => {
    const { server, r, u } = await setUp(served(newer), { env: { AGENT_MODEL_PUBLIC_KEY: '' } })
    const status = await u.check()
    expect(status.signingKey).toBeNull()
    expect(status.installed).toBeNull()
    expect(status.rejected).toMatchObject({ problem: 'no_pinned_key', detail: 'no pinned model signing key: cannot pin the model signing key: the server answered 404' })
    expect(server.seen(SIGNING_KEY)).toHaveLength(1)
    expect(server.seen(MODEL_DOWNLOAD)).toEqual([])
    expect(readFileSync(modelPath(r))).toEqual(held)
  })

  it('refuses to pin a key whose fingerprint the server misstates', async () => {
    const { server, u } = await setUp(served(newer), { env: { AGENT_MODEL_PUBLIC_KEY: '' } })
    server.on(SIGNING_KEY, () => ({ status: 200, body: { algorithm: 'Ed25519', public_key: operator.base64, fingerprint: stranger.fingerprint } }))
    expect((await u.check()).rejected?.detail).toMatch(/^no pinned model signing key: cannot pin the model signing key: the server's fingerprint .* is not that of its key/)
    server.on(SIGNING_KEY, () => ({ status: 200, body: { algorithm: 'Ed25519', public_key: operator.base64, fingerprint: operator.fingerprint } }))
    expect(await u.check()).toMatchObject({ signingKey: { fingerprint: operator.fingerprint, source: 'server' }, installed: { version: 6 }, rejected: null })
  })

  it('a key pinned by hand replaces the old one only for models verified from then on', async () => {
    const { r, u } = await setUp(served(bundle(stranger, { version: 6 })), { env: { AGENT_MODEL_PUBLIC_KEY: '' } })
    r.state.pinModelKey(pinRecord(operator.base64, 'cli', new Date()))
    expect(u.status).toMatchObject({ signingKey: { fingerprint: operator.fingerprint, source: 'cli' }, installed: { version: 5 } })
    // The owner re-pins another key (`heatpool-agent model pin --key`): the model held no longer verifies.
    r.state.pinModelKey(pinRecord(stranger.base64, 'cli', new Date()))
    r.state.reload()
    expect(u.currentModel()).toBeNull()
    expect(u.status).toMatchObject({ signingKey: { fingerprint: stranger.fingerprint }, installed: null, error: expect.stringMatching(/^cannot use the model held: signed by key/) })
    // … and what the new key signs installs.
    expect(await u.check()).toMatchObject({ installed: { version: 6, fingerprint: stranger.fingerprint }, error: null })
  })

  it.each<[string, Record<string, unknown>]>([
    ['not eligible', { eligible: false }],
    ['no update', { update_available: false }],
    ['no model', { model_available: false, update_available: false }],
  ])('downloads nothing when the check says %s', async (_name, extra) => {
    const { server, r, u } = await setUp(served(newer), { checkAnswer: check(extra) })
    expect((await u.check()).error).toBeNull()
    expect(server.seen(MODEL_DOWNLOAD)).toEqual([])
    expect(readFileSync(modelPath(r))).toEqual(held)
  })

  it('reports a check the server cannot answer as an error, keeping the file', async () => {
    const { r, u } = await setUp(served(newer), { checkAnswer: { status: 500, body: 'oops' } })
    expect(await u.check()).toMatchObject({ error: 'cannot check model: the server answered 500', hash: sha256(held) })
    expect(readFileSync(modelPath(r))).toEqual(held)
  })

  it('checks on its schedule when AGENT_MODEL_CHECK_INTERVAL is set', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'] })
    try {
      // No installation registered: each check returns at once, without the network.
      const r = rig('http://127.0.0.1:9', { env: { AGENT_MODEL_CHECK_INTERVAL: '3600' } })
      const u = updater(r)
      const spy = vi.spyOn(u, 'check')
      u.start()
      await vi.advanceTimersByTimeAsync(59_000)
      expect(spy).toHaveBeenCalledTimes(0)
      await vi.advanceTimersByTimeAsync(1000)
      expect(spy).toHaveBeenCalledTimes(1)
      await vi.advanceTimersByTimeAsync(2 * 3_600_000)
      expect(spy).toHaveBeenCalledTimes(3)
      u.stop()
      await vi.advanceTimersByTimeAsync(3_600_000)
      expect(spy).toHaveBeenCalledTimes(3)
    } finally {
      vi.useRealTimers()
    }
  })
})
