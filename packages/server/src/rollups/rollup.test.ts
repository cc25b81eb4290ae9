import fc from 'fast-check'
import { OperatingModeCode } from '@heatpool/protocol'
import { describe, expect, it } from 'vitest'
import { accumulateHours, addSums, emptySums, HOUR_MS, meanOutdoor, outdoorBand, ROLLUP_SUM_COLUMNS, type RollupSample, type RollupSums } from './rollup.js'

const H0 = 490_000 * HOUR_MS // an hour boundary
const MIN = 60_000
const GAP = 15 * MIN

function run (samples: RollupSample[], fromMs = -Infinity, toMs = Infinity) {
  return accumulateHours(samples, { fromMs, toMs, maxGapMs: GAP }, new Map())
}

describe('accumulateHours', () => {
  it('integrates constant power into energy and counts rows and values', () => {
    const samples = Array.from({ length: 61 }, (_, i) => ({ ts: H0 + i * MIN, values: { power_heat: 6000, power_electric: 1500, temp_outdoor: 1 } }))
    const hours = run(samples)
    const h = hours.get(H0 / HOUR_MS) as RollupSums
    expect(h.heat_wh).toBeCloseTo(6000, 6)
    expect(h.electric_wh).toBeCloseTo(1500, 6)
    expect(h.records).toBe(60)
    expect(h.samples).toBe(180)
    expect(h.covered_s).toBe(3600)
    expect(h.running_s).toBe(3600) // 1500 W electric without a mode reading: running
    expect(meanOutdoor(h)).toBe(1)
    expect(outdoorBand(h)).toBe(0)
    // The 61st sample opens the next hour.
    expect(hours.get(H0 / HOUR_MS + 1)?.records).toBe(1)
  })

  it('splits an interval across the hour boundary in proportion', () => {
    const hours = run([
      { ts: H0 - 5 * MIN, values: { power_heat: 1200 } },
      { ts: H0 + 5 * MIN, values: { power_heat: 1200 } },
    ])
    expect(hours.get(H0 / HOUR_MS - 1)?.heat_wh).toBeCloseTo(100, 9)
    expect(hours.get(H0 / HOUR_MS)?.heat_wh).toBeCloseTo(100, 9)
  })

  it('prefers counter deltas to power where both ends have the counter', () => {
    const hours = run([
      { ts: H0, values: { energy_heat_total: 1000, power_heat: 99_999, energy_electric_total: 500, power_electric: 1 } },
      { ts: H0 + 10 * MIN, values: { energy_heat_total: 1001, power_heat: 99_999, energy_electric_total: 500.25, power_electric: 1 } },
    ])
    const h = hours.get(H0 / HOUR_MS) as RollupSums
    expect(h.heat_wh).toBeCloseTo(1000, 6)
    expect(h.electric_wh).toBeCloseTo(250, 6)
  })

  it('falls back to power when a counter goes backwards (reset) or jumps implausibly', () => {
    const hours = run([
      { ts: H0, values: { energy_heat_total: 1000, power_heat: 600 } },
      { ts: H0 + 10 * MIN, values: { energy_heat_total: 3, power_heat: 600 } },
      { ts: H0 + 20 * MIN, values: { energy_heat_total: 90_000, power_heat: 600 } },
    ])
    expect(hours.get(H0 / HOUR_MS)?.heat_wh).toBeCloseTo(200, 6)
  })

  it('counts nothing across a gap longer than the limit', () => {
    const hours = run([
      { ts: H0, values: { power_heat: 5000 } },
      { ts: H0 + GAP + 1, values: { power_heat: 5000 } },
    ])
    expect(hours.get(H0 / HOUR_MS)).toMatchObject({ heat_wh: 0, covered_s: 0, records: 2 })
  })

  it('weights temperatures by heat and splits space heating from hot water by the interval\'s mode', () => {
    const hours = run([
      { ts: H0, values: { operating_mode: OperatingModeCode.heating, power_heat: 3000, power_electric: 1000, temp_flow: 35, temp_outdoor: 0 } },
      { ts: H0 + 10 * MIN, values: { operating_mode: OperatingModeCode.hot_water, power_heat: 3000, power_electric: 1000, temp_flow: 35, temp_outdoor: 0 } },
      { ts: H0 + 20 * MIN, values: { operating_mode: OperatingModeCode.off, power_heat: 0, power_electric: 0, temp_flow: 55, temp_outdoor: 10 } },
      { ts: H0 + 30 * MIN, values: { operating_mode: OperatingModeCode.off, power_heat: 0, power_electric: 0, temp_flow: 20, temp_outdoor: 10 } },
    ])
    const h = hours.get(H0 / HOUR_MS) as RollupSums
    expect(h.heat_wh_space).toBeCloseTo(500, 9)
    expect(h.heat_wh_dhw).toBeCloseTo(250, 9) // 3000 → 0 W trapezoid over 10 min
    expect(h.heat_wh).toBeCloseTo(750, 9)
    // Heat-weighted flow: 500 Wh at 35 °C and 250 Wh at (35 + 55) / 2 = 45 °C.
    expect(h.flow_hw / h.flow_h).toBeCloseTo((500 * 35 + 250 * 45) / 750, 9)
    // Heat-weighted outdoor 1.666…, time-weighted (0, 5, 10 over 10 min each) 5: heat wins.
    expect(meanOutdoor(h)).toBeCloseTo((500 * 0 + 250 * 5) / 750, 9)
    expect(h.running_s).toBe(1200)
  })

  it('does not count cooling (negative thermal power) as heat', () => {
    const hours = run([
      { ts: H0, values: { power_heat: -4000 } },
      { ts: H0 + 30 * MIN, values: { power_heat: -4000 } },
    ])
    expect(hours.get(H0 / HOUR_MS)?.heat_wh).toBe(0)
  })

  it('bands outdoor temperatures in 2 K steps by their lower bound', () => {
    const band = (t: number) => outdoorBand({ ...emptySums(), outdoor_s: 1, outdoor_ts: t })
    expect([band(-1.5), band(-0.01), band(0), band(1.99), band(2), band(-10.2)]).toEqual([-2, -2, 0, 0, 2, -12])
    expect(outdoorBand(emptySums())).toBeNull()
  })
})

/** Random sample streams of one heat pump: irregular spacing, sometimes missing metrics, gaps. */
const streamArb = fc.array(fc.record({
  dt: fc.integer({ min: 1_000, max: 40 * MIN }),
  power_heat: fc.option(fc.integer({ min: 0, max: 12_000 }), { nil: undefined }),
  power_electric: fc.option(fc.integer({ min: 0, max: 4_000 }), { nil: undefined }),
  temp_outdoor: fc.option(fc.integer({ min: -20, max: 30 }), { nil: undefined }),
  operating_mode: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
}), { minLength: 1, maxLength: 80 }).map((rows) => {
  let ts = H0 - 2 * HOUR_MS
  return rows.map(({ dt, ...v }) => {
    ts += dt
    const values = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined))
    return { ts, values }
  })
})

function totals (hours: Map<number, RollupSums>): Record<number, RollupSums> {
  return Object.fromEntries([...hours].filter(([, s]) => ROLLUP_SUM_COLUMNS.some((c) => s[c] !== 0)).map(([h, s]) => [h, s]))
}

function expectClose (a: Record<number, RollupSums>, b: Record<number, RollupSums>) {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort())
  for (const h of Object.keys(a)) {
    for (const c of ROLLUP_SUM_COLUMNS) expect((a as Record<string, RollupSums>)[h]?.[c]).toBeCloseTo((b as Record<string, RollupSums>)[h]?.[c] as number, 6)
  }
}

describe('rollups are the same however the samples arrive', () => {
  it('appending batches in order equals one pass over everything', () => {
    fc.assert(fc.property(streamArb, fc.array(fc.nat(), { maxLength: 5 }), (samples, cuts) => {
      const whole = run(samples)
      // Append mode as the ingest uses it: each batch re-reads the last sample before it.
      const bounds = [...new Set(cuts.map((c) => c % samples.length))].sort((a, b) => a - b).filter((c) => c > 0)
      const appended = new Map<number, RollupSums>()
      let start = 0
      for (const end of [...bounds, samples.length]) {
        const prev = start > 0 ? samples[start - 1] as RollupSample : undefined
        const slice = samples.slice(prev === undefined ? start : start - 1, end)
        const from = prev?.ts ?? (samples[start] as RollupSample).ts
        const part = accumulateHours(slice, { fromMs: from, toMs: Infinity, recordsFromMs: prev === undefined ? from : from + 1, maxGapMs: GAP }, new Map())
        for (const [h, s] of part) {
          const into = appended.get(h) ?? emptySums()
          appended.set(h, addSums(into, s))
        }
        start = end
      }
      expectClose(totals(appended), totals(whole))
    }), { numRuns: 300 })
  })

  it('recomputing one hour from a window around it equals that hour of a full pass', () => {
    fc.assert(fc.property(streamArb, fc.integer({ min: -2, max: 30 }), (samples, offset) => {
      const hour = H0 / HOUR_MS + offset
      const window = samples.filter((s) => s.ts >= hour * HOUR_MS - GAP && s.ts < (hour + 1) * HOUR_MS + GAP)
      const one = accumulateHours(window, { fromMs: hour * HOUR_MS, toMs: (hour + 1) * HOUR_MS, maxGapMs: GAP }, new Map())
      const whole = run(samples)
      expectClose(totals(new Map([...one].filter(([h]) => h === hour))), totals(new Map([...whole].filter(([h]) => h === hour))))
    }), { numRuns: 300 })
  })
})
