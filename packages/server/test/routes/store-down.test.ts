import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, build, newId } from '../helper.js'

describe('every route when the store is down', () => {
  it.each([
    ['model check', `/api/v1/model/check?installation_id=${newId()}`, {}],
    ['model download', `/api/v1/model/download?installation_id=${newId()}`, { authorization: 'Bearer shared' }],
    ['community averages', '/api/v1/community/averages?model=AERO%20SLM', { authorization: 'Bearer shared' }],
    ['status with the admin token', '/api/v1/status', { authorization: `Bearer ${ADMIN_TOKEN}` }],
    ['status with a wrong token', '/api/v1/status', { authorization: 'Bearer wrong' }],
  ])('%s answers 503 with Retry-After, hiding the cause', async (_name, url, headers) => {
    const t = await build({ AUTH_TOKEN: 'shared', PUBLIC_CACHE_SECONDS: '0' })
    await t.app.store.close()
    const res = await t.inject({ method: 'GET', url, headers })
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('30')
    expect(res.body).not.toMatch(/sqlite|connection/i)
  })
})
