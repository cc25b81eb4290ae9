/**
 * Payloads shaped exactly as the upstream IDM Metrics Collector loggers build them
 * (research/upstream.md §1.2 and §2): v1.0.2 flat records, and v2 nested records
 * (`data_version: "2.0"`, optional `batch_index`/`total_records`) from the multi-heat-pump builds.
 */

export const SHARED_TOKEN = 'shared-secret'

/** `version` as `git describe --tags --always` prints it on a multi-heat-pump build. */
export const V2_CLIENT_VERSION = 'v1.0.2-31-gc1a7aca'

export const IDM = { id: 'hp-legacy', manufacturer: 'idm', model: 'navigator_2_0' } as const
export const NIBE = { id: 'hp-1a2b3c4d', manufacturer: 'nibe', model: 's_series' } as const
export const UNKNOWN = { id: 'hp-9f8e7d6c', manufacturer: 'unknown', model: 'unknown' } as const

export interface HeatPumpIdentity {
  readonly id: string
  readonly manufacturer: string
  readonly model: string
}

/** An enum sensor value as the v2 drivers send it. */
export function enumValue (value: number, text: string): { value: number, text: string } {
  return { value, text }
}

/** One `heatpumps[]` entry of a v2 record. */
export function heatPump (hp: HeatPumpIdentity, values: Record<string, unknown>): Record<string, unknown> {
  return { id: hp.id, manufacturer: hp.manufacturer, model: hp.model, values }
}

/** A v2 nested record: `{timestamp, heatpumps: [...]}`. */
export function v2Record (timestampS: unknown, ...heatpumps: Record<string, unknown>[]): Record<string, unknown> {
  return { timestamp: timestampS, heatpumps }
}

/** A v2 upload body; pass `{batch_index, total_records}` in `extra` for the batching builds. */
export function v2Payload (installationId: string, records: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    installation_id: installationId,
    heatpump_model: 'AERO SLM',
    version: V2_CLIENT_VERSION,
    data_version: '2.0',
    data: records,
    ...extra,
  }
}

/**
 * Readable iDM Navigator 2.0 sensors that are not canonical metrics (upstream.md §2.2): circuit,
 * solar, cascade, GLT, house and battery values. A real unit sends about 137 values per sample;
 * these make the records that size, and none of them may be stored.
 */
export const IDM_NON_CATALOG_SENSORS: readonly string[] = [
  'temp_outside_avg', 'temp_heat_storage', 'temp_cold_storage', 'temp_water_heater_tap',
  'temp_water_target', 'temp_water_switch_on', 'temp_water_switch_off', 'temp_hgl_flow',
  'temp_heat_source_input', 'temp_heat_source_output', 'temp_air_input', 'temp_air_heat_exchanger',
  'temp_air_input_2', 'temp_charge_sensor', 'temp_second_source_bivalence_1', 'temp_second_source_bivalence_2',
  'temp_third_source_bivalence_1', 'temp_third_source_bivalence_2', 'temp_external_outdoor',
  'temp_external_request_heating', 'temp_external_request_cooling', 'temp_request_glt_heizen',
  'temp_request_glt_kuehlen_100', 'temp_heat_storage_glt', 'temp_cold_storage_glt',
  'temp_water_heater_bottom_target_glt', 'temp_water_heater_top_target_glt', 'temp_solar_collector',
  'temp_solar_collector_return', 'temp_solar_charge', 'temp_solar_reference', 'temp_isc_charge_cooling',
  'temp_isc_recooling', 'power_current_solar', 'power_resistive_heater', 'power_solar_production',
  'power_use_house', 'power_drain_battery', 'energy_heat_heating', 'energy_heat_total_cooling',
  'energy_heat_total_water', 'energy_heat_total_defrost', 'energy_heat_total_passive_cooling',
  'energy_heat_total_solar', 'energy_heat_total_electric', 'energy_heat_total_flow_sensor',
  'charge_state_battery', 'humidity', 'temp_external_humidity', 'load_isc_cold_storage_pump',
  'load_isc_recooling_pump', 'failure_id', 'price_energy',
  ...['a', 'b', 'c', 'd', 'e', 'f', 'g'].flatMap((x) => [
    `temp_flow_current_circuit_${x}`, `temp_room_circuit_${x}`, `temp_flow_target_circuit_${x}`,
    `temp_room_target_heating_normal_circuit_${x}`, `temp_room_target_heating_eco_circuit_${x}`,
    `temp_room_target_cooling_normal_circuit_${x}`, `temp_room_target_cooling_eco_circuit_${x}`,
    `temp_threshold_heating_circuit_${x}`, `temp_threshold_cooling_circuit_${x}`,
    `temp_flow_target_constant_circuit_${x}`, `curve_circuit_${x}`, `curve_offset_${x}`,
  ]),
]

/** iDM enum sensors that are not canonical metrics, as v2 enum objects. */
export const IDM_NON_CATALOG_ENUMS: Readonly<Record<string, { value: number, text: string }>> = {
  status_system: enumValue(1, 'AUTOMATIC'),
  status_smart_grid: enumValue(0, 'GRID_BLOCKED_SOLAR_OFF'),
  mode_circuit_a: enumValue(1, 'TIMED'),
  mode_active_circuit_a: enumValue(1, 'HEATING'),
  evu_lock_status: enumValue(0, 'INACTIVE'),
}

/** iDM boolean sensors (binary registers), never canonical. */
export const IDM_BOOLEANS: Readonly<Record<string, boolean>> = {
  request_heating: true,
  request_cooling: false,
  request_water: false,
  state_charge_pump: true,
  pump_circulation: false,
}

/** How many values of a full iDM snapshot are outside the catalog (ignored, never stored). */
export const IDM_IGNORED_PER_SNAPSHOT =
  IDM_NON_CATALOG_SENSORS.length + Object.keys(IDM_NON_CATALOG_ENUMS).length + Object.keys(IDM_BOOLEANS).length

/** The catalog-mapped part of an iDM snapshot, as raw sensor values. */
export interface IdmCore {
  readonly temp_outside: number
  readonly temp_heat_pump_flow: number
  readonly temp_heat_pump_return: number
  readonly temp_water_heater_top: number
  /** kW, thermal (register 1790). */
  readonly power_current: number
  /** kW, electrical (register 4122). */
  readonly power_current_draw: number
  readonly energy_heat_total: number
  /** Bitfield; an enum object for a single flag, a plain float otherwise (as upstream). */
  readonly status_heat_pump: number
}

const STATUS_FLAG_TEXT: Readonly<Record<number, string>> = { 0: 'OFF', 1: 'HEATING', 2: 'COOLING', 4: 'WATER', 8: 'DEFROSTING' }

/** `status_heat_pump` as the v2 iDM driver sends it: `{value, text}` for a single flag, else a float. */
function idmStatusValue (bits: number): unknown {
  const text = STATUS_FLAG_TEXT[bits]
  return text === undefined ? bits : enumValue(bits, text)
}

/** A full v2 iDM snapshot (~137 values): the core sensors plus every non-catalog one. */
export function idmSnapshot (core: IdmCore, i = 0): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  IDM_NON_CATALOG_SENSORS.forEach((name, j) => { values[name] = 20 + ((i + j) % 17) * 0.5 })
  Object.assign(values, IDM_NON_CATALOG_ENUMS, IDM_BOOLEANS)
  return { ...values, ...core, status_heat_pump: idmStatusValue(core.status_heat_pump) }
}

/**
 * The request body exactly as Python `requests` writes `json=`: `json.dumps` with its default
 * `", "`/`": "` separators and `ensure_ascii`, so `ä` travels as `\u00e4` (upstream.md §1.2).
 */
export function pythonJson (value: unknown): string {
  const ascii = (text: string) => text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  const dump = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(dump).join(', ')}]`
    if (typeof v === 'object' && v !== null) {
      return `{${Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${ascii(JSON.stringify(k))}: ${dump(x)}`).join(', ')}}`
    }
    return ascii(JSON.stringify(v))
  }
  return dump(value)
}

/**
 * v2 records of one iDM heat pump every 30 s from record `from` after `startMs`: heat 4–8 kW,
 * electric ~1.6 kW, outdoor −3…+0.9 °C (plus `outdoorShift`), heating with pauses.
 */
export function idmSeries (startMs: number, from: number, count: number, outdoorShift = 0): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k
    return {
      timestamp: (startMs + i * 30_000) / 1000,
      heatpumps: [{
        id: 'hp-legacy',
        manufacturer: 'idm',
        model: 'navigator_2_0',
        values: {
          temp_outside: -3 + (i % 40) / 10 + outdoorShift,
          temp_heat_pump_flow: 33 + (i % 7),
          temp_heat_pump_return: 28 + (i % 5),
          power_current: 4 + (i % 9) / 2,
          power_current_draw: 1.6,
          status_heat_pump: i % 120 < 100 ? { value: 1, text: 'HEATING' } : 4.0,
        },
      }],
    }
  })
}
