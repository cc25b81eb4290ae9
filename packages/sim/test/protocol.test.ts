import { daikinAlthermaDriver, idmNavigatorDriver, OperatingModeCode, resolveDriver } from '@heatpool/protocol'
import { describe, expect, it } from 'vitest'
import { MODELS } from '../src/models.js'
import { PAYLOAD_FORMATS } from '../src/records.js'
import { fleetFrom, normalised, WINTER } from './fixtures.js'

const CORE = ['temp_outdoor', 'temp_flow', 'temp_return', 'temp_hot_water', 'power_heat', 'power_electric', 'energy_heat_total'] as const

describe('every emitted record is accepted by the protocol normaliser', () => {
  for (const model of MODELS) {
    for (const format of PAYLOAD_FORMATS) {
      it(`${model.name} (${model.driver.id}) in ${format}`, () => {
        const [inst] = fleetFrom(WINTER, 1, { installations: 1, models: [model] })
        const { raw, records, tally } = normalised(inst!, format, WINTER, 1)
        expect(tally.records).toEqual({ received: raw.length, accepted: raw.length, rejected: 0, reasons: {} })
        expect(tally.values.rejected).toBe(0)
        expect(tally.values.reasons).toEqual({})
        expect(records).toHaveLength(raw.length)
        const missing = records.flatMap((r) => CORE.filter((m) => typeof r.values[m] !== 'number').map((m) => `${m} at ${r.ts}`))
        expect(missing).toEqual([])
        if (format === 'v2') {
          const heatPumps = new Set(records.map((r) => JSON.stringify(r.heatPump)))
          expect([...heatPumps]).toEqual([JSON.stringify({ key: inst!.heatPumpId, manufacturer: model.driver.manufacturer, model: model.driver.model })])
          // The payload names the driver exactly, never a fallback map.
          expect(resolveDriver(model.driver.manufacturer, model.driver.model)).toBe(model.driver)
        }
      })
    }
  }

  it('sends iDM power in kW with power_current as the thermal output', () => {
    const [inst] = fleetFrom(WINTER, 1, { installations: 1, models: MODELS.filter((m) => m.driver === idmNavigatorDriver) })
    const { raw, records } = normalised(inst!, 'v1', WINTER, 1)
    const running = raw.findIndex((r) => (r.power_current as number) > 1)
    expect(running).toBeGreaterThanOrEqual(0)
    const r = raw[running]!
    expect(r.power_current as number).toBeGreaterThan(r.power_current_draw as number)
    expect(records[running]!.values.power_heat).toBeCloseTo((r.power_current as number) * 1000, 6)
    expect(records[running]!.values.power_electric).toBeCloseTo((r.power_current_draw as number) * 1000, 6)
    expect(Object.keys(r).sort()).toEqual(['energy_heat_total', 'power_current', 'power_current_draw', 'status_heat_pump', 'temp_heat_pump_flow',
      'temp_heat_pump_return', 'temp_outside', 'temp_water_heater_top', 'timestamp'])
  })

  it('reports operating modes where the driver reads them (iDM all, Daikin defrost)', () => {
    const [idm, daikin] = fleetFrom(WINTER, 2, { installations: 2, models: MODELS.filter((m) => m.driver === idmNavigatorDriver || m.driver === daikinAlthermaDriver) })
    const modes = new Set(normalised(idm!, 'v2', WINTER, 2).records.map((r) => r.values.operating_mode))
    expect(modes).toEqual(new Set([OperatingModeCode.off, OperatingModeCode.heating, OperatingModeCode.hot_water, OperatingModeCode.defrost]))
    const daikinModes = new Set(normalised(daikin!, 'v2', WINTER, 2).records.map((r) => r.values.operating_mode))
    expect(daikinModes).toEqual(new Set([undefined, OperatingModeCode.defrost]))
  })
})
