import { sql } from 'kysely'
import type { QualityReport } from '@heatpool/protocol'
import { describe, expect, it } from 'vitest'
import { DAY_MS } from '../../src/ledger/contribution.js'
import { ADMIN_TOKEN, build, newId, v1Payload, v1Record, type TestApp } from '../helper.js'

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

async function quality (t: TestApp, days?: number): Promise<QualityReport> {
  const res = await t.inject({ method: 'GET', url: `/api/v2/admin/quality${days === undefined ? '' : `?days=${days}`}`, headers: admin })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<QualityReport>()
}

/** One batch with good and bad parts: a good record, an implausible value, a non-finite one, a record from the future. */
function mixedBatch (nowS: number) {
  return [
    v1Record(nowS - 300),
    v1Record(nowS - 240, { temp_outside: 500 }),
    v1Record(nowS - 180, { temp_heat_pump_flow: 'NaN' }),
    v1Record(nowS + 7200),
  ]
}

describe('GET /api/v2/admin/quality', () => {
  it.each([
    ['no token', {}, 401, 'HP_ERR_MISSING_AUTH'],
    ['a wrong token', { authorization: 'Bearer nope' }, 403, 'HP_ERR_INVALID_TOKEN'],
  ])('refuses %s', async (_name, headers, status, code) => {
    const t = await build()
    const res = await t.inject({ method: 'GET', url: '/api/v2/admin/quality', headers })
    expect(res.statusCode).toBe(status)
    expect(res.json()).toMatchObject({ code })
  })

  it('refuses an installation token', async () => {
    const t = await build()
    const { token } = await t.register()
    const res = await t.inject({ method: 'GET', url: '/api/v2/admin/quality', headers: { authorization: `Bearer ${token}` } })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_ADMIN_REQUIRED' })
  })

  it.each(['0', '366', '2.5', 'week'])('refuses days=%s', async (days) => {
    const t = await build()
    const res = await t.inject({ method: 'GET', url: `/api/v2/admin/quality?days=${days}`, headers: admin })
    expect(res.statusCode).toBe(422)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_VALIDATION' })
  })

  it('answers an empty pool with every day and hour at zero', async () => {
    const t = await build()
    const r = await quality(t)
    expect([r.from, r.to, r.generated_at]).toEqual(['2026-10-29', '2026-11-27', '2026-11-27T12:00:00.000Z'])
    expect(r.daily).toHaveLength(30)
    expect(r.hourly).toHaveLength(48)
    expect(r.hourly.at(-1)?.hour).toBe('2026-11-27T12:00:00.000Z')
    expect([...r.daily, ...r.hourly].every((d) => d.batches === 0 && d.values_stored === 0)).toBe(true)
    expect([r.reasons, r.installations]).toEqual([[], []])
    expect((await quality(t, 1)).daily.map((d) => d.day)).toEqual(['2026-11-27'])
  })

  it('counts a real batch: good values stored, bad ones dropped and counted by reason, a retry not again', async () => {
    const t = await build()
    const { id, token } = await t.register({ heatpump_model: 'AERO SLM' })
    const nowS = t.clock.ms / 1000
    const res = await t.submit(v1Payload(id, mixedBatch(nowS)), token, { 'idempotency-key': 'batch-1' })
    expect(res.statusCode, res.body).toBe(200)
    const answer = res.json<{ records: Record<string, number>, values: Record<string, number> }>()
    expect(answer.records).toEqual({ received: 4, accepted: 3, rejected: 1 })
    expect(answer.values).toMatchObject({ stored: 13, rejected: 2 })
    // The good values of the bad records are stored beside the good record's.
    const hp = await t.app.store.db.selectFrom('heat_pumps').select('id').executeTakeFirstOrThrow()
    const samples = await t.app.store.samples.read(hp.id, 0, Number.MAX_SAFE_INTEGER)
    expect(samples.map((s) => Object.keys(s.values).length)).toEqual([5, 4, 4])
    expect(samples[1]?.values).not.toHaveProperty('temp_outdoor')

    // The same batch again (a client retry): replayed, nothing counted twice.
    const again = await t.submit(v1Payload(id, mixedBatch(nowS)), token, { 'idempotency-key': 'batch-1' })
    expect(again.headers['idempotent-replayed']).toBe('true')

    const r = await quality(t, 7)
    expect(r.daily.at(-1)).toEqual({
      day: '2026-11-27',
      batches: 1,
      records_accepted: 3,
      records_rejected: 1,
      values_stored: 13,
      values_rejected: 2,
      rejected: { future_timestamp: 1, not_finite: 1, out_of_range: 1 },
    })
    expect(r.daily.slice(0, -1).every((d) => d.batches === 0)).toBe(true)
    expect(r.hourly.at(-1)).toEqual({ hour: '2026-11-27T12:00:00.000Z', batches: 1, records_accepted: 3, values_stored: 13, records_rejected: 1, values_rejected: 2 })
    expect(r.reasons).toEqual([
      { reason: 'future_timestamp', records: 1, values: 0 },
      { reason: 'not_finite', records: 0, values: 1 },
      { reason: 'out_of_range', records: 0, values: 1 },
    ])
    expect(r.installations).toEqual([{
      installation_id: id, values_stored: 13, values_rejected: 2, implausible_values: 1, days_with_data: 1, gap_days: 0, first_day: '2026-11-27',
    }])
  })

  it('keeps hours and days apart and counts gap days from an installation\'s first day', async () => {
    const t = await build()
    const a = await t.register()
    const b = await t.register()
    const start = t.clock.ms
    const at = (ms: number) => v1Record(ms / 1000)
    expect((await t.submit(v1Payload(a.id, [at(start - 60_000)]), a.token)).statusCode).toBe(200)
    t.clock.advance(3 * 3_600_000)
    expect((await t.submit(v1Payload(b.id, [at(t.clock.ms - 60_000), v1Record(t.clock.ms / 1000 - 30, { temp_outside: -99 })]), b.token)).statusCode).toBe(200)
    t.clock.advance(3 * DAY_MS)
    expect((await t.submit(v1Payload(a.id, [at(t.clock.ms - 60_000)]), a.token)).statusCode).toBe(200)

    const r = await quality(t, 10)
    expect(r.to).toBe('2026-11-30')
    expect(r.daily.filter((d) => d.batches > 0).map((d) => [d.day, d.batches, d.values_stored])).toEqual([['2026-11-27', 2, 14], ['2026-11-30', 1, 5]])
    expect(r.daily.find((d) => d.day === '2026-11-27')?.rejected).toEqual({ out_of_range: 1 })
    // The last 48 hours hold only the latest batch.
    expect(r.hourly.filter((h) => h.batches > 0).map((h) => h.hour)).toEqual(['2026-11-30T15:00:00.000Z'])
    expect(r.installations).toEqual([
      // b: first day the 27th, nothing since: 3 gap days up to the 30th.
      { installation_id: b.id, values_stored: 9, values_rejected: 1, implausible_values: 1, days_with_data: 1, gap_days: 3, first_day: '2026-11-27' },
      { installation_id: a.id, values_stored: 10, values_rejected: 0, implausible_values: 0, days_with_data: 2, gap_days: 2, first_day: '2026-11-27' },
    ])
  })

  it('forgets an erased installation\'s rows but keeps the pool-wide figures', async () => {
    const t = await build()
    const { id, token } = await t.register()
    await t.submit(v1Payload(id, mixedBatch(t.clock.ms / 1000)), token)
    const erase = await t.inject({ method: 'DELETE', url: `/api/v2/admin/installations/${id}`, headers: admin })
    expect(erase.statusCode).toBe(200)
    const r = await quality(t, 1)
    expect(r.installations).toEqual([])
    expect(r.daily[0]).toMatchObject({ batches: 1, values_stored: 13, values_rejected: 2 })
    expect(r.reasons.map((x) => x.reason)).toEqual(['future_timestamp', 'not_finite', 'out_of_range'])
  })

  it('counts nothing for a batch whose transaction fails, and the retry once', async () => {
    const t = await build()
    const { id, token } = await t.register()
    const db = t.app.store.db
    // The last write of the ingest transaction fails: everything before it must roll back.
    await sql`create trigger fail_batch before insert on idempotency_keys begin select raise(abort, 'disk on fire'); end`.execute(db)
    const payload = v1Payload(id, mixedBatch(t.clock.ms / 1000))
    const failed = await t.submit(payload, token, { 'idempotency-key': 'k' })
    expect(failed.statusCode).toBe(503) // a store failure: the client retries
    expect(await db.selectFrom('ingest_hours').selectAll().execute()).toEqual([])
    expect(await db.selectFrom('ingest_rejection_hours').selectAll().execute()).toEqual([])
    expect(await db.selectFrom('installation_rejection_days').selectAll().execute()).toEqual([])
    await sql`drop trigger fail_batch`.execute(db)
    expect((await t.submit(payload, token, { 'idempotency-key': 'k' })).statusCode).toBe(200)
    expect((await quality(t, 1)).daily[0]).toMatchObject({ batches: 1, values_stored: 13, values_rejected: 2 })
  })
})

describe('POST /api/v2/admin/installations/:id/revoke', () => {
  const revoke = (t: TestApp, id: string, headers: Record<string, string> = admin) =>
    t.inject({ method: 'POST', url: `/api/v2/admin/installations/${id}/revoke`, headers })

  it('needs the admin token', async () => {
    const t = await build()
    const { id, token } = await t.register()
    expect((await revoke(t, id, {})).json()).toMatchObject({ code: 'HP_ERR_MISSING_AUTH' })
    const own = await revoke(t, id, { authorization: `Bearer ${token}` })
    expect(own.statusCode).toBe(403)
    expect(own.json()).toMatchObject({ code: 'HP_ERR_ADMIN_REQUIRED' })
  })

  it('answers 422 for a malformed id and 404 for an unknown one', async () => {
    const t = await build()
    const bad = await revoke(t, 'not-a-uuid')
    expect(bad.statusCode).toBe(422)
    expect(bad.json()).toMatchObject({ code: 'HP_ERR_INVALID_INSTALLATION_ID' })
    const unknown = await revoke(t, newId())
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toMatchObject({ code: 'HP_ERR_INSTALLATION_NOT_FOUND' })
  })

  it('refuses the token from then on, keeps the data, and refuses registering the id again', async () => {
    const t = await build()
    const { id, token } = await t.register({ heatpump_model: 'AERO SLM' })
    const nowS = t.clock.ms / 1000
    expect((await t.submit(v1Payload(id, [v1Record(nowS - 120)]), token)).statusCode).toBe(200)

    t.clock.advance(60_000)
    const res = await revoke(t, id)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ installation_id: id, revoked: true })

    // Its uploads are refused as an unknown token's: 403 Invalid Token on submit (as upstream), 401 on /me.
    const refused = await t.submit(v1Payload(id, [v1Record(nowS - 60)]), token)
    expect(refused.statusCode).toBe(403)
    expect(refused.json()).toMatchObject({ code: 'HP_ERR_INVALID_TOKEN' })
    const me = await t.inject({ method: 'GET', url: '/api/v2/installations/me', headers: { authorization: `Bearer ${token}` } })
    expect(me.statusCode).toBe(401)
    expect((await revoke(t, id)).json()).toEqual({ installation_id: id, revoked: false })

    const revokedAt = new Date(t.clock.ms).toISOString()
    const detail = await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${id}`, headers: admin })
    expect(detail.json()).toMatchObject({ registered: false, revoked_at: revokedAt, samples_total: 5 })
    const list = await t.inject({ method: 'GET', url: '/api/v2/admin/installations', headers: admin })
    expect(list.json<{ installations: { installation_id: string, revoked_at: string | null }[] }>().installations
      .map((i) => [i.installation_id, i.revoked_at])).toEqual([[id, revokedAt]])

    // Whoever holds the stolen token knows the id: registering it again, with or without a
    // credential or a chosen token, is refused for good, and nothing is claimed.
    for (const [payload, headers] of [
      [{ installation_id: id, consent_version: '1' }, {}],
      [{ installation_id: id, consent_version: '1', token: 'hpi_chosen-by-the-thief-0123456789abcdef' }, {}],
      [{ installation_id: id, consent_version: '1' }, { authorization: `Bearer ${token}` }],
    ] as const) {
      const again = await t.inject({ method: 'POST', url: '/api/v2/installations', payload, headers })
      expect(again.statusCode, again.body).toBe(403)
      expect(again.json()).toEqual({
        code: 'HP_ERR_INSTALLATION_REVOKED',
        detail: `cannot register installation ${id}: an admin revoked it; register a new installation id, or ask the server operator to reinstate this one`,
      })
    }
    const after = await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${id}`, headers: admin })
    expect(after.json()).toMatchObject({ registered: false, revoked_at: revokedAt, samples_total: 5, heatpump_model: 'AERO SLM' })

    // The owner registers a new id; nothing else is affected.
    const fresh = await t.register()
    expect((await t.submit(v1Payload(fresh.id, [v1Record(nowS - 30)]), fresh.token)).statusCode).toBe(200)
  })

  it('refuses shared-token uploads naming a revoked id, also one known only from legacy uploads', async () => {
    const t = await build({ AUTH_TOKEN: 'shared' })
    const nowS = t.clock.ms / 1000
    const [legacy, other] = [newId(), newId()]
    expect((await t.submit(v1Payload(legacy, [v1Record(nowS - 120)]), 'shared')).statusCode).toBe(200)
    expect((await revoke(t, legacy)).json()).toEqual({ installation_id: legacy, revoked: true })

    const refused = await t.submit(v1Payload(legacy, [v1Record(nowS - 60)]), 'shared')
    expect(refused.statusCode).toBe(403)
    expect(refused.json()).toEqual({
      code: 'HP_ERR_INSTALLATION_REVOKED',
      detail: `cannot write installation ${legacy}: an admin revoked it; register a new installation id, or ask the server operator`,
    })
    // A batch names one installation, so refusing it loses no other installation's records.
    expect((await t.submit(v1Payload(other, [v1Record(nowS - 60)]), 'shared')).statusCode).toBe(200)
    const claim = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { installation_id: legacy, consent_version: '1' } })
    expect(claim.json()).toMatchObject({ code: 'HP_ERR_INSTALLATION_REVOKED' })
    const detail = await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${legacy}`, headers: admin })
    expect(detail.json()).toMatchObject({ registered: false, samples_total: 5 })
  })

  it('refuses open uploads (LEGACY_OPEN_INGEST) naming a revoked id, with its old token or none', async () => {
    const t = await build({ LEGACY_OPEN_INGEST: 'true' })
    const nowS = t.clock.ms / 1000
    const { id, token } = await t.register()
    expect((await revoke(t, id)).statusCode).toBe(200)
    // In this mode an unknown token counts as none: before revocation was recorded, the old token wrote again here.
    for (const credential of [token, undefined]) {
      const refused = await t.submit(v1Payload(id, [v1Record(nowS - 60)]), credential)
      expect(refused.statusCode).toBe(403)
      expect(refused.json()).toMatchObject({ code: 'HP_ERR_INSTALLATION_REVOKED' })
    }
    expect((await t.submit(v1Payload(newId(), [v1Record(nowS - 60)]))).statusCode).toBe(200)
    const detail = await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${id}`, headers: admin })
    expect(detail.json()).toMatchObject({ samples_total: 0 })
  })

  it('erases a revoked installation, which frees its id', async () => {
    const t = await build()
    const { id, token } = await t.register()
    expect((await t.submit(v1Payload(id, [v1Record(t.clock.ms / 1000 - 60)]), token)).statusCode).toBe(200)
    expect((await revoke(t, id)).statusCode).toBe(200)
    const erased = await t.inject({ method: 'DELETE', url: `/api/v2/admin/installations/${id}`, headers: admin })
    expect(erased.statusCode).toBe(200)
    expect(erased.json()).toMatchObject({ installation_id: id, samples_deleted: 1, removed: { installations: 1, samples: 1 } })
    expect((await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${id}`, headers: admin })).statusCode).toBe(404)
    const again = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { installation_id: id, consent_version: '1' } })
    expect(again.statusCode).toBe(201)
    expect(again.json()).toMatchObject({ installation_id: id, created: true })
  })
})

describe('POST /api/v2/admin/installations/:id/reinstate', () => {
  const post = (t: TestApp, id: string, action: 'revoke' | 'reinstate', headers: Record<string, string> = admin) =>
    t.inject({ method: 'POST', url: `/api/v2/admin/installations/${id}/${action}`, headers })

  it('needs the admin token, a well-formed id and a known installation', async () => {
    const t = await build()
    const { id, token } = await t.register()
    expect((await post(t, id, 'reinstate', { authorization: `Bearer ${token}` })).json()).toMatchObject({ code: 'HP_ERR_ADMIN_REQUIRED' })
    expect((await post(t, 'not-a-uuid', 'reinstate')).json()).toMatchObject({ code: 'HP_ERR_INVALID_INSTALLATION_ID' })
    const unknown = await post(t, newId(), 'reinstate')
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toMatchObject({ code: 'HP_ERR_INSTALLATION_NOT_FOUND' })
    // Not revoked: nothing changes, the token still works.
    expect((await post(t, id, 'reinstate')).json()).toEqual({ installation_id: id, reinstated: false })
    expect((await t.submit(v1Payload(id, [v1Record(t.clock.ms / 1000 - 60)]), token)).statusCode).toBe(200)
  })

  it('lets the id register again with a new token, keeping its history; the old token stays refused', async () => {
    const t = await build()
    const { id, token } = await t.register({ heatpump_model: 'AERO SLM' })
    const nowS = t.clock.ms / 1000
    expect((await t.submit(v1Payload(id, [v1Record(nowS - 120)]), token)).statusCode).toBe(200)
    expect((await post(t, id, 'revoke')).statusCode).toBe(200)

    const res = await post(t, id, 'reinstate')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ installation_id: id, reinstated: true })
    expect((await post(t, id, 'reinstate')).json()).toEqual({ installation_id: id, reinstated: false })
    const detail = await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${id}`, headers: admin })
    expect(detail.json()).toMatchObject({ registered: false, revoked_at: null })
    expect((await t.submit(v1Payload(id, [v1Record(nowS - 90)]), token)).json()).toMatchObject({ code: 'HP_ERR_INVALID_TOKEN' })

    const again = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { installation_id: id, consent_version: '1' } })
    expect(again.statusCode).toBe(200)
    expect(again.json()).toMatchObject({ installation_id: id, created: false })
    const fresh = again.json<{ token: string }>().token
    expect(fresh).not.toBe(token)
    expect((await t.submit(v1Payload(id, [v1Record(nowS - 60)]), fresh)).statusCode).toBe(200)
    expect((await t.submit(v1Payload(id, [v1Record(nowS - 30)]), token)).statusCode).toBe(403)
    const after = await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${id}`, headers: admin })
    expect(after.json()).toMatchObject({ registered: true, revoked_at: null, samples_total: 10, heatpump_model: 'AERO SLM' })
  })
})
