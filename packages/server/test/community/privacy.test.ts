import { describe, expect, it } from 'vitest'
import { publishDistribution } from '../../src/community/disclosure.js'
import { ADMIN_TOKEN, build } from '../helper.js'
import { DAY_MS, getJson, independent, submitFleet, type Home, type HomeSpec } from './fleet.js'

const NOW = Date.UTC(2026, 10, 27, 12)
const TODAY = Math.floor(NOW / DAY_MS)
const env = { PUBLIC_CACHE_SECONDS: '0' }
const QUANTILES = ['p10', 'p25', 'median', 'p75', 'p90'] as const

type Answer = Record<string, unknown>

/** Same counts and quantiles (within rounding) — what an attacker compares. */
function sameAnswer (x: Answer, y: Answer): boolean {
  if (x.installations !== y.installations || x.heat_pumps !== y.heat_pumps) return false
  return QUANTILES.every((q) => (x[q] === undefined) === (y[q] === undefined) && (x[q] === undefined || Math.abs((x[q] as number) - (y[q] as number)) <= 0.0101))
}

/**
 * The differencing attacker: it knows the answer for the larger set, the answer for the smaller
 * set, and that they differ by one home. For every member it could have been, it recomputes the
 * smaller answer (here with full knowledge of every home's true value, more than any attacker
 * has) and keeps the members that fit. If several members with different values fit, the
 * answers do not give the home's value away.
 */
function candidates (members: { id: string, value: number }[], smaller: Answer): { id: string, value: number }[] {
  return members.filter((m) => {
    const rest = members.filter((o) => o !== m).map((o) => ({ value: o.value, installationId: o.id }))
    return sameAnswer({ ...publishDistribution(rest, 5, 'public') }, smaller)
  })
}

/**
 * 20 homes with data in the last three days at about +1 °C (band 0), and home X with data three
 * weeks ago at about −3 °C (band −4): X is in the 30-day window but not the 7-day one, and in
 * the overall 30-day figures but not in band 0, while every other home has the same value in
 * all of them. Exactly the set-up in which a mean over 21 and one over 20 would reveal X.
 */
async function differencingFleet () {
  const t = await build(env, NOW)
  const specs: HomeSpec[] = Array.from({ length: 20 }, (_, i) => ({ model: 'AERO SLM', carnot: 0.4 + i * 0.01, days: [TODAY - 3, TODAY - 2, TODAY - 1], outdoor: 1 }))
  specs.push({ model: 'AERO SLM', carnot: 0.62, days: [TODAY - 20, TODAY - 19, TODAY - 18], outdoor: -3 })
  const homes = await submitFleet(t, specs)
  const x = homes[20] as Home
  const members = homes.map((h) => ({ id: h.id, value: independent(h.readings, (TODAY - 30) * DAY_MS, TODAY * DAY_MS).overall.cop }))
  return { t, homes, x, members }
}

describe('community privacy', () => {
  it('a group of 4 installations yields no figures, not even its size, except to admins', async () => {
    const t = await build(env, NOW)
    const homes = await submitFleet(t, [0, 1, 2, 3].map((i) => ({ model: 'AERO SLM', carnot: 0.45 + i / 100, days: [TODAY - 2, TODAY - 1], outdoor: 1, amplitude: 4 })))
    const pub = await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=7d')
    expect(pub.body.overall).toEqual({ installations: null, heat_pumps: null, withheld: 'fewer than 5 installations: no figures are published' })
    expect(pub.body.bands).toEqual([])
    // Not even to a member of the group: its own value only, no position.
    const own = await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=7d', homes[0]?.token)
    expect(own.body.overall.installations).toBeNull()
    expect(own.body.mine[0]).toMatchObject({ percentile: null, value: expect.any(Number) })
    expect(own.body.mine[0].bands.every((b: { percentile: unknown }) => b.percentile === null)).toBe(true)
    expect((await getJson(t, '/api/v2/community/models')).body.models).toEqual([])
    const admin = await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=7d', ADMIN_TOKEN)
    expect(admin.body.overall).toMatchObject({ installations: 4, heat_pumps: 4, mean: expect.any(Number) })
  })

  it('two overlapping windows cannot be differenced to recover one home', async () => {
    const { t, x, members } = await differencingFleet()
    const month = (await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=30d')).body.overall
    const week = (await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=7d')).body.overall
    expect(month.installations).toBe(21)
    expect(week.installations).toBe(20)
    expect(month).not.toHaveProperty('mean')
    const fit = candidates(members, week)
    expect(fit.map((m) => m.id)).toContain(x.id)
    expect(new Set(fit.map((m) => m.value.toFixed(3))).size).toBeGreaterThanOrEqual(5)

    // The same two windows with means (what admins see) give X away: this is the attack the rules stop.
    const monthAdmin = (await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=30d', ADMIN_TOKEN)).body.overall
    const weekAdmin = (await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=7d', ADMIN_TOKEN)).body.overall
    const recovered = monthAdmin.mean * 21 - weekAdmin.mean * 20
    expect(Math.abs(recovered - (members[20]?.value as number))).toBeLessThan(0.15)
  })

  it('two overlapping groups (all outdoor temperatures, and one band) cannot be differenced either', async () => {
    const { t, x, members } = await differencingFleet()
    const answer = (await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=30d')).body
    const band0 = answer.bands.find((b: { band: number }) => b.band === 0)
    expect(band0.installations).toBe(20)
    // X's own band (−4, one home) is not shown at all; admins see it.
    expect(answer.bands.map((b: { band: number }) => b.band)).toEqual([0])
    const admin = (await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=30d', ADMIN_TOKEN)).body
    expect(admin.bands.map((b: { band: number }) => b.band)).toEqual([-4, 0])
    const { band, from, to, ...figures } = band0
    expect([band, from, to]).toEqual([0, 0, 2])
    const fit = candidates(members, figures)
    expect(fit.map((m) => m.id)).toContain(x.id)
    expect(new Set(fit.map((m) => m.value.toFixed(3))).size).toBeGreaterThanOrEqual(5)
    // Asking by model key is the same group, with the same answer.
    const byKey = (await getJson(t, '/api/v2/community/comparison?model=aero_slm&window=30d')).body
    expect(byKey.overall).toEqual(answer.overall)
  })

  it('figures are frozen for the day when cached: a home erased or added later changes nothing until the next day', async () => {
    const t = await build({ PUBLIC_CACHE_SECONDS: '10' }, NOW)
    const days = [TODAY - 2, TODAY - 1]
    await submitFleet(t, Array.from({ length: 9 }, (_, i) => ({ model: 'AERO SLM', carnot: 0.4 + i / 100, days, outdoor: 2, amplitude: 3 })))
    const before = (await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=7d')).body
    expect(before.overall.installations).toBe(9)
    await submitFleet(t, [{ model: 'AERO SLM', carnot: 0.7, days, outdoor: 2, amplitude: 3 }])
    t.clock.advance(3_600_000)
    expect((await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=7d')).body).toEqual(before)
    t.clock.advance(DAY_MS)
    const next = (await getJson(t, '/api/v2/community/comparison?model=AERO%20SLM&window=7d')).body
    expect(next.overall.installations).toBe(10)
  })
})
