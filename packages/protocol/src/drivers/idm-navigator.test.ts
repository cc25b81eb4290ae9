import { describe, expect, it } from 'vitest'
import { OperatingModeCode } from '../catalog.js'
import { normaliseValues } from '../normalise-values.js'
import { emptyValueTally } from '../reasons.js'
import { idmNavigatorDriver, idmOperatingMode } from './idm-navigator.js'

function normalise (raw: Record<string, unknown>) {
  const tally = emptyValueTally()
  return { values: normaliseValues(idmNavigatorDriver, raw, tally), tally }
}

/** One v1.0.2 flat sample as the logger sends it (enums as `{value, text}` plus `<name>_str`). */
const SAMPLE = {
  temp_outside: 4.2,
  temp_outside_avg: 3.9,
  temp_heat_pump_flow: 35.1,
  temp_heat_pump_return: 30.4,
  temp_water_heater_top: 48.7,
  temp_water_heater_bottom: 41,
  temp_heat_storage: 36.2,
  power_current: 5.2,
  power_thermal: 5.05,
  power_current_draw: 1.3,
  power_use_house: 0.8,
  energy_heat_total: 23456.78,
  energy_heat_heating: 18000.5,
  status_heat_pump: { value: 1, text: 'HEATING' },
  status_heat_pump_str: 'heating',
  status_system: { value: 1, text: 'AUTOMATIC' },
  status_system_str: 'automatic',
  humidity: 45,
  price_energy: 0.3,
}

describe('idm/navigator_2_0', () => {
  it('maps a realistic sample to the catalog', () => {
    const { values, tally } = normalise(SAMPLE)
    expect(values).toEqual({
      temp_outdoor: 4.2,
      temp_flow: 35.1,
      temp_return: 30.4,
      temp_hot_water: 48.7,
      power_heat: 5200,
      power_electric: 1300,
      energy_heat_total: 23456.78,
      operating_mode: OperatingModeCode.heating,
    })
    // 8 kept; the hot-water bottom and flow-sensor heat are lower-priority duplicates.
    expect(tally).toEqual({ accepted: 8, ignored: 11, rejected: 0, reasons: {} })
  })

  it('reads power_current (register 1790) as thermal output, not electrical input', () => {
    const { values } = normalise({ power_current: 5.2 })
    expect(values).toEqual({ power_heat: 5200 })
  })

  it('reads power_current_draw (register 4122) as electrical input', () => {
    expect(normalise({ power_current_draw: 1.3 }).values).toEqual({ power_electric: 1300 })
  })

  it('prefers power_current over the flow-sensor power_thermal in either order', () => {
    expect(normalise({ power_thermal: 4.75, power_current: 5.2 }).values).toEqual({ power_heat: 5200 })
    expect(normalise({ power_current: 5.2, power_thermal: 4.75 }).values).toEqual({ power_heat: 5200 })
  })

  it('falls back to power_thermal when power_current is absent or unreadable', () => {
    expect(normalise({ power_thermal: 4.75 }).values).toEqual({ power_heat: 4750 })
    expect(normalise({ power_current: null, power_thermal: 4.75 }).values).toEqual({ power_heat: 4750 })
  })

  it('falls back to the bottom hot-water sensor when the top one is absent', () => {
    expect(normalise({ temp_water_heater_bottom: 41 }).values).toEqual({ temp_hot_water: 41 })
    expect(normalise({ temp_water_heater_bottom: 41, temp_water_heater_top: 48.7 }).values).toEqual({ temp_hot_water: 48.7 })
  })

  it.each([
    [{ value: 0, text: 'OFF' }, OperatingModeCode.off],
    [{ value: 1, text: 'HEATING' }, OperatingModeCode.heating],
    [{ value: 2, text: 'COOLING' }, OperatingModeCode.cooling],
    [{ value: 4, text: 'WATER' }, OperatingModeCode.hot_water],
    [{ value: 8, text: 'DEFROSTING' }, OperatingModeCode.defrost],
    [5.0, OperatingModeCode.hot_water],
    ['5.0', OperatingModeCode.hot_water],
    [3, OperatingModeCode.cooling],
    [8, OperatingModeCode.defrost],
    [12, OperatingModeCode.defrost],
    [9, OperatingModeCode.defrost],
  ])('decodes status_heat_pump %j to operating mode %s', (raw, code) => {
    expect(normalise({ status_heat_pump: raw }).values).toEqual({ operating_mode: code })
  })

  it.each([[16], [0xffff], [2.5], [-1]])('ignores status_heat_pump %j, which is no defined state', (raw) => {
    const { values, tally } = normalise({ status_heat_pump: raw })
    expect(values).toEqual({})
    expect(tally).toEqual({ accepted: 0, ignored: 1, rejected: 0, reasons: {} })
  })

  it('ignores the enum text of _str keys even when it looks numeric', () => {
    const { values, tally } = normalise({ status_heat_pump_str: 'heating', temp_outside_str: '4.2', power_current_str: '5' })
    expect(values).toEqual({})
    expect(tally.ignored).toBe(3)
  })

  it('exposes the bitfield decoder for other users of the register', () => {
    expect(idmOperatingMode(0)).toBe(OperatingModeCode.off)
    expect(idmOperatingMode(15)).toBe(OperatingModeCode.defrost)
    expect(idmOperatingMode(6)).toBe(OperatingModeCode.hot_water)
    expect(idmOperatingMode(32)).toBeUndefined()
  })
})
