import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, build, newId, type TestApp } from '../helper.js'
import { listRoutes } from './routes.js'

const NOW = Date.UTC(2026, 10, 27, 12)
const HOUR_S = 3600

/** A v2 batch of `hours` hourly records for each of the installation's heat pumps. */
function batch (installationId: string, heatPumps: string[], fromS: number, hours = 6) {
  const data = []
  for (let h = 0; h < hours; h++) {
    data.push({
      timestamp: fromS + h * HOUR_S,
      heatpumps: heatPumps.map((id) => ({ id, model: 'navigator_2_0', manufacturer: 'idm', values: { temp_outside: 3, temp_heat_pump_flow: 35, power_current: 6, power_current_draw: 1.5 } })),
    })
  }
  return { installation_id: installationId, heatpump_model: 'AERO SLM', data_version: '2.0', data }
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` })

async function samplesOf (t: TestApp, id: string): Promise<number> {
  const res = await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${id}`, headers: auth(ADMIN_TOKEN) })
  expect(res.statusCode, res.body).toBe(200)
  return res.json().samples_total as number
}

/** Two installations with data: A with one heat pump, B with two. */
async function twoHomes () {
  const t = await build({ PUBLIC_CACHE_SECONDS: '0' }, NOW)
  const a = await t.register({ heatpump_model: 'AERO SLM' })
  const b = await t.register({ heatpump_model: 'AERO SLM' })
  const fromS = NOW / 1000 - 8 * HOUR_S
  expect((await t.submit(batch(a.id, ['hp-alpha'], fromS), a.token)).statusCode).toBe(200)
  expect((await t.submit(batch(b.id, ['hp-bravo-1', 'hp-bravo-2'], fromS), b.token)).statusCode).toBe(200)
  return { t, a, b, bSamples: await samplesOf(t, b.id) }
}

/**
 * OWASP API1 (broken object-level authorisation) and API3 (property-level authorisation): the
 * installation comes from the token, never from the body, path or query. One installation
 * cannot write, read, rank, download for or erase another, whichever route it tries.
 */
describe('one installation against another', () => {
  it('cannot write samples into another installation', async () => {
    const { t, a, b, bSamples } = await twoHomes()
    const res = await t.submit(batch(b.id, ['hp-alpha'], NOW / 1000 - 2 * HOUR_S, 2), a.token)
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toBe('HP_ERR_WRONG_INSTALLATION')
    // v1 flat records name the installation the same way, and are refused the same way.
    const v1 = await t.submit({ installation_id: b.id, data: [{ timestamp: NOW / 1000 - 60, temp_outside: 1 }] }, a.token)
    expect(v1.statusCode).toBe(403)
    expect(await samplesOf(t, b.id)).toBe(bSamples)
  })

  it('cannot take over another installation by registering its id, with or without its own token', async () => {
    const { t, a, b } = await twoHomes()
    const attempts = [
      await t.inject({ method: 'POST', url: '/api/v2/installations', headers: auth(a.token), payload: { consent_version: '1', installation_id: b.id } }),
      await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', installation_id: b.id } }),
      await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', installation_id: b.id, token: 'attacker-chosen-token-0123456789abcdef' } }),
    ]
    for (const res of attempts) {
      expect(res.statusCode, res.body).toBe(409)
      expect(res.json().code).toBe('HP_ERR_INSTALLATION_EXISTS')
      expect(res.body).not.toContain('hpi_')
    }
    // B's token is still B's, and the attacker's chosen token opens nothing.
    const me = await t.inject({ method: 'GET', url: '/api/v2/installations/me', headers: auth(b.token) })
    expect(me.json().installation_id).toBe(b.id)
    expect((await t.inject({ method: 'GET', url: '/api/v2/installations/me', headers: auth('attacker-chosen-token-0123456789abcdef') })).statusCode).toBe(401)
  })

  it('cannot register with server-owned fields (mass assignment)', async () => {
    const t = await build()
    for (const extra of [{ eligible: true }, { revoked_at: null }, { contribution_days: 30 }, { token_hash: '0'.repeat(64) }]) {
      const res = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', ...extra } })
      expect(res.statusCode, JSON.stringify(extra)).toBe(422)
      expect(res.json().code).toBe('HP_ERR_VALIDATION')
    }
  })

  it('reads, ranks and compares only itself', async () => {
    const { t, a, b } = await twoHomes()
    const me = await t.inject({ method: 'GET', url: '/api/v2/installations/me', headers: auth(a.token) })
    expect(me.statusCode).toBe(200)
    expect(me.json().installation_id).toBe(a.id)
    expect(me.body).not.toContain(b.id)

    const ranking = await t.inject({ method: 'GET', url: '/api/v2/community/ranking?window=7d', headers: auth(a.token) })
    expect(ranking.statusCode, ranking.body).toBe(200)
    expect(ranking.json().heat_pumps.map((h: { heat_pump: string }) => h.heat_pump)).toEqual(['hp-alpha'])
    const rankingB = await t.inject({ method: 'GET', url: '/api/v2/community/ranking?window=7d', headers: auth(b.token) })
    expect(rankingB.json().heat_pumps.map((h: { heat_pump: string }) => h.heat_pump).sort()).toEqual(['hp-bravo-1', 'hp-bravo-2'])

    const comparison = await t.inject({ method: 'GET', url: '/api/v2/community/comparison?model=AERO%20SLM&window=7d', headers: auth(a.token) })
    expect(comparison.statusCode, comparison.body).toBe(200)
    expect(comparison.json().mine.map((m: { heat_pump: string }) => m.heat_pump)).toEqual(['hp-alpha'])
    for (const res of [ranking, comparison]) expect(res.body).not.toMatch(/hp-bravo|installation_id/)
  })

  it('learns nothing private about another installation from the model routes, and cannot download as it', async () => {
    const { t, a, b } = await twoHomes()
    const own = await t.inject({ method: 'GET', url: `/api/v1/model/check?installation_id=${b.id}`, headers: auth(b.token) })
    const other = await t.inject({ method: 'GET', url: `/api/v1/model/check?installation_id=${b.id}`, headers: auth(a.token) })
    const anonymous = await t.inject({ method: 'GET', url: `/api/v1/model/check?installation_id=${b.id}` })
    expect(own.json().contribution_days).toEqual(expect.any(Number))
    // A's token makes the question about B no more detailed than asking without any token.
    expect(other.json()).toEqual(anonymous.json())
    expect(other.json().contribution_days).toBeNull()

    const download = await t.inject({ method: 'GET', url: `/api/v1/model/download?installation_id=${b.id}`, headers: auth(a.token) })
    expect(download.statusCode).toBe(403)
    expect(download.json().code).toBe('HP_ERR_WRONG_INSTALLATION')
  })

  it('cannot erase, export or revoke another installation: every route that acts on "me" acts on the token\'s installation only', async () => {
    const { t, a, b, bSamples } = await twoHomes()
    // Routes under /api/v2/installations/me are the installation's own (read, export, erase …);
    // whichever exist, called with A's token and B's id anywhere in the request, they touch A only.
    const selfRoutes = listRoutes(t.app).filter((r) => r.url.startsWith('/api/v2/installations/me') && r.method !== 'HEAD')
    expect(selfRoutes.map((r) => `${r.method} ${r.url}`)).toEqual(expect.arrayContaining(['GET /api/v2/installations/me', 'GET /api/v2/installations/me/export', 'DELETE /api/v2/installations/me']))
    for (const route of selfRoutes) {
      const res = await t.inject({ method: route.method as 'GET', url: `${route.url}?installation_id=${b.id}`, headers: { ...auth(a.token), 'x-installation-id': b.id } })
      expect(res.body, `${route.method} ${route.url}`).not.toContain(b.id)
      expect(res.body, `${route.method} ${route.url}`).not.toContain('hp-bravo')
    }
    // B is whole: its data, its token, its heat pumps.
    expect(await samplesOf(t, b.id)).toBe(bSamples)
    const me = await t.inject({ method: 'GET', url: '/api/v2/installations/me', headers: auth(b.token) })
    expect(me.statusCode).toBe(200)
    // An installation token cannot reach the admin erasure or revocation of B either.
    for (const [method, url] of [['DELETE', `/api/v2/admin/installations/${b.id}`], ['POST', `/api/v2/admin/installations/${b.id}/revoke`]] as const) {
      expect((await t.inject({ method, url, headers: auth(a.token) })).statusCode).toBe(403)
    }
    expect(await samplesOf(t, b.id)).toBe(bSamples)
  })

  it('is not told whether an unknown installation id exists when asking with a wrong token', async () => {
    const { t, b } = await twoHomes()
    const known = await t.inject({ method: 'GET', url: `/api/v1/model/download?installation_id=${b.id}`, headers: auth('hpi_wrong-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa') })
    const unknown = await t.inject({ method: 'GET', url: `/api/v1/model/download?installation_id=${newId()}`, headers: auth('hpi_wrong-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa') })
    expect(known.statusCode).toBe(403)
    expect(unknown.statusCode).toBe(403)
    expect(known.json()).toEqual(unknown.json())
  })
})
