import { describe, expect, it } from 'vitest'
import { normaliseValues } from '../normalise-values.js'
import { emptyValueTally } from '../reasons.js'
import { luxtronikDriver } from './luxtronik.js'

function normalise (raw: Record<string, unknown>) {
  const tally = emptyValueTally()
  return { values: normaliseValues(luxtronikDriver, raw, tally), tally }
}

/** Every sensor of the upstream driver: temperatures scaled to °C, heat counters raw (0.1 kWh). */
const SAMPLE = {
  temp_outside: -1.5,
  temp_outside_avg: 0.3,
  temp_hot_water: 46.2,
  temp_hot_water_target: 48,
  temp_source_in: 8.1,
  temp_source_out: 5.2,
  temp_flow: 31.4,
  temp_return: 28,
  heat_quantity_heating: 302552,
  heat_quantity_hot_water: 81234,
  error_code: 0,
}

describe('luxtronik/luxtronik_2_1', () => {
  it('maps a realistic sample to the catalog', () => {
    const { values, tally } = normalise(SAMPLE)
    expect(values).toEqual({
      temp_outdoor: -1.5,
      temp_flow: 31.4,
      temp_return: 28,
      temp_hot_water: 46.2,
      energy_heat_total: expect.closeTo(38378.6, 6) as number,
    })
    expect(tally).toEqual({ accepted: 6, ignored: 5, rejected: 0, reasons: {} })
  })

  it('scales the heat counters from 0.1 kWh to kWh and sums them', () => {
    const { values } = normalise({ heat_quantity_heating: 302552, heat_quantity_hot_water: 1000 })
    expect(values.energy_heat_total).toBeCloseTo(30355.2, 6)
  })

  it('drops the counter sum when one part is unreadable', () => {
    const { values, tally } = normalise({ heat_quantity_heating: 302552, heat_quantity_hot_water: 'NaN' })
    expect(values).toEqual({})
    expect(tally).toEqual({ accepted: 0, ignored: 1, rejected: 1, reasons: { not_finite: 1 } })
  })

  it('never takes the outdoor average for the outdoor temperature', () => {
    expect(normalise({ temp_outside_avg: 0.3 }).values).toEqual({})
  })

  it('keeps the hot-water setpoint out of the hot-water temperature', () => {
    expect(normalise({ temp_hot_water_target: 48 }).values).toEqual({})
  })
})
