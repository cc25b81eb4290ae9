import type { DriverMap } from './driver.js'

/** Luxtronik heat-quantity counters count tenths of a kWh (calculation type "Energy", ×0.1). */
const TENTH_KWH = 0.1

/**
 * Luxtronik 2.1 (`luxtronik/luxtronik_2_1`, upstream.md §2.3): values are entries of the
 * controller's calculations array (command 3004). The upstream driver scales temperatures by 0.1
 * to °C but passes the heat counters through unscaled, so they arrive in 0.1 kWh although it
 * labels them kWh.
 */
export const luxtronikDriver: DriverMap = {
  id: 'luxtronik/luxtronik_2_1',
  manufacturer: 'luxtronik',
  model: 'luxtronik_2_1',
  fields: {
    // Calculation 15 (TA); 16 is the controller's outdoor average, not a reading.
    temp_outside: { metric: 'temp_outdoor' },
    temp_flow: { metric: 'temp_flow' },
    temp_return: { metric: 'temp_return' },
    temp_hot_water: { metric: 'temp_hot_water' },
    heat_quantity_heating: { metric: 'energy_heat_total', scale: TENTH_KWH, combine: 'sum' },
    heat_quantity_hot_water: { metric: 'energy_heat_total', scale: TENTH_KWH, combine: 'sum' },
  },
}
