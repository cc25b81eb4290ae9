import type { RegisterMap } from '../register-map.js'

/** An input register of the ISG's system-value block: int16 ×0.1, 0x8000 = not available (type 2). */
const tenths = (address: number) => ({ address, kind: 'input' as const, type: 'int16' as const, scale: 0.1, sentinels: [0x8000] })
/** int16 ×0.01 (type 7). */
const hundredths = (address: number) => ({ address, kind: 'input' as const, type: 'int16' as const, scale: 0.01, sentinels: [0x8000] })
/** A counter split into kWh (0–999) and MWh registers (type 6): kWh + MWh × 1000. */
const counter = (kwh: number) => [
  { address: kwh, kind: 'input' as const, type: 'uint16' as const, sentinels: [0x8000] },
  { address: kwh + 1, kind: 'input' as const, type: 'uint16' as const, scale: 1000, sentinels: [0x8000] },
]

/**
 * Stiebel Eltron WPM heat-pump managers through the ISG web with its Modbus extension (Modbus TCP,
 * port 502, unit 1), input registers (FC04). Stiebel's manual numbers registers from 1 (PDU =
 * documented − 1). Addresses and types from pystiebeleltron's CSVs (pail23/python-stiebel-eltron
 * @b18aa43, transcribed from Stiebel's "Modbus Bedienungsanleitung"), cross-checked with the
 * openHAB binding and evcc's `stiebel-wpm.yaml`; see research/modbus.md §2.
 */
export const stiebelIsgMap: RegisterMap = {
  id: 'stiebel-isg',
  name: 'Stiebel Eltron WPM via ISG web',
  manufacturer: 'stiebel_eltron',
  addressBase: 1,
  defaultPort: 502,
  defaultUnitId: 1,
  wordOrder: 'high_first',
  fields: [
    { metric: 'temp_outdoor', parts: [tenths(507)] },
    { metric: 'temp_flow', parts: [tenths(515)] },
    { metric: 'temp_return', parts: [tenths(516)] },
    { metric: 'flow_rate', parts: [hundredths(521)] },
    { metric: 'temp_hot_water', parts: [tenths(522)] },
    // HP1 low and high pressure of WPMsystem and WPM 3 (WPM 3i reports them at 541/540 in tenths).
    { metric: 'pressure_low', parts: [hundredths(545)] },
    { metric: 'pressure_high', parts: [hundredths(547)] },
    // Operating state bits: 9 defrost, 8 cooling, 5 hot water, 4 heating (first set bit wins).
    {
      metric: 'operating_mode',
      parts: [{ address: 2501, kind: 'input', type: 'uint16', sentinels: [0x8000] }],
      bitField: { bits: [{ bit: 9, value: 4 }, { bit: 8, value: 2 }, { bit: 5, value: 3 }, { bit: 4, value: 1 }], otherwise: 0 },
    },
    // Heat produced, heating + hot water; electricity used, heating + hot water (kWh + MWh each).
    { metric: 'energy_heat_total', parts: [...counter(3502), ...counter(3505)] },
    { metric: 'energy_electric_total', parts: [...counter(3512), ...counter(3515)] },
    // Inverter power of HP1, kW ×0.1: WPMsystem only; others answer "illegal data address".
    { metric: 'power_electric', parts: [{ ...tenths(3680), scale: 100 }], minValid: 0, optional: true },
  ],
  sources: [
    'Verified against pystiebeleltron\'s CSVs and generator (1-based addresses, type codes 2/6/7, 0x8000, split kWh/MWh counters) and evcc\'s template (DHW temperature at PDU 521).',
    'Operating-state bit meanings from the Home Assistant ISG component; pressures at 545/547 for WPMsystem/WPM 3 only.',
    'Inverter power 3680 is optional (WPMsystem extended block). Not verified on a real ISG.',
  ],
}
