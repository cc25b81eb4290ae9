import { describe, expect, it } from 'vitest'
import { build, newId, v1Payload, v1Record } from '../helper.js'

describe('POST /api/v1/submit with an installation token', () => {
  it('stores the batch and answers a superset of upstream {status, processed}', async () => {
    const t = await build()
    const { id, token } = await t.register()
    const now = t.clock.ms / 1000
    const res = await t.submit(v1Payload(id, [v1Record(now - 60), v1Record(now - 30)]), token)
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ status: 'success', processed: 2, installation_id: id })
    // 6 catalog values per v1Record: temp_outside, flow, return, power_current, power_current_draw, … status_system is not in the catalog
    expect(body.values).toEqual({ accepted: 10, stored: 10, duplicate: 0, rejected: 0, ignored: 6 })
    expect(body.records).toEqual({ received: 2, accepted: 2, rejected: 0 })
  })

  it('refuses another installation\'s id with 403', async () => {
    const t = await build()
    const a = await t.register()
    const b = await t.register()
    const res = await t.submit(v1Payload(b.id, [v1Record(t.clock.ms / 1000)]), a.token)
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_WRONG_INSTALLATION' })
  })

  it('refuses the admin token for ingest', async () => {
    const t = await build()
    const res = await t.submit(v1Payload(newId(), []), 'test-admin-token')
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_INVALID_TOKEN' })
  })
})

describe('POST /api/v1/submit validation', () => {
  it.each([
    ['data missing', { installation_id: newId(), heatpump_model: 'AERO SLM', version: '1' }],
    ['data not a list', { installation_id: newId(), heatpump_model: 'AERO SLM', version: '1', data: {} }],
    ['installation_id missing', { heatpump_model: 'AERO SLM', version: '1', data: [] }],
  ])('answers 422 when %s', async (_name, payload) => {
    const t = await build({ AUTH_TOKEN: 'shared' })
    const res = await t.submit(payload, 'shared')
    expect(res.statusCode).toBe(422)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_VALIDATION' })
    expect(res.json().detail).toMatch(/^cannot validate body/)
  })

  it('answers 200 with processed 0 for an empty batch, as upstream', async () => {
    const t = await build({ AUTH_TOKEN: 'shared' })
    const res = await t.submit(v1Payload(newId(), []), 'shared')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'success', processed: 0 })
  })

  it('answers 415 for a body that is not JSON', async () => {
    const t = await build({ AUTH_TOKEN: 'shared' })
    const res = await t.inject({ method: 'POST', url: '/api/v1/submit', headers: { authorization: 'Bearer shared', 'content-type': 'text/plain' }, payload: 'hello' })
    expect(res.statusCode).toBe(415)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_UNSUPPORTED_MEDIA_TYPE' })
  })

  it('answers 415 for an unsupported content encoding', async () => {
    const t = await build({ AUTH_TOKEN: 'shared' })
    const res = await t.inject({ method: 'POST', url: '/api/v1/submit', headers: { authorization: 'Bearer shared', 'content-type': 'application/json', 'content-encoding': 'zstd' }, payload: '{}' })
    expect(res.statusCode).toBe(415)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_UNSUPPORTED_ENCODING' })
  })

  it('answers 400 for gzip that is not gzip', async () => {
    const t = await build({ AUTH_TOKEN: 'shared' })
    const res = await t.inject({ method: 'POST', url: '/api/v1/submit', headers: { authorization: 'Bearer shared', 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: '{"not":"gzip"}' })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_BAD_ENCODING' })
  })

  it('refuses prototype poisoning', async () => {
    const t = await build({ AUTH_TOKEN: 'shared' })
    const res = await t.inject({ method: 'POST', url: '/api/v1/submit', headers: { authorization: 'Bearer shared', 'content-type': 'application/json' }, payload: `{"installation_id":"${newId()}","data":[],"__proto__":{"x":1}}` })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_INVALID_JSON' })
  })
})

describe('POST /api/v1/submit idempotency', () => {
  it('replays the first response for a retried Idempotency-Key and stores nothing twice', async () => {
    const t = await build()
    const { id, token } = await t.register()
    const now = t.clock.ms / 1000
    const payload = v1Payload(id, [v1Record(now - 60)])
    const first = await t.submit(payload, token, { 'idempotency-key': 'batch-1' })
    t.clock.advance(60_000)
    const retry = await t.submit(payload, token, { 'idempotency-key': 'batch-1' })
    expect(retry.statusCode).toBe(200)
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(retry.json()).toEqual(first.json())
    expect(first.headers['idempotent-replayed']).toBeUndefined()
    const ledger = await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${id}`, headers: { authorization: 'Bearer test-admin-token' } })
    expect(ledger.json().samples_total).toBe(first.json().values.stored)
  })

  it('answers 422 when a key is reused with a different body', async () => {
    const t = await build()
    const { id, token } = await t.register()
    const now = t.clock.ms / 1000
    await t.submit(v1Payload(id, [v1Record(now - 60)]), token, { 'idempotency-key': 'batch-1' })
    const res = await t.submit(v1Payload(id, [v1Record(now - 30)]), token, { 'idempotency-key': 'batch-1' })
    expect(res.statusCode).toBe(422)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_IDEMPOTENCY_KEY_REUSED' })
  })

  it('scopes keys to the installation', async () => {
    const t = await build()
    const a = await t.register()
    const b = await t.register()
    const now = t.clock.ms / 1000
    const ra = await t.submit(v1Payload(a.id, [v1Record(now - 60)]), a.token, { 'idempotency-key': 'same' })
    const rb = await t.submit(v1Payload(b.id, [v1Record(now - 60)]), b.token, { 'idempotency-key': 'same' })
    expect(ra.statusCode).toBe(200)
    expect(rb.statusCode).toBe(200)
    expect(rb.headers['idempotent-replayed']).toBeUndefined()
    expect(rb.json().values.stored).toBeGreaterThan(0)
  })

  it('answers 400 for a malformed key', async () => {
    const t = await build()
    const { id, token } = await t.register()
    const res = await t.submit(v1Payload(id, []), token, { 'idempotency-key': 'x'.repeat(256) })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_INVALID_IDEMPOTENCY_KEY' })
  })

  it('answers 409 to a retry while the first attempt is still being stored', async () => {
    const t = await build()
    const { id } = await t.register()
    const input = { installationId: id, model: { name: null, key: null }, data: [v1Record(t.clock.ms / 1000)], bodyHash: 'h', idempotencyKey: 'k', receivedAt: t.clock.ms }
    const first = t.app.submitService.submit(input)
    await expect(t.app.submitService.submit(input)).rejects.toMatchObject({ code: 'HP_ERR_IDEMPOTENCY_IN_FLIGHT', statusCode: 409 })
    await expect(first).resolves.toMatchObject({ statusCode: 200, replayed: false })
  })

  it('expires replays after IDEMPOTENCY_TTL_HOURS', async () => {
    const t = await build({ IDEMPOTENCY_TTL_HOURS: '1' })
    const { id, token } = await t.register()
    const payload = v1Payload(id, [v1Record(t.clock.ms / 1000 - 60)])
    await t.submit(payload, token)
    t.clock.advance(2 * 3_600_000)
    const res = await t.submit(payload, token)
    expect(res.headers['idempotent-replayed']).toBeUndefined()
    expect(res.json().values).toMatchObject({ stored: 0, duplicate: 5 })
  })
})

describe('POST /api/v1/submit rate limits', () => {
  it('limits each installation and answers 429 with Retry-After', async () => {
    const t = await build({ RATE_LIMIT_PER_MINUTE: '2' })
    const a = await t.register()
    const b = await t.register()
    const codes = []
    for (let i = 0; i < 3; i++) codes.push((await t.submit(v1Payload(a.id, []), a.token)).statusCode)
    expect(codes).toEqual([200, 200, 429])
    const limited = await t.submit(v1Payload(a.id, []), a.token)
    expect(limited.json()).toEqual({ code: 'HP_ERR_RATE_LIMITED', detail: 'Too many requests. Please try again later.' })
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    // Another installation behind the same address is not affected.
    expect((await t.submit(v1Payload(b.id, []), b.token)).statusCode).toBe(200)
  })

  it('limits each address before authentication', async () => {
    const t = await build({ RATE_LIMIT_IP_PER_MINUTE: '3' })
    const codes = []
    for (let i = 0; i < 4; i++) codes.push((await t.submit(v1Payload(newId(), []), 'wrong')).statusCode)
    expect(codes).toEqual([403, 403, 403, 429])
  })

  it('keeps the limiter memory bounded', async () => {
    const t = await build({ RATE_LIMIT_IP_PER_MINUTE: '1', RATE_LIMIT_MAX_KEYS: '100' })
    // 150 distinct addresses push the first one out of the LRU, so it is allowed again.
    const first = await t.inject({ method: 'GET', url: '/nope', remoteAddress: '10.0.0.1' })
    expect(first.statusCode).toBe(404)
    expect((await t.inject({ method: 'GET', url: '/nope', remoteAddress: '10.0.0.1' })).statusCode).toBe(429)
    for (let i = 0; i < 150; i++) await t.inject({ method: 'GET', url: '/nope', remoteAddress: `10.1.${i >> 8}.${i & 255}` })
    expect((await t.inject({ method: 'GET', url: '/nope', remoteAddress: '10.0.0.1' })).statusCode).toBe(404)
  })
})

describe('POST /api/v1/submit when the store fails', () => {
  it('answers 503 with Retry-After, never 200', async () => {
    const t = await build({ AUTH_TOKEN: 'shared' })
    const id = newId()
    const payload = v1Payload(id, [v1Record(t.clock.ms / 1000)])
    ;(t.app.store.samples as { write: unknown }).write = () => {
      throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' })
    }
    const res = await t.submit(payload, 'shared')
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('30')
    expect(res.json()).toMatchObject({ code: 'HP_ERR_STORE_UNAVAILABLE' })
    expect(res.body).not.toMatch(/disk I\/O/)
  })

  it('answers 500 without internals for a bug', async () => {
    const t = await build({ AUTH_TOKEN: 'shared' })
    ;(t.app.store.samples as { write: unknown }).write = () => {
      throw new TypeError('BUG: secret internals')
    }
    const res = await t.submit(v1Payload(newId(), [v1Record(t.clock.ms / 1000)]), 'shared')
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ code: 'HP_ERR_INTERNAL', detail: 'Internal Server Error' })
  })
})

describe('POST /api/v1/submit heat-pump limit', () => {
  it('drops entries for new heat pumps beyond MAX_HEAT_PUMPS_PER_INSTALLATION and keeps the rest', async () => {
    const t = await build({ MAX_HEAT_PUMPS_PER_INSTALLATION: '2' })
    const { id, token } = await t.register()
    const ts = t.clock.ms / 1000 - 60
    const entry = (hp: string) => ({ id: hp, manufacturer: 'idm', model: 'navigator_2_0', values: { temp_outside: 3 } })
    const first = await t.submit({ installation_id: id, data_version: '2.0', data: [{ timestamp: ts, heatpumps: [entry('hp-a'), entry('hp-b'), entry('hp-c')] }] }, token)
    expect(first.json()).toMatchObject({
      values: { accepted: 2, stored: 2 },
      rejected_reasons: { records: { too_many_heatpumps: 1 } },
    })
    // Known heat pumps keep working; a fourth is still refused.
    const second = await t.submit({ installation_id: id, data_version: '2.0', data: [{ timestamp: ts + 30, heatpumps: [entry('hp-b'), entry('hp-d')] }] }, token)
    expect(second.json()).toMatchObject({ values: { stored: 1 }, rejected_reasons: { records: { too_many_heatpumps: 1 } } })
    const keys = await t.app.store.db.selectFrom('heat_pumps').select('hp_key').orderBy('hp_key').execute()
    expect(keys.map((k) => k.hp_key)).toEqual(['hp-a', 'hp-b'])
  })
})
