import type { RegisterMap } from '../register-map.js'

const signed = (address: number, scale: number) => ({ address, kind: 'input' as const, type: 'int16' as const, scale })
const unsigned = (address: number) => ({ address, kind: 'input' as const, type: 'uint16' as const })

/**
 * Mitsubishi Ecodan through a Procon MelcoBEMS MINI (A1M) on the FTC's CN105, which speaks Modbus
 * RTU (9600 8N1, slave 1), behind an RS-485-to-TCP converter: input registers (FC04), PDU
 * addresses. Map from clandmeter/esphome `ecodan/ecodan.yaml` and the A1M register tables PDF in
 * that repository; see research/modbus.md §5.
 */
export const ecodanA1mMap: RegisterMap = {
  id: 'ecodan-a1m',
  name: 'Mitsubishi Ecodan via Procon A1M',
  manufacturer: 'mitsubishi',
  addressBase: 0,
  defaultPort: 502,
  defaultUnitId: 1,
  wordOrder: 'high_first',
  fields: [
    // Outdoor in tenths, the water temperatures in hundredths (as the yaml; the device library agrees for outdoor).
    { metric: 'temp_outdoor', parts: [signed(58, 0.1)] },
    { metric: 'temp_flow', parts: [signed(60, 0.01)] },
    { metric: 'temp_return', parts: [signed(62, 0.01)] },
    { metric: 'temp_hot_water', parts: [signed(64, 0.01)] },
    { metric: 'compressor_frequency', parts: [unsigned(32)] },
    { metric: 'flow_rate', parts: [unsigned(173)] },
    { metric: 'energy_electric_total', parts: [unsigned(162)] },
    { metric: 'energy_heat_total', parts: [unsigned(172)] },
    // Operating mode (holding 26): 0 stop, 1 hot water, 2 heating, 3 cooling; 5 and 6 give no value.
    { metric: 'operating_mode', parts: [{ address: 26, kind: 'holding', type: 'uint16' }], codes: { 0: 0, 1: 3, 2: 1, 3: 2 } },
  ],
  sources: [
    'Addresses, types and temperature scales from clandmeter/esphome ecodan.yaml and its A1M PDF; not verified on a real A1M.',
    'Operating mode from holding register 26 (0 stop, 1 hot water, 2 heating, 3 cooling; 5 freeze stat and 6 legionella give no value).',
    'Consumed and produced power (227/228) are left out: their unit and scale are not documented.',
  ],
}
