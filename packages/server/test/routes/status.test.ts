import { describe, expect, it } from 'vitest'
import { DAY_MS } from '../../src/ledger/contribution.js'
import { ADMIN_TOKEN, build, newId, v1Payload, v1Record } from '../helper.js'

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

describe('GET /api/v1/status', () => {
  it.each([
    ['no token', {}, 401, 'HP_ERR_MISSING_AUTH'],
    ['a wrong token', { authorization: 'Bearer nope' }, 403, 'HP_ERR_INVALID_TOKEN'],
  ])('refuses %s', async (_name, headers, status, code) => {
    const t = await build()
    const res = await t.inject({ method: 'GET', url: '/api/v1/status', headers })
    expect(res.statusCode).toBe(status)
    expect(res.json()).toMatchObject({ code })
  })

  it('refuses an installation token and the shared token', async () => {
    const t = await build({ AUTH_TOKEN: 'shared' })
    const { token } = await t.register()
    for (const bearer of [token, 'shared']) {
      const res = await t.inject({ method: 'GET', url: '/api/v1/status', headers: { authorization: `Bearer ${bearer}` } })
      expect(res.statusCode).toBe(403)
      expect(res.json()).toMatchObject({ code: 'HP_ERR_ADMIN_REQUIRED' })
    }
  })

  it('answers the upstream shape on an empty pool', async () => {
    const t = await build()
    const res = await t.inject({ method: 'GET', url: '/api/v1/status', headers: admin })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'online', active_installations_30d: 0, timestamp: t.clock.ms / 1000 })
  })

  it('counts distinct installations with a sample in the last 30 days', async () => {
    const t = await build({ AUTH_TOKEN: 'shared' })
    const now = t.clock.ms / 1000
    const a = await t.register()
    const b = await t.register()
    // Two batches and many records of one installation still count once (upstream counted series).
    await t.submit(v1Payload(a.id, [v1Record(now - 120), v1Record(now - 60)]), a.token)
    await t.submit(v1Payload(a.id, [v1Record(now - 30)]), a.token)
    await t.submit(v1Payload(b.id, [v1Record(now - 10 * 86400)]), b.token)
    await t.submit(v1Payload(newId(), [v1Record(now - 40 * 86400)]), 'shared')
    await t.register() // registered, never sent anything

    const status = async () => (await t.inject({ method: 'GET', url: '/api/v1/status', headers: admin })).json()
    expect(await status()).toEqual({ status: 'online', active_installations_30d: 2, timestamp: now })

    t.clock.advance(25 * DAY_MS)
    expect((await status()).active_installations_30d).toBe(1)
    t.clock.advance(6 * DAY_MS)
    expect(await status()).toEqual({ status: 'online', active_installations_30d: 0, timestamp: now + 31 * 86400 })
  })

  it('answers 503 with the upstream error body when the store is gone', async () => {
    const t = await build()
    await t.app.store.close()
    const res = await t.inject({ method: 'GET', url: '/api/v1/status', headers: admin })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('30')
    expect(res.json()).toEqual({ status: 'error', message: 'cannot reach the store' })
  })

  it('still refuses a wrong token when the store is gone', async () => {
    const t = await build()
    await t.app.store.close()
    const res = await t.inject({ method: 'GET', url: '/api/v1/status', headers: { authorization: 'Bearer nope' } })
    // The token cannot be checked against installation tokens: an error, never a status.
    expect([500, 503]).toContain(res.statusCode)
    expect(res.json()).toHaveProperty('code')
  })
})
