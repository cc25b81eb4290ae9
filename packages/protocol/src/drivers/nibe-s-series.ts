import type { DriverMap } from './driver.js'

/**
 * NIBE S-series over Modbus TCP (`nibe/s_series`, upstream.md §2.3). The upstream driver already
 * applies each register's scale, so values arrive in °C, Hz, kW and kWh. Its register numbers
 * (40004…47137) are the NIBE F-series Modbus 40 numbering, which is where the meanings below
 * were checked.
 */
export const nibeSSeriesDriver: DriverMap = {
  id: 'nibe/s_series',
  manufacturer: 'nibe',
  model: 's_series',
  fields: {
    temp_outside: { metric: 'temp_outdoor' },
    temp_supply_line: { metric: 'temp_flow' },
    temp_return_line: { metric: 'temp_return' },
    temp_hot_water_top: { metric: 'temp_hot_water' },
    // BT6, the charging sensor lower in the tank: only when BT7 (top) is missing.
    temp_hot_water_charging: { metric: 'temp_hot_water', priority: 1 },
    compressor_frequency: { metric: 'compressor_frequency' },
    // 44298/44300 are heat produced for hot water and for heating (additional heat included),
    // each a lifetime kWh counter; together they are the unit's heat output.
    energy_produced_heating: { metric: 'energy_heat_total', combine: 'sum' },
    energy_produced_hot_water: { metric: 'energy_heat_total', combine: 'sum' },
    // 43084 is "Int. el.add. Power", the electric immersion heater only: neither compressor input nor heat output.
    current_power: null,
    // 47137 is a writable setting (auto / manual / add. heat only) with no value table upstream, not the running mode.
    operating_mode: null,
  },
}
