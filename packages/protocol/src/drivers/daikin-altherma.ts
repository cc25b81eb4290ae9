import { OperatingModeCode } from '../catalog.js'
import type { DriverMap } from './driver.js'

/**
 * Daikin `defrost_status` ("Abtau Status", a status word with no value table upstream) read as a
 * flag: 1 is a defrost in progress. 0 says only that the unit is not defrosting, not which mode it
 * is in, so it and any other value carry no operating mode and are ignored.
 */
export function daikinDefrostMode (status: number): number | undefined {
  return status === 1 ? OperatingModeCode.defrost : undefined
}

/**
 * Daikin Altherma through the HomeHub in Modbus mode (`daikin/altherma`, upstream.md §2.3). The
 * upstream driver scales temperatures to °C and reads no power or energy registers.
 */
export const daikinAlthermaDriver: DriverMap = {
  id: 'daikin/altherma',
  manufacturer: 'daikin',
  model: 'altherma',
  fields: {
    temp_outside: { metric: 'temp_outdoor' },
    temp_leaving_water: { metric: 'temp_flow' },
    temp_return_water: { metric: 'temp_return' },
    temp_hot_water: { metric: 'temp_hot_water' },
    defrost_status: { metric: 'operating_mode', decode: daikinDefrostMode },
    // No value table upstream, and Daikin's Modbus "operation mode" is the chosen auto/heat/cool setting, not the running state.
    operation_mode: null,
  },
}
