import { describe, expect, it } from 'vitest'
import { normaliseValues } from '../normalise-values.js'
import { emptyValueTally } from '../reasons.js'
import { nibeSSeriesDriver } from './nibe-s-series.js'

function normalise (raw: Record<string, unknown>) {
  const tally = emptyValueTally()
  return { values: normaliseValues(nibeSSeriesDriver, raw, tally), tally }
}

/** Every sensor of the upstream driver, already scaled by it (°C, Hz, h, kW, kWh). */
const SAMPLE = {
  temp_outside: -3.4,
  temp_hot_water_top: 50.1,
  temp_hot_water_charging: 47.3,
  temp_brine_in: 2.1,
  temp_brine_out: -0.8,
  temp_condenser: 39,
  temp_discharge: 72.5,
  temp_suction: 1.2,
  temp_supply_line: 38.2,
  temp_return_line: 33.9,
  compressor_frequency: 42.5,
  compressor_starts: 1834,
  compressor_hours: 6120,
  current_power: 3.25,
  energy_produced_heating: 15234.5,
  energy_produced_hot_water: 4321.7,
  heating_curve: 7,
  hot_water_start_temp: 45,
  hot_water_stop_temp: 50,
  operating_mode: 0,
  degree_minutes: -120,
}

describe('nibe/s_series', () => {
  it('maps a realistic sample to the catalog', () => {
    const { values, tally } = normalise(SAMPLE)
    expect(values).toEqual({
      temp_outdoor: -3.4,
      temp_flow: 38.2,
      temp_return: 33.9,
      temp_hot_water: 50.1,
      compressor_frequency: 42.5,
      energy_heat_total: 19556.2,
    })
    // Two energy parts make one value but count as two accepted raw values.
    expect(tally).toEqual({ accepted: 7, ignored: 14, rejected: 0, reasons: {} })
  })

  it('sums the heating and hot-water heat counters into energy_heat_total', () => {
    expect(normalise({ energy_produced_heating: 100.5, energy_produced_hot_water: 20.25 }).values)
      .toEqual({ energy_heat_total: 120.75 })
  })

  it('drops the sum when one part cannot be read, rather than understate the counter', () => {
    const { values, tally } = normalise({ energy_produced_heating: 15234.5, energy_produced_hot_water: null })
    expect(values).toEqual({})
    expect(tally).toEqual({ accepted: 0, ignored: 1, rejected: 1, reasons: { missing_value: 1 } })
  })

  it('uses a single part when the other is not sent at all', () => {
    expect(normalise({ energy_produced_heating: 15234.5 }).values).toEqual({ energy_heat_total: 15234.5 })
  })

  it.each([[0], [1], [2], [{ value: 1, text: 'MANUAL' }]])(
    'never reads the NIBE operating_mode setting %j as the canonical operating mode', (raw) => {
      const { values, tally } = normalise({ operating_mode: raw })
      expect(values).toEqual({})
      expect(tally).toEqual({ accepted: 0, ignored: 1, rejected: 0, reasons: {} })
    })

  it('does not read current_power (immersion heater power) as heat pump power', () => {
    const { values } = normalise({ current_power: 3.25 })
    expect(values.power_electric).toBeUndefined()
    expect(values.power_heat).toBeUndefined()
  })

  it('keeps compressor_frequency in Hz as the driver scaled it', () => {
    expect(normalise({ compressor_frequency: 87.3 }).values).toEqual({ compressor_frequency: 87.3 })
  })

  it('uses the charging sensor only when the top hot-water sensor is missing', () => {
    expect(normalise({ temp_hot_water_charging: 47.3 }).values).toEqual({ temp_hot_water: 47.3 })
    expect(normalise({ temp_hot_water_charging: 47.3, temp_hot_water_top: 50.1 }).values).toEqual({ temp_hot_water: 50.1 })
  })

  it('drops an implausible reading and counts it', () => {
    const { values, tally } = normalise({ temp_outside: -3276.8, temp_supply_line: 38.2 })
    expect(values).toEqual({ temp_flow: 38.2 })
    expect(tally.reasons).toEqual({ out_of_range: 1 })
  })
})
