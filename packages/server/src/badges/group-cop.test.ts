import { describe, expect, it } from 'vitest'
import { installationPercentiles, MIN_RUNNING_S, rankableCop, type HeatPumpSeason } from './group-cop.js'

let nextId = 1
function hp (installationId: string, cop: number, over: Partial<HeatPumpSeason> = {}): HeatPumpSeason {
  return { heatPumpId: nextId++, installationId, modelKey: 'aero_slm', heatWh: 1000 * cop, electricWh: 1000, runningS: MIN_RUNNING_S, ...over }
}

describe('seasonal COP group percentile', () => {
  it('is the share of the group with a strictly lower COP, one vote per heat pump', () => {
    const group = [hp('a', 3.0), hp('b', 3.5), hp('c', 4.0), hp('d', 4.5), hp('e', 5.0)]
    expect(installationPercentiles(group, 5)).toEqual(new Map([['a', 0], ['b', 20], ['c', 40], ['d', 60], ['e', 80]]))
    const ten = Array.from({ length: 10 }, (_, i) => hp(`i${i}`, 2 + i / 10))
    expect(installationPercentiles(ten, 5).get('i9')).toBe(90)
  })

  it('gives tied heat pumps the same percentile', () => {
    const group = [hp('a', 3), hp('b', 4), hp('c', 4), hp('d', 5)]
    expect(installationPercentiles(group, 3)).toEqual(new Map([['a', 0], ['b', 25], ['c', 25], ['d', 75]]))
  })

  it('ranks no group below K distinct installations, however many heat pumps it has', () => {
    const group = [hp('a', 3), hp('a', 4), hp('b', 4.5), hp('b', 5), hp('c', 6)]
    expect(installationPercentiles(group, 4)).toEqual(new Map())
    // With K = 3, an installation's percentile is its best heat pump's.
    expect(installationPercentiles(group, 3)).toEqual(new Map([['a', 20], ['b', 60], ['c', 80]]))
  })

  it('keeps model groups apart', () => {
    const other = (id: string, cop: number) => hp(id, cop, { modelKey: 'other' })
    const result = installationPercentiles([hp('a', 3), hp('b', 4), hp('c', 5), other('x', 9), other('y', 1), other('z', 2)], 3)
    expect(result.get('c')).toBeCloseTo(200 / 3)
    expect(result.get('x')).toBeCloseTo(200 / 3)
  })

  it('leaves out heat pumps with too little running time or an implausible COP', () => {
    expect(rankableCop(hp('a', 3, { runningS: MIN_RUNNING_S - 1 }))).toBeUndefined()
    expect(rankableCop(hp('a', 11))).toBeUndefined()
    expect(rankableCop(hp('a', 3, { electricWh: 0, heatWh: 10 }))).toBeUndefined()
    expect(rankableCop(hp('a', 3))).toBe(3)
    const group = [hp('a', 3), hp('b', 4), hp('c', 12), hp('d', 5, { runningS: 3600 })]
    expect(installationPercentiles(group, 3)).toEqual(new Map())
    expect(installationPercentiles(group, 2)).toEqual(new Map([['a', 0], ['b', 50]]))
  })
})
