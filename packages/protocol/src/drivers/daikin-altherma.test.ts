import { describe, expect, it } from 'vitest'
import { OperatingModeCode } from '../catalog.js'
import { normaliseValues } from '../normalise-values.js'
import { emptyValueTally } from '../reasons.js'
import { daikinAlthermaDriver } from './daikin-altherma.js'

function normalise (raw: Record<string, unknown>) {
  const tally = emptyValueTally()
  return { values: normaliseValues(daikinAlthermaDriver, raw, tally), tally }
}

/** Every sensor of the upstream driver, temperatures already scaled to °C. */
const SAMPLE = {
  temp_outside: 6.5,
  temp_leaving_water: 40.2,
  temp_return_water: 35,
  temp_hot_water: 47.9,
  temp_refrigerant: 30.1,
  operation_mode: 1,
  target_temp_heating: 40,
  target_temp_hot_water: 48,
  compressor_status: 1,
  defrost_status: 0,
  error_code: 0,
}

describe('daikin/altherma', () => {
  it('maps a realistic sample to the catalog', () => {
    const { values, tally } = normalise(SAMPLE)
    expect(values).toEqual({
      temp_outdoor: 6.5,
      temp_flow: 40.2,
      temp_return: 35,
      temp_hot_water: 47.9,
    })
    expect(tally).toEqual({ accepted: 4, ignored: 7, rejected: 0, reasons: {} })
  })

  it.each([[1], [true], ['1'], [{ value: 1, text: 'ON' }]])('reads defrost_status %j as the defrost mode', (raw) => {
    expect(normalise({ defrost_status: raw }).values).toEqual({ operating_mode: OperatingModeCode.defrost })
  })

  it.each([[0], [false], [2], [0xffff]])('gives no operating mode for defrost_status %j', (raw) => {
    const { values, tally } = normalise({ defrost_status: raw })
    expect(values).toEqual({})
    expect(tally).toEqual({ accepted: 0, ignored: 1, rejected: 0, reasons: {} })
  })

  it.each([[0], [1], [2]])('never reads operation_mode %j as the operating mode', (raw) => {
    expect(normalise({ operation_mode: raw }).values).toEqual({})
  })

  it('keeps a defrost next to an operation_mode value', () => {
    expect(normalise({ operation_mode: 1, defrost_status: 1 }).values).toEqual({ operating_mode: OperatingModeCode.defrost })
  })
})
