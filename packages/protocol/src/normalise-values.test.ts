import { describe, expect, it } from 'vitest'
import { OperatingModeCode } from './catalog.js'
import { canonicalDriver } from './drivers/canonical.js'
import type { DriverMap } from './drivers/driver.js'
import { idmNavigatorDriver } from './drivers/idm-navigator.js'
import { nibeSSeriesDriver } from './drivers/nibe-s-series.js'
import { normaliseValues } from './normalise-values.js'
import { emptyValueTally } from './reasons.js'

function normalise (driver: DriverMap, raw: Record<string, unknown>) {
  const tally = emptyValueTally()
  return { values: normaliseValues(driver, raw, tally), tally }
}

/** A made-up driver that exercises every rule feature on its own. */
const testDriver: DriverMap = {
  id: 'test/rules',
  manufacturer: 'test',
  model: 'rules',
  fields: {
    flow_main: { metric: 'temp_flow' },
    flow_backup: { metric: 'temp_flow', priority: 1 },
    flow_last_resort: { metric: 'temp_flow', priority: 2 },
    heat_kw: { metric: 'power_heat', scale: 1000 },
    counter_a: { metric: 'energy_heat_total', combine: 'sum' },
    counter_b: { metric: 'energy_heat_total', combine: 'sum' },
    counter_c_wh: { metric: 'energy_heat_total', scale: 0.001, combine: 'sum' },
    mode: { metric: 'operating_mode', decode: (v) => (v === 7 ? OperatingModeCode.cooling : undefined) },
    temp_return: null,
  },
}

describe('normaliseValues: canonical input', () => {
  it('passes canonical names in catalog units through unchanged', () => {
    const raw = {
      temp_outdoor: -2.5, temp_flow: 34, temp_return: 29.5, temp_hot_water: 51,
      power_electric: 1250, power_heat: 4800, energy_electric_total: 5123.4, energy_heat_total: 19876.5,
      compressor_frequency: 48, pressure_high: 24.1, pressure_low: 6.3, fan_speed: 520, flow_rate: 18.5,
      operating_mode: OperatingModeCode.hot_water,
    }
    const { values, tally } = normalise(canonicalDriver, raw)
    expect(values).toEqual(raw)
    expect(tally).toEqual({ accepted: 14, ignored: 0, rejected: 0, reasons: {} })
  })

  it('reads the upstream trainer names as aliases in their implied units', () => {
    const { values, tally } = normalise(canonicalDriver, { temp_outside: 3, power_current: 4.2, power_compressor: 1.1, cop_current: 3.8 })
    expect(values).toEqual({ temp_outdoor: 3, power_heat: 4200, power_electric: 1100 })
    expect(tally).toEqual({ accepted: 3, ignored: 1, rejected: 0, reasons: {} })
  })

  it('prefers the canonical name over its alias in either order', () => {
    expect(normalise(canonicalDriver, { temp_outside: 3, temp_outdoor: 4 }).values).toEqual({ temp_outdoor: 4 })
    expect(normalise(canonicalDriver, { temp_outdoor: 4, temp_outside: 3 }).values).toEqual({ temp_outdoor: 4 })
  })

  it('ignores metrics outside the catalog (data minimisation)', () => {
    const { values, tally } = normalise(canonicalDriver, { power_use_house: 0.8, humidity: 45, price_energy: 0.31, cop: 4 })
    expect(values).toEqual({})
    expect(tally).toEqual({ accepted: 0, ignored: 4, rejected: 0, reasons: {} })
  })

  it('falls back to canonical names for raw ids a driver does not know', () => {
    expect(normalise(idmNavigatorDriver, { flow_rate: 17.5, pressure_high: 22 }).values).toEqual({ flow_rate: 17.5, pressure_high: 22 })
  })

  it('lets a driver shadow a canonical name with null', () => {
    const { values, tally } = normalise(testDriver, { temp_return: 30 })
    expect(values).toEqual({})
    expect(tally.ignored).toBe(1)
  })
})

describe('normaliseValues: value coercion', () => {
  it('reads enum objects by their value and booleans as 1/0', () => {
    expect(normalise(canonicalDriver, { operating_mode: { value: 2, text: 'COOLING' }, fan_speed: true }).values)
      .toEqual({ operating_mode: 2, fan_speed: 1 })
  })

  it('follows a bitfield that switches between enum object and plain number across samples', () => {
    const samples = [
      { status_heat_pump: { value: 1, text: 'HEATING' } },
      { status_heat_pump: 5.0 },
      { status_heat_pump: { value: 8, text: 'DEFROSTING' } },
      { status_heat_pump: 0 },
    ]
    expect(samples.map((s) => normalise(idmNavigatorDriver, s).values.operating_mode)).toEqual([
      OperatingModeCode.heating, OperatingModeCode.hot_water, OperatingModeCode.defrost, OperatingModeCode.off,
    ])
  })

  it.each([
    ['NaN', 'not_finite'],
    ['inf', 'not_finite'],
    ['-Infinity', 'not_finite'],
    [NaN, 'not_finite'],
    [Infinity, 'not_finite'],
    [null, 'missing_value'],
    ['n/a', 'not_a_number'],
    [[21.5], 'not_a_number'],
    [{ celsius: 21.5 }, 'not_a_number'],
    [{ value: { value: 21.5 } }, 'not_a_number'],
  ])('drops temp_flow %j and counts it as %s', (raw, reason) => {
    const { values, tally } = normalise(canonicalDriver, { temp_flow: raw, temp_return: 30 })
    expect(values).toEqual({ temp_return: 30 })
    expect(tally).toEqual({ accepted: 1, ignored: 0, rejected: 1, reasons: { [reason]: 1 } })
  })

  it('reads numeric text as its number', () => {
    expect(normalise(canonicalDriver, { temp_flow: ' 35.5 ', power_heat: '4.8e3' }).values).toEqual({ temp_flow: 35.5, power_heat: 4800 })
  })
})

describe('normaliseValues: plausible ranges', () => {
  it.each([
    ['temp_outdoor', -50.1],
    ['temp_outdoor', 60.5],
    ['temp_flow', 250],
    ['temp_hot_water', -1],
    ['power_electric', -5],
    ['power_heat', 200_001],
    ['energy_heat_total', -0.1],
    ['compressor_frequency', 301],
    ['operating_mode', 5],
    ['operating_mode', 2.5],
    ['operating_mode', -1],
  ])('drops %s = %s as out_of_range', (metric, value) => {
    const { values, tally } = normalise(canonicalDriver, { [metric]: value })
    expect(values).toEqual({})
    expect(tally).toEqual({ accepted: 0, ignored: 0, rejected: 1, reasons: { out_of_range: 1 } })
  })

  it.each([
    ['temp_outdoor', -50],
    ['temp_outdoor', 60],
    ['power_heat', -100_000],
    ['power_electric', 0],
    ['operating_mode', 4],
  ])('keeps the range bound %s = %s', (metric, value) => {
    expect(normalise(canonicalDriver, { [metric]: value }).values).toEqual({ [metric]: value })
  })

  it('checks the range after scaling', () => {
    const { values, tally } = normalise(testDriver, { heat_kw: 250 })
    expect(values).toEqual({})
    expect(tally.reasons).toEqual({ out_of_range: 1 })
  })

  it('lets a lower-priority field stand in when the preferred one is out of range', () => {
    expect(normalise(testDriver, { flow_main: 999, flow_backup: 35 }).values).toEqual({ temp_flow: 35 })
  })
})

describe('normaliseValues: rules', () => {
  it('keeps the lowest priority present whatever the key order', () => {
    const orders = [
      { flow_last_resort: 30, flow_backup: 31, flow_main: 32 },
      { flow_main: 32, flow_last_resort: 30, flow_backup: 31 },
      { flow_backup: 31, flow_main: 32, flow_last_resort: 30 },
    ]
    for (const raw of orders) {
      const { values, tally } = normalise(testDriver, raw)
      expect(values).toEqual({ temp_flow: 32 })
      expect(tally).toEqual({ accepted: 1, ignored: 2, rejected: 0, reasons: {} })
    }
  })

  it('applies scale before summing split counters', () => {
    const { values, tally } = normalise(testDriver, { counter_a: 100, counter_b: 50.5, counter_c_wh: 2500 })
    expect(values).toEqual({ energy_heat_total: 153 })
    expect(tally).toEqual({ accepted: 3, ignored: 0, rejected: 0, reasons: {} })
  })

  it('prefers a directly reported counter over the sum of its parts', () => {
    const { values, tally } = normalise(testDriver, { counter_a: 100, energy_heat_total: 500, counter_b: 50 })
    expect(values).toEqual({ energy_heat_total: 500 })
    expect(tally).toEqual({ accepted: 1, ignored: 2, rejected: 0, reasons: {} })
  })

  it('rejects every part of a sum that is out of range', () => {
    const { values, tally } = normalise(testDriver, { counter_a: 60_000_000, counter_b: 60_000_000 })
    expect(values).toEqual({})
    expect(tally).toEqual({ accepted: 0, ignored: 0, rejected: 2, reasons: { out_of_range: 2 } })
  })

  it('ignores, not rejects, a value the decoder has no meaning for', () => {
    expect(normalise(testDriver, { mode: 7 }).values).toEqual({ operating_mode: OperatingModeCode.cooling })
    const { values, tally } = normalise(testDriver, { mode: 3 })
    expect(values).toEqual({})
    expect(tally).toEqual({ accepted: 0, ignored: 1, rejected: 0, reasons: {} })
  })

  it('counts every own key exactly once', () => {
    const raw = {
      temp_outside: -3.4, temp_supply_line: 'NaN', temp_return_line: 999, energy_produced_heating: 10,
      energy_produced_hot_water: 5, operating_mode: 1, current_power: 2, degree_minutes: -100, temp_hot_water_top: null,
    }
    const { values, tally } = normalise(nibeSSeriesDriver, raw)
    expect(values).toEqual({ temp_outdoor: -3.4, energy_heat_total: 15 })
    expect(tally).toEqual({
      accepted: 3, ignored: 3, rejected: 3, reasons: { not_finite: 1, out_of_range: 1, missing_value: 1 },
    })
  })

  it('counts inherited keys not at all', () => {
    const raw = Object.create({ temp_flow: 30 }) as Record<string, unknown>
    raw.temp_return = 25
    const { values, tally } = normalise(canonicalDriver, raw)
    expect(values).toEqual({ temp_return: 25 })
    expect(tally).toEqual({ accepted: 1, ignored: 0, rejected: 0, reasons: {} })
  })

  it('adds to a tally shared across calls', () => {
    const tally = emptyValueTally()
    normaliseValues(canonicalDriver, { temp_flow: 30, x: 1 }, tally)
    normaliseValues(canonicalDriver, { temp_flow: 'NaN' }, tally)
    expect(tally).toEqual({ accepted: 1, ignored: 1, rejected: 1, reasons: { not_finite: 1 } })
  })
})

describe('split counters', () => {
  it('drops a sum whose part is implausible on its own, even if the total would be plausible', () => {
    const { values, tally } = normalise(nibeSSeriesDriver, { energy_produced_heating: -5, energy_produced_hot_water: 10 })
    expect(values.energy_heat_total).toBeUndefined()
    expect(tally).toEqual({ accepted: 0, ignored: 1, rejected: 1, reasons: { out_of_range: 1 } })
  })
})
