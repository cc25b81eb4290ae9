import { OperatingModeCode } from '../catalog.js'
import type { DriverMap } from './driver.js'

/**
 * iDM `status_heat_pump` is a bitfield (register 1090: 1 heating, 2 cooling, 4 hot water,
 * 8 defrost). Several bits can be set at once; the mode that dominates the machine's behaviour
 * wins, in the order the upstream ML service used: defrost, hot water, cooling, heating.
 * A value with any other bit set is not a state this register defines (upstream's flag type
 * rejects it), so it carries no mode rather than reading as off.
 */
export function idmOperatingMode (bits: number): number | undefined {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xf) return undefined
  if (bits & 8) return OperatingModeCode.defrost
  if (bits & 4) return OperatingModeCode.hot_water
  if (bits & 2) return OperatingModeCode.cooling
  if (bits & 1) return OperatingModeCode.heating
  return OperatingModeCode.off
}

/**
 * iDM Navigator 2.0 (`idm/navigator_2_0`, upstream.md §2.2 and §6.3). Trap: `power_current`
 * (register 1790 "Momentanleistung") is the *thermal* output in kW; the electrical input is
 * `power_current_draw` (register 4122). `power_thermal` (4126, flow sensor) is the fallback
 * for heat output when 1790 is absent.
 */
export const idmNavigatorDriver: DriverMap = {
  id: 'idm/navigator_2_0',
  manufacturer: 'idm',
  model: 'navigator_2_0',
  fields: {
    temp_outside: { metric: 'temp_outdoor' },
    temp_heat_pump_flow: { metric: 'temp_flow' },
    temp_heat_pump_return: { metric: 'temp_return' },
    temp_water_heater_top: { metric: 'temp_hot_water' },
    temp_water_heater_bottom: { metric: 'temp_hot_water', priority: 1 },
    power_current: { metric: 'power_heat', scale: 1000 },
    power_thermal: { metric: 'power_heat', scale: 1000, priority: 1 },
    power_current_draw: { metric: 'power_electric', scale: 1000 },
    energy_heat_total: { metric: 'energy_heat_total' },
    status_heat_pump: { metric: 'operating_mode', decode: idmOperatingMode },
  },
}
