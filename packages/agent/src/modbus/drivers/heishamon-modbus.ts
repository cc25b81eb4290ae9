import type { RegisterMap } from '../register-map.js'

/** Register = TOP number; °C, l/min, bar and decimal values ×100; watts and integers unscaled. */
const hundredths = (top: number) => ({ address: top, kind: 'holding' as const, type: 'int16' as const, scale: 0.01 })
const plain = (top: number) => ({ address: top, kind: 'holding' as const, type: 'int16' as const })

/**
 * Panasonic Aquarea through HeishaMon with the community Modbus TCP firmware
 * (ReinhardGruber/HeishaMonModbusTCP @52678298: port 502, unit 1, FC03, register = TOP number);
 * see research/modbus.md §6. Alpha community firmware.
 */
export const heishamonModbusMap: RegisterMap = {
  id: 'heishamon-modbus',
  name: 'Panasonic Aquarea via HeishaMon Modbus TCP',
  manufacturer: 'panasonic',
  addressBase: 0,
  defaultPort: 502,
  defaultUnitId: 1,
  wordOrder: 'high_first',
  fields: [
    { metric: 'flow_rate', parts: [hundredths(1)] },
    { metric: 'temp_return', parts: [hundredths(5)] },
    { metric: 'temp_flow', parts: [hundredths(6)] },
    { metric: 'compressor_frequency', parts: [plain(8)] },
    { metric: 'temp_hot_water', parts: [hundredths(10)] },
    { metric: 'temp_outdoor', parts: [hundredths(14)] },
    // Production and consumption are reported per use (heating, cooling, hot water), in W.
    { metric: 'power_heat', parts: [plain(15), plain(38), plain(40)], minValid: 0 },
    { metric: 'power_electric', parts: [plain(16), plain(39), plain(41)], minValid: 0 },
    { metric: 'fan_speed', parts: [plain(62)] },
    // kgf/cm² ≈ 0.980665 bar.
    { metric: 'pressure_high', parts: [{ ...hundredths(64), scale: 0.01 * 0.980665 }] },
    { metric: 'pressure_low', parts: [{ ...hundredths(66), scale: 0.01 * 0.980665 }] },
  ],
  sources: [
    'Register numbers and scaling from the fork\'s HeishaModBusServer.cpp, Modbus-Register-Mapping.md and MQTT-Topics.md; not verified on a real unit.',
    'Operating_Mode_State (TOP4) mixes heating/cooling/auto with hot water and is left out until its codes are mapped.',
  ],
}
