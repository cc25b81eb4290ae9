import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, build, newId, v1Payload, v1Record } from '../helper.js'
import { concreteUrl, isAdminRoute, listRoutes } from './routes.js'

/**
 * OWASP API5 (broken function-level authorisation): every admin route — found in the app's route
 * tree, so one added without `requireAdmin` fails here — refuses no token, an installation token
 * and the shared upstream token, and does nothing for them; only the admin token gets through.
 */
describe('admin routes', () => {
  it('refuse installation tokens, the shared token and no token, on every admin route the app serves', async () => {
    const t = await build({ AUTH_TOKEN: 'shared-upstream-token-0123456789' })
    const a = await t.register({ heatpump_model: 'AERO SLM' })
    expect((await t.submit(v1Payload(a.id, [v1Record(Date.UTC(2026, 10, 27, 11) / 1000)]), a.token)).statusCode).toBe(200)

    const routes = listRoutes(t.app).filter((r) => isAdminRoute(r) && r.method !== 'HEAD')
    const urls = routes.map((r) => `${r.method} ${r.url}`)
    // The inventory is read from the app, not typed here; these must be among what it found.
    expect(urls).toEqual(expect.arrayContaining([
      'GET /api/v2/admin/installations', 'GET /api/v2/admin/installations/:id', 'DELETE /api/v2/admin/installations/:id',
      'POST /api/v2/admin/installations/:id/revoke', 'POST /api/v2/admin/installations/:id/reinstate',
      'POST /api/v2/admin/retention', 'GET /api/v2/admin/quality', 'POST /api/v2/admin/models', 'POST /api/v2/admin/models/sync',
      'DELETE /api/v2/admin/models/:name', 'POST /api/v2/admin/badges/run', 'POST /api/v2/admin/training',
      'GET /api/v2/admin/training', 'GET /api/v2/admin/training/:id', 'GET /api/v1/models', 'GET /api/v1/status',
    ]))

    const params = { id: a.id, name: 'AERO_SLM' }
    const credentials: [string, Record<string, string>, number, string][] = [
      ['no token', {}, 401, 'HP_ERR_MISSING_AUTH'],
      ['an installation token', { authorization: `Bearer ${a.token}` }, 403, 'HP_ERR_ADMIN_REQUIRED'],
      ['the shared token', { authorization: 'Bearer shared-upstream-token-0123456789' }, 403, 'HP_ERR_ADMIN_REQUIRED'],
    ]
    for (const route of routes) {
      for (const [who, headers, status, code] of credentials) {
        const res = await t.inject({ method: route.method as 'GET', url: concreteUrl(route.url, params), headers })
        expect(res.statusCode, `${route.method} ${route.url} with ${who}: ${res.body}`).toBe(status)
        expect(res.json().code, `${route.method} ${route.url} with ${who}`).toBe(code)
      }
    }

    // Nothing happened: the installation is neither erased nor revoked, and its token still writes.
    const me = await t.inject({ method: 'GET', url: '/api/v2/installations/me', headers: { authorization: `Bearer ${a.token}` } })
    expect(me.statusCode).toBe(200)
    expect(me.json().installation_id).toBe(a.id)
    expect((await t.submit(v1Payload(a.id, [v1Record(Date.UTC(2026, 10, 27, 11, 1) / 1000)]), a.token)).statusCode).toBe(200)

    // And the admin token does get through each of them (the refusals above were the guard's, not a 404).
    for (const route of routes.filter((r) => r.method === 'GET')) {
      const res = await t.inject({ method: 'GET', url: concreteUrl(route.url, { ...params, id: route.url.includes('training') ? '1' : a.id }), headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      expect([401, 403], `GET ${route.url} with the admin token: ${res.body}`).not.toContain(res.statusCode)
    }
  })

  it('refuse a guessed token as invalid, not as a missing admin right', async () => {
    const t = await build()
    const stranger = newId()
    const res = await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${stranger}`, headers: { authorization: 'Bearer hpi_guessed-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } })
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toBe('HP_ERR_INVALID_TOKEN')
  })
})
