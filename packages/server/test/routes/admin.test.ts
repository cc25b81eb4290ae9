import { describe, expect, it } from 'vitest'
import { DAY_MS } from '../../src/ledger/contribution.js'
import { ADMIN_TOKEN, build, newId, v1Payload, v1Record } from '../helper.js'

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

describe('admin routes', () => {
  it.each([
    ['no token', {}, 401, 'HP_ERR_MISSING_AUTH'],
    ['a wrong token', { authorization: 'Bearer nope' }, 403, 'HP_ERR_INVALID_TOKEN'],
  ])('refuses %s', async (_name, headers, status, code) => {
    const t = await build()
    const res = await t.inject({ method: 'GET', url: '/api/v2/admin/installations', headers })
    expect(res.statusCode).toBe(status)
    expect(res.json()).toMatchObject({ code })
  })

  it('refuses an installation token', async () => {
    const t = await build()
    const { token } = await t.register()
    const res = await t.inject({ method: 'GET', url: '/api/v2/admin/installations', headers: { authorization: `Bearer ${token}` } })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_ADMIN_REQUIRED' })
  })

  it('lists installations with their ledger', async () => {
    const t = await build()
    const { id, token } = await t.register({ heatpump_model: 'AERO SLM' })
    await t.submit(v1Payload(id, [v1Record(t.clock.ms / 1000 - 60)]), token)
    const res = await t.inject({ method: 'GET', url: '/api/v2/admin/installations', headers: admin })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      total: 1,
      installations: [{ installation_id: id, registered: true, heatpump_model: 'AERO SLM', samples_total: 5, contribution_days: 0 }],
    })
  })

  it('erases an installation with its samples', async () => {
    const t = await build()
    const { id, token } = await t.register()
    await t.submit(v1Payload(id, [v1Record(t.clock.ms / 1000 - 60), v1Record(t.clock.ms / 1000 - 30)]), token)
    const res = await t.inject({ method: 'DELETE', url: `/api/v2/admin/installations/${id}`, headers: admin })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ installation_id: id, samples_deleted: 2, removed: { samples: 2, installations: 1, heat_pumps: 1 } })
    expect((await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${id}`, headers: admin })).statusCode).toBe(404)
    expect((await t.submit(v1Payload(id, [v1Record(t.clock.ms / 1000)]), token)).statusCode).toBe(403)
    expect((await t.inject({ method: 'DELETE', url: `/api/v2/admin/installations/${id}`, headers: admin })).statusCode).toBe(404)
  })

  it('runs retention: samples past RETENTION_DAYS go, newer ones stay', async () => {
    const t = await build({ RETENTION_DAYS: '30' })
    const { id, token } = await t.register()
    const start = t.clock.ms
    await t.submit(v1Payload(id, [v1Record(start / 1000 - 20 * 86400), v1Record(start / 1000 - 60)]), token)
    t.clock.advance(15 * DAY_MS)
    const res = await t.inject({ method: 'POST', url: '/api/v2/admin/retention', headers: admin })
    expect(res.statusCode).toBe(200)
    expect(res.json().samples_deleted).toBe(1)
    const hp = await t.app.store.db.selectFrom('heat_pumps').select('id').executeTakeFirstOrThrow()
    expect((await t.app.store.samples.read(hp.id, 0, Number.MAX_SAFE_INTEGER)).map((s) => s.ts)).toEqual([start - 60_000])
  })

  it('validates the id', async () => {
    const t = await build()
    const res = await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${newId()}x`, headers: admin })
    expect(res.statusCode).toBe(422)
  })
})
