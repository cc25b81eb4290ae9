import { OPERATING_MODES } from '@heatpool/protocol/catalog'
import { describe, expect, it } from 'vitest'
import { carnotCop, WINDOW_FEATURES, WindowBuilder, windowsOf, type Sample } from '../src/heat-pump-windows.js'

const MIN = 60_000
const T0 = Date.UTC(2026, 0, 1)
const code = (mode: (typeof OPERATING_MODES)[number]) => OPERATING_MODES.indexOf(mode)

/** One sample a minute; `on(i)` says whether the compressor runs in minute i. */
function minutes (count: number, on: (i: number) => boolean, extra: (i: number) => Partial<Sample['values']> = () => ({})): Sample[] {
  return Array.from({ length: count }, (_, i) => ({
    ts: T0 + i * MIN,
    values: {
      temp_outdoor: 2 + (i % 3) / 10,
      temp_flow: on(i) ? 40 : 30,
      temp_return: on(i) ? 35 : 29.5,
      power_heat: on(i) ? 6000 : 0,
      power_electric: on(i) ? 2000 : 15,
      operating_mode: code(on(i) ? 'heating' : 'off'),
      ...extra(i),
    },
  }))
}

describe('feature windows', () => {
  it('summarise each 15-minute window: COP over running samples, COP against Carnot, starts per hour, spread and ranges', () => {
    const windows = windowsOf(minutes(30, (i) => i % 15 >= 5))
    expect(windows.map((w) => w.startMs)).toEqual([T0, T0 + 15 * MIN])
    const [w] = windows
    expect(w?.mode).toBe('heating')
    expect(w?.samples).toBe(15)
    expect(w?.features.cop).toBeCloseTo(3, 10)
    expect(w?.features.carnot_efficiency).toBeCloseTo(3 / carnotCop(w?.features.temp_flow as number, w?.features.temp_outdoor as number), 10)
    expect(w?.features.running_fraction).toBeCloseTo(10 / 15, 10)
    // The first window starts off: one start at minute 5. The second starts where the first ended (running): one start at 20.
    expect(windows.map((x) => x.features.starts_per_hour)).toEqual([4, 4])
    expect(w?.features.spread).toBeCloseTo(5, 10)
    expect(w?.features.temp_flow_range).toBeCloseTo(10, 10)
    expect(w?.features.temp_outdoor_range).toBeCloseTo(0.2, 10)
    expect(Object.keys(w?.features ?? {}).every((k) => (WINDOW_FEATURES as readonly string[]).includes(k))).toBe(true)
  })

  it('call a window without a running sample standby, and give it no COP', () => {
    const [w] = windowsOf(minutes(15, () => false))
    expect(w?.mode).toBe('standby')
    expect(w?.features.cop).toBeUndefined()
    expect(w?.features.starts_per_hour).toBe(0)
  })

  it('put a window with a defrost in a mode of its own (counted as running), and call it hot water when that dominates', () => {
    const defrost = windowsOf(minutes(15, () => true, (i) => ({ operating_mode: code(i < 5 ? 'defrost' : 'heating') })))[0]
    expect(defrost?.mode).toBe('defrost')
    expect(defrost?.features.running_fraction).toBe(1)
    expect(defrost?.features.defrost_fraction).toBeCloseTo(5 / 15, 10)
    const water = windowsOf(minutes(15, () => true, (i) => ({ operating_mode: code(i < 10 ? 'hot_water' : 'heating') })))[0]
    expect(water?.mode).toBe('hot_water')
  })

  it('fall back to the electrical input when no operating mode is reported', () => {
    const [w] = windowsOf(minutes(15, (i) => i >= 7, () => ({ operating_mode: undefined })))
    expect(w?.features.starts_per_hour).toBe(4)
    expect(w?.mode).toBe('heating')
  })

  it('drop windows with too few samples, ignore samples older than the open window, and forget the running state over a gap', () => {
    const builder = new WindowBuilder({ minSamples: 5 })
    const few = minutes(3, () => true)
    for (const s of few) expect(builder.push(s)).toBeUndefined()
    // A late sample of an earlier window is ignored.
    expect(builder.push({ ts: T0 - MIN, values: { temp_outdoor: 99 } })).toBeUndefined()
    // Next window, after a gap of an hour: the first sample running is not a start (state unknown).
    const later = minutes(60, () => true).slice(0, 15).map((s) => ({ ...s, ts: s.ts + 75 * MIN }))
    expect(builder.push(later[0] as Sample)).toBeUndefined() // the 3-sample window is dropped
    for (const s of later.slice(1)) builder.push(s)
    expect(builder.flush()?.features.starts_per_hour).toBe(0)
  })

  it('refuse window settings that make no sense', () => {
    expect(() => new WindowBuilder({ windowMs: 10 })).toThrow(/at least 1000/)
    expect(() => new WindowBuilder({ minSamples: 0 })).toThrow(/at least 1/)
  })

  it('give the same windows however the samples are split between builders at window edges', () => {
    const samples = minutes(90, (i) => Math.floor(i / 7) % 2 === 0)
    const whole = windowsOf(samples)
    const builder = new WindowBuilder()
    const pieces = []
    for (const s of samples) { const w = builder.push(s); if (w !== undefined) pieces.push(w) }
    pieces.push(builder.flush())
    expect(pieces).toEqual(whole)
  })
})
