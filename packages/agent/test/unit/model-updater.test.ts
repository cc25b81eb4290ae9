import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MODEL_FILE, ModelUpdater } from '../../src/model/updater.js'
import { hashVerifier } from '../../src/model/verify.js'
import { FakeServer, MODEL_CHECK, MODEL_DOWNLOAD, sha256, type Answer } from './support/fake-server.js'
import { realServer } from './support/real-server.js'
import { records, rig, V1_ENVELOPE, type Rig } from './support/rig.js'

const servers: FakeServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

function updater (r: Rig): ModelUpdater {
  return new ModelUpdater(r.config, r.client, r.tokens, r.state, hashVerifier, pino({ level: 'silent' }))
}

const modelPath = (r: Rig) => join(r.dir, 'models', MODEL_FILE)

/** Distinct UTC days the records' timestamps fall on (the contribution days they make). */
const utcDays = (texts: string[]): number => new Set(texts.map((t) => Math.floor((JSON.parse(t) as { timestamp: number }).timestamp / 86_400))).size

describe('model updater against the real server', () => {
  it('after registering through an upload: checks, downloads only when there is an update, replaces the file atomically', async () => {
    const server = await realServer({ MIN_INSTALLATIONS: '1', MIN_DATA_POINTS: '1', ELIGIBILITY_DAYS: '1', CONTRIBUTION_MIN_SAMPLES: '5' })
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true' } })
    const u = updater(r)

    // Nobody registered yet: nothing to ask about, nothing asked.
    expect(await u.check()).toMatchObject({ installationId: null, error: 'no registered installation yet', hash: null })
    expect(server.requests).toEqual([])

    const id = randomUUID()
    const sent = records(10)
    r.outbox.append(id, V1_ENVELOPE, sent)
    expect(await r.uploader.flush()).toMatchObject({ outcome: 'acknowledged', records: 10 })
    expect(r.state.get().primaryInstallationId).toBe(id)

    // Eligible, but no model published yet: nothing downloaded.
    expect(await u.check()).toMatchObject({ installationId: id, eligible: true, contributionDays: utcDays(sent), daysNeeded: 0, hash: null, error: null })
    expect(existsSync(modelPath(r))).toBe(false)

    const v1 = Buffer.from('community model for the AERO SLM, version 1')
    await server.uploadModel(v1, 'AERO SLM')
    server.requests.length = 0
    const first = await u.check()
    expect(first).toMatchObject({ eligible: true, hash: sha256(v1), error: null })
    expect(first.updatedAt).not.toBeNull()
    expect(readFileSync(modelPath(r))).toEqual(v1)
    expect(readdirSync(join(r.dir, 'models'))).toEqual([MODEL_FILE])
    // Asked without a hash (none held), for the model registered with the upload; then downloaded.
    expect(server.requests.map((q) => q.split('?')[0])).toEqual([MODEL_CHECK, MODEL_DOWNLOAD])
    const checkQuery = new URLSearchParams(server.requests[0]?.split('?')[1])
    expect(checkQuery.get('installation_id')).toBe(id)
    expect(checkQuery.has('current_hash')).toBe(false)

    // Checked again: the current hash goes along and nothing is downloaded.
    server.requests.length = 0
    const mtime = statSync(modelPath(r)).mtimeMs
    const second = await u.check()
    expect(second).toMatchObject({ hash: sha256(v1), updatedAt: first.updatedAt, error: null })
    expect(server.requests.map((q) => q.split('?')[0])).toEqual([MODEL_CHECK])
    expect(new URLSearchParams(server.requests[0]?.split('?')[1]).get('current_hash')).toBe(sha256(v1))
    expect(statSync(modelPath(r)).mtimeMs).toBe(mtime)

    // A new version is fetched and replaces the old one.
    const v2 = Buffer.from('community model for the AERO SLM, version 2, bigger')
    await server.uploadModel(v2, 'AERO SLM')
    server.requests.length = 0
    expect(await u.check()).toMatchObject({ hash: sha256(v2), error: null })
    expect(readFileSync(modelPath(r))).toEqual(v2)
    expect(server.requests.map((q) => q.split('?')[0])).toEqual([MODEL_CHECK, MODEL_DOWNLOAD])
    expect(readdirSync(join(r.dir, 'models'))).toEqual([MODEL_FILE])

    // A new updater (a restart) knows the file it holds.
    expect(updater(r).status.hash).toBe(sha256(v2))
  })

  it('not eligible yet: reports the days needed and downloads nothing', async () => {
    const server = await realServer({ MIN_INSTALLATIONS: '1', MIN_DATA_POINTS: '1', ELIGIBILITY_DAYS: '3', CONTRIBUTION_MIN_SAMPLES: '5' })
    await server.uploadModel('generic model')
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true' } })
    const sent = records(10)
    r.outbox.append(randomUUID(), V1_ENVELOPE, sent)
    await r.uploader.flush()
    server.requests.length = 0
    expect(await updater(r).check()).toMatchObject({ eligible: false, contributionDays: utcDays(sent), daysNeeded: 3 - utcDays(sent), hash: null, error: null })
    expect(server.requests.map((q) => q.split('?')[0])).toEqual([MODEL_CHECK])
    expect(existsSync(modelPath(r))).toBe(false)
  })
})

describe('model updater against a scripted server', () => {
  const good = Buffer.from('the good model')
  const check = (extra: Record<string, unknown> = {}): Answer => ({
    status: 200,
    body: { eligible: true, reason: 'Eligible', model_available: true, update_available: true, model_hash: sha256(good), hash: sha256(good), contribution_days: 40, days_needed: 0, ...extra },
  })

  async function setUp (download: Answer, checkAnswer: Answer = check()): Promise<{ server: FakeServer, r: Rig, u: ModelUpdater }> {
    const server = await FakeServer.start({ [MODEL_CHECK]: () => checkAnswer, [MODEL_DOWNLOAD]: () => download })
    servers.push(server)
    const r = rig(server.url)
    const id = randomUUID()
    r.tokens.set(id, 'hpi_token')
    r.state.notePrimary(id)
    mkdirSync(join(r.dir, 'models'), { recursive: true })
    writeFileSync(modelPath(r), 'the old model')
    return { server, r, u: updater(r) }
  }

  it.each<[string, Answer, RegExp]>([
    ['a body that does not match X-Model-Hash', { status: 200, headers: { 'x-model-hash': sha256(good), 'content-type': 'application/octet-stream' }, body: Buffer.from('tampered model') }, /^cannot verify model: sha256 [0-9a-f]{64} does not match X-Model-Hash/],
    ['no X-Model-Hash', { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: good }, /^cannot verify model: the server sent no X-Model-Hash/],
    ['a failed download', { status: 503, body: { code: 'HP_ERR_STORE_UNAVAILABLE', detail: 'later' } }, /^cannot download model: the server answered 503/],
    ['a dropped download', 'drop', /^cannot download model: /],
  ])('refuses %s and keeps the old file', async (_name, download, error) => {
    const { server, r, u } = await setUp(download)
    const status = await u.check()
    expect(status.error).toMatch(error)
    expect(status.hash).toBe(sha256('the old model'))
    expect(status.updatedAt).toBeNull()
    expect(readFileSync(modelPath(r), 'utf8')).toBe('the old model')
    expect(readdirSync(join(r.dir, 'models'))).toEqual([MODEL_FILE])
    expect(server.seen(MODEL_DOWNLOAD)).toHaveLength(1)
  })

  it('accepts a download that matches X-Model-Hash (upper-case hex too)', async () => {
    const { server, r, u } = await setUp({ status: 200, headers: { 'x-model-hash': sha256(good).toUpperCase() }, body: good })
    expect(await u.check()).toMatchObject({ hash: sha256(good), error: null })
    expect(readFileSync(modelPath(r))).toEqual(good)
    const [req] = server.seen(MODEL_CHECK)
    expect(req?.query.get('current_hash')).toBe(sha256('the old model'))
    expect(req?.headers.authorization).toBe('Bearer hpi_token')
    expect(server.seen(MODEL_DOWNLOAD)[0]?.headers.authorization).toBe('Bearer hpi_token')
  })

  it.each<[string, Record<string, unknown>]>([
    ['not eligible', { eligible: false }],
    ['no update', { update_available: false }],
    ['no model', { model_available: false, update_available: false }],
  ])('downloads nothing when the check says %s', async (_name, extra) => {
    const { server, r, u } = await setUp({ status: 200, headers: { 'x-model-hash': sha256(good) }, body: good }, check(extra))
    expect((await u.check()).error).toBeNull()
    expect(server.seen(MODEL_DOWNLOAD)).toEqual([])
    expect(readFileSync(modelPath(r), 'utf8')).toBe('the old model')
  })

  it('reports a check the server cannot answer as an error, keeping the file', async () => {
    const { r, u } = await setUp({ status: 200, body: good }, { status: 500, body: 'oops' })
    expect(await u.check()).toMatchObject({ error: 'cannot check model: the server answered 500', hash: sha256('the old model') })
    expect(readFileSync(modelPath(r), 'utf8')).toBe('the old model')
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
