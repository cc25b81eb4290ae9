import type { RegisterMap } from '../register-map.js'

const float = (address: number, scale = 1) => ({ address, kind: 'holding' as const, type: 'float32' as const, scale })

/**
 * iDM Navigator 2.0, built-in Modbus TCP (port 502, unit 1), holding registers read with FC03,
 * addresses exactly as in iDM's table (= PDU addresses). FLOAT is IEEE-754 over two registers,
 * low word first. Register addresses and types from upstream's `idm_navigator_modbus_registers.yaml`
 * and `sensor_addresses.py` (Xerolux/idm-metrics-collector @6bf7577), cross-checked with evcc's
 * `templates/definition/charger/idm.yaml` (@b29b49e); see research/modbus.md §1.
 */
export const idmNavigatorMap: RegisterMap = {
  id: 'idm',
  name: 'iDM Navigator 2.0',
  manufacturer: 'idm',
  addressBase: 0,
  defaultPort: 502,
  defaultUnitId: 1,
  wordOrder: 'low_first',
  fields: [
    { metric: 'temp_outdoor', parts: [float(1000)] },
    { metric: 'temp_hot_water', parts: [float(1014)] },
    { metric: 'temp_flow', parts: [float(1050)] },
    { metric: 'temp_return', parts: [float(1052)] },
    // Electrical input in kW (register 4122; evcc scales it by 1000). Upstream's `power_current`
    // (1790) is thermal output: never read as electrical.
    { metric: 'power_electric', parts: [float(4122, 1000)], minValid: 0 },
    // Thermal output from the flow sensor, kW.
    { metric: 'power_heat', parts: [float(4126, 1000)], minValid: 0 },
    { metric: 'energy_heat_total', parts: [float(1750)], minValid: 0 },
    // Operating state bit field: 0 off, 1 heating, 2 cooling, 4 hot water, 8 defrost; 0xFFFF = none.
    {
      metric: 'operating_mode',
      parts: [{ address: 1090, kind: 'holding', type: 'uint16', sentinels: [0xffff] }],
      bitField: { bits: [{ bit: 3, value: 4 }, { bit: 2, value: 3 }, { bit: 1, value: 2 }, { bit: 0, value: 1 }], otherwise: 0 },
    },
  ],
  sources: [
    'Verified against upstream\'s register YAML and logger code and evcc\'s template (which agree): addresses, FLOAT low word first, unit 1, FC03.',
    'Electrical power 4122 ×1000 W as evcc reads it; thermal power 4126 from the YAML only (not cross-checked).',
    'Not verified on a real controller.',
  ],
}
