import { describe, expect, it } from 'vitest'
import { build, newId, v1Payload, v1Record, type TestApp } from '../helper.js'
import { SHARED_TOKEN } from './payloads.js'
import { installationRows, sampleRowCount, storedSamples } from './stored.js'

const NOW_S = Date.UTC(2026, 10, 27, 12) / 1000
const SHARED_MODE = { AUTH_TOKEN: SHARED_TOKEN }
const OPEN_MODE = { LEGACY_OPEN_INGEST: 'true' }

/** Samples of one v1 helper record: its five catalog values. */
const PER_RECORD = 5

function post (t: TestApp, payload: unknown, authorization?: string) {
  return t.inject({
    method: 'POST',
    url: '/api/v1/submit',
    headers: authorization === undefined ? {} : { authorization },
    payload: payload as Record<string, unknown>,
  })
}

const payload = (id: string, ts = NOW_S - 60) => v1Payload(id, [v1Record(ts)])

describe('auth in the shared-token compatibility mode (AUTH_TOKEN)', () => {
  it('answers 401 {"detail":"Missing Authorization Header"} without the header, as upstream', async () => {
    const t = await build(SHARED_MODE)
    const res = await post(t, payload(newId()))
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_MISSING_AUTH', detail: 'Missing Authorization Header' })
    expect(await sampleRowCount(t)).toBe(0)
  })

  it.each([
    ['a wrong token', 'Bearer not-the-secret'],
    ['the Basic scheme', `Basic ${Buffer.from(`user:${SHARED_TOKEN}`).toString('base64')}`],
    ['a Token scheme', `Token ${SHARED_TOKEN}`],
    ['the bare token', SHARED_TOKEN],
    ['Bearer without a token', 'Bearer '],
  ])('answers 403 {"detail":"Invalid Token"} to %s', async (_what, authorization) => {
    const t = await build(SHARED_MODE)
    const res = await post(t, payload(newId()), authorization)
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_INVALID_TOKEN', detail: 'Invalid Token' })
    expect(await installationRows(t)).toEqual([])
    expect(await sampleRowCount(t)).toBe(0)
  })

  it.each([
    ['an invalid body', { installation_id: 'not-a-uuid', data: 'nope' }],
    ['invalid JSON', '{"installation_id": '],
    ['an empty body', ''],
  ])('authenticates before validating: no token + %s → 401, wrong token → 403', async (_what, body) => {
    const t = await build(SHARED_MODE)
    const headers = { 'content-type': 'application/json' }
    const raw = typeof body === 'string' ? body : JSON.stringify(body)
    const none = await t.inject({ method: 'POST', url: '/api/v1/submit', headers, payload: raw })
    expect(none.statusCode).toBe(401)
    expect(none.json()).toMatchObject({ detail: 'Missing Authorization Header' })
    const wrong = await t.inject({ method: 'POST', url: '/api/v1/submit', headers: { ...headers, authorization: 'Bearer nope' }, payload: raw })
    expect(wrong.statusCode).toBe(403)
    expect(wrong.json()).toMatchObject({ detail: 'Invalid Token' })
  })

  it('lets the shared token write any unregistered installation, scheme case-insensitive', async () => {
    const t = await build(SHARED_MODE)
    const a = newId()
    const b = newId()
    expect((await post(t, payload(a), `Bearer ${SHARED_TOKEN}`)).statusCode).toBe(200)
    expect((await post(t, payload(b), `bearer ${SHARED_TOKEN}`)).statusCode).toBe(200)
    expect((await installationRows(t)).map((r) => r.id).sort()).toEqual([a, b].sort())
    expect(await storedSamples(t, a)).toHaveLength(PER_RECORD)
    expect(await storedSamples(t, b)).toHaveLength(PER_RECORD)
  })

  it('refuses the shared token (403) and no token (401) for a registered installation; its own token writes', async () => {
    const t = await build(SHARED_MODE)
    const { id, token } = await t.register()

    const shared = await post(t, payload(id), `Bearer ${SHARED_TOKEN}`)
    expect(shared.statusCode).toBe(403)
    expect(shared.json()).toMatchObject({ code: 'HP_ERR_INSTALLATION_REGISTERED' })
    expect(shared.json().detail).toContain(id)
    const none = await post(t, payload(id))
    expect(none.statusCode).toBe(401)
    expect(none.json()).toMatchObject({ detail: 'Missing Authorization Header' })
    expect(await sampleRowCount(t)).toBe(0)

    const own = await post(t, payload(id), `Bearer ${token}`)
    expect(own.statusCode).toBe(200)
    expect(own.json()).toMatchObject({ installation_id: id, values: { stored: PER_RECORD } })
    expect(await storedSamples(t, id)).toHaveLength(PER_RECORD)
  })

  it('keeps the legacy history when an installation known from shared-token uploads registers', async () => {
    const t = await build(SHARED_MODE)
    const id = newId()
    expect((await post(t, payload(id, NOW_S - 120), `Bearer ${SHARED_TOKEN}`)).statusCode).toBe(200)
    const claim = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { installation_id: id, consent_version: '1' } })
    expect(claim.statusCode).toBe(200)
    expect(claim.json()).toMatchObject({ installation_id: id, created: false })
    const token = claim.json<{ token: string }>().token

    expect((await post(t, payload(id, NOW_S - 60), `Bearer ${SHARED_TOKEN}`)).statusCode).toBe(403)
    expect((await post(t, payload(id, NOW_S - 60), `Bearer ${token}`)).statusCode).toBe(200)
    expect([...new Set((await storedSamples(t, id)).map((s) => s.ts))]).toEqual([(NOW_S - 120) * 1000, (NOW_S - 60) * 1000])
  })
})

describe('auth in the open legacy mode (LEGACY_OPEN_INGEST)', () => {
  it('accepts an upload without a token for an unregistered installation', async () => {
    const t = await build(OPEN_MODE)
    const id = newId()
    const res = await post(t, payload(id))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'success', processed: 1, installation_id: id })
    expect(await storedSamples(t, id)).toHaveLength(PER_RECORD)
  })

  it('refuses a tokenless upload for a registered installation with 401; its own token writes', async () => {
    const t = await build(OPEN_MODE)
    const { id, token } = await t.register()
    const none = await post(t, payload(id))
    expect(none.statusCode).toBe(401)
    expect(none.json()).toMatchObject({ code: 'HP_ERR_MISSING_AUTH' })
    expect(none.json().detail).toContain(id)
    expect(await sampleRowCount(t)).toBe(0)
    expect((await post(t, payload(id), `Bearer ${token}`)).statusCode).toBe(200)
    expect(await storedSamples(t, id)).toHaveLength(PER_RECORD)
  })

  // Upstream with AUTH_TOKEN="" skipped every token check, so a logger still configured with a
  // token (telemetry_auth_token from an earlier server) uploaded fine. It never retries a failure.
  it('accepts an upload from a logger that still sends a token this server does not know', async () => {
    const t = await build(OPEN_MODE)
    const id = newId()
    const res = await post(t, payload(id), 'Bearer change-me-to-something-secure')
    expect(res.statusCode).toBe(200)
    expect(await storedSamples(t, id)).toHaveLength(PER_RECORD)
  })
})

describe('per-installation tokens', () => {
  it.each([
    ['shared-token mode', SHARED_MODE],
    ['open mode', OPEN_MODE],
    ['no compatibility mode', {}],
  ])('refuses an installation token writing another installation with 403 HP_ERR_WRONG_INSTALLATION (%s)', async (_mode, env) => {
    const t = await build(env)
    const mine = await t.register()
    const theirs = await t.register()
    for (const target of [theirs.id, newId()]) {
      const res = await post(t, payload(target), `Bearer ${mine.token}`)
      expect(res.statusCode).toBe(403)
      expect(res.json()).toMatchObject({ code: 'HP_ERR_WRONG_INSTALLATION' })
    }
    expect(await sampleRowCount(t)).toBe(0)
    expect((await post(t, payload(mine.id), `Bearer ${mine.token}`)).statusCode).toBe(200)
  })

  it('answers 401 to a tokenless upload when no compatibility mode is on', async () => {
    const t = await build()
    const res = await post(t, payload(newId()))
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ detail: 'Missing Authorization Header' })
  })
})
