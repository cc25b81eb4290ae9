// Request bodies for the ingest benchmark, shaped like what upstream iDM loggers send
// (research/upstream.md §1.2, §2.2). Bodies are serialised the way Python's `requests json=`
// does (json.dumps with its default ', ' and ': ' separators), so their size on the wire is
// the real one. Float registers are IEEE float32 on iDM, and Python prints the widened double
// in full (21.299999237060547), so float values here are float32-rounded too.
//
// Everything is deterministic for a given seed, so every run posts the same bytes.

/** Small, fast, seedable PRNG (mulberry32); returns floats in [0, 1). */
export function prng (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A version-4 UUID from the PRNG (reproducible, unlike crypto.randomUUID). */
export function uuidFrom (rand) {
  const hex = []
  for (let i = 0; i < 32; i++) hex.push(Math.floor(rand() * 16).toString(16))
  hex[12] = '4'
  hex[16] = '89ab'[Math.floor(rand() * 4)]
  const h = hex.join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** A float32 register value as Python would print it after struct.unpack('>f'). */
function f32 (x) {
  return String(Math.fround(x))
}

const TABLE_SIZE = 1024

/** TABLE_SIZE pre-formatted float32 values uniformly in [min, max], read by index when building records. */
function floatTable (rand, min, max) {
  const out = new Array(TABLE_SIZE)
  for (let i = 0; i < TABLE_SIZE; i++) out[i] = f32(min + rand() * (max - min))
  return out
}

/**
 * The 20 numeric fields of a v1 record. `metric` is the catalog metric the server should store
 * it as (null: not in the catalog, ignored by design). Ranges are inside the catalog's plausible
 * ranges after the driver's unit scaling (kW → W).
 */
export const V1_FIELDS = [
  // iDM raw ids the iDM driver map translates.
  { name: 'temp_outside', metric: 'temp_outdoor', min: -15, max: 20 },
  { name: 'temp_heat_pump_flow', metric: 'temp_flow', min: 28, max: 55 },
  { name: 'temp_heat_pump_return', metric: 'temp_return', min: 24, max: 48 },
  { name: 'temp_water_heater_top', metric: 'temp_hot_water', min: 42, max: 56 },
  { name: 'power_current', metric: 'power_heat', min: 1.5, max: 12 }, // kW thermal
  { name: 'power_current_draw', metric: 'power_electric', min: 0.3, max: 3.5 }, // kW electric
  { name: 'energy_heat_total', metric: 'energy_heat_total', counter: true },
  { name: 'status_heat_pump', metric: 'operating_mode', states: ['0', '1', '1', '1', '4'] }, // bitfield: off, heating, hot water
  // Canonical names (catalog units) for the metrics iDM has no register for.
  { name: 'energy_electric_total', metric: 'energy_electric_total', counter: true },
  { name: 'compressor_frequency', metric: 'compressor_frequency', min: 18, max: 95 },
  { name: 'pressure_high', metric: 'pressure_high', min: 14, max: 32 },
  { name: 'pressure_low', metric: 'pressure_low', min: 3, max: 11 },
  { name: 'fan_speed', metric: 'fan_speed', min: 250, max: 900 },
  { name: 'flow_rate', metric: 'flow_rate', min: 8, max: 32 },
  // iDM ids that no driver map (iDM or canonical) translates: received, counted as ignored.
  { name: 'temp_outside_avg', metric: null, min: -12, max: 18 },
  { name: 'temp_heat_storage', metric: null, min: 25, max: 50 },
  { name: 'humidity', metric: null, min: 30, max: 70 },
  { name: 'price_energy', metric: null, min: 0.18, max: 0.42 },
  { name: 'status_system', metric: null, states: ['1', '1', '1', '4'] },
  { name: 'temp_cold_storage', metric: null, min: 12, max: 22 },
]

export const V1_CATALOG_FIELDS = V1_FIELDS.filter((f) => f.metric !== null).length

/** Python json.dumps of a JS string we control (ASCII, nothing to escape). */
const q = (s) => `"${s}"`

/** Writes `n` as exactly `width` ASCII digits (zero-padded) at `offset`. */
function writeDigits (buf, offset, n, width) {
  for (let i = width - 1; i >= 0; i--) {
    buf[offset + i] = 48 + (n % 10)
    n = Math.floor(n / 10)
  }
}

const ID_PLACEHOLDER = '00000000-0000-4000-8000-000000000000'
const TS_PLACEHOLDER = '0000000000.000000' // epoch seconds, microseconds: fixed width
const KWH_PLACEHOLDER = '00000.000' // lifetime counter in kWh: fixed width

/**
 * Makes v1 (upstream 1.0.2) request bodies cheaply enough to run inside a benchmark loop:
 * `templates` bodies are serialised once, with fixed-width placeholders for the installation
 * id, the timestamps and the two energy counters; `make` copies one and writes those fields in
 * place (a memcpy plus ~18 kB of digits, tens of microseconds). So the values repeat across
 * batches, but every installation's timestamps and counters strictly increase, and no two
 * batches of an installation share a timestamp: nothing posted is a duplicate.
 *
 * Record n (0-based, across batches) of an installation is at `firstTsS + n × intervalS` plus
 * a sub-second part (logger clocks are not on whole seconds).
 */
export function v1BatchFactory ({ records, templates = 16, firstTsS, intervalS, seed }) {
  if (!Number.isInteger(firstTsS) || firstTsS < 1e9 || firstTsS >= 1e10) throw new Error('firstTsS must be a 10-digit integer')
  const rand = prng(seed)
  const tables = V1_FIELDS.map((f) => f.counter || f.states ? null : floatTable(rand, f.min, f.max))
  const head = `{"installation_id": "${ID_PLACEHOLDER}", "heatpump_model": "AERO SLM", "version": "1.0.2", "data": [`
  const idOffset = head.indexOf(ID_PLACEHOLDER)

  const made = []
  for (let t = 0; t < templates; t++) {
    const ts = new Uint32Array(records)
    const heat = new Uint32Array(records)
    const elec = new Uint32Array(records)
    const micros = new Uint32Array(records)
    let text = head
    for (let r = 0; r < records; r++) {
      if (r > 0) text += ', '
      text += '{"timestamp": '
      ts[r] = text.length
      text += TS_PLACEHOLDER
      micros[r] = Math.floor(rand() * 900_000)
      for (let k = 0; k < V1_FIELDS.length; k++) {
        const f = V1_FIELDS[k]
        text += `, ${q(f.name)}: `
        if (f.counter) {
          if (f.name === 'energy_heat_total') heat[r] = text.length
          else elec[r] = text.length
          text += KWH_PLACEHOLDER
        } else if (f.states) {
          text += f.states[Math.floor(rand() * f.states.length)]
        } else {
          text += tables[k][Math.floor(rand() * TABLE_SIZE)]
        }
      }
      text += '}'
    }
    text += ']}'
    made.push({ buf: Buffer.from(text, 'latin1'), ts, heat, elec, micros })
  }

  // Per installation index: counter bases in Wh (0.001 kWh): heat 40 000–90 000 kWh, electric a
  // quarter to a third of it, so both keep exactly 5 integer digits (JSON has no leading zeros).
  const bases = new Map()
  const baseOf = (inst) => {
    let b = bases.get(inst)
    if (b === undefined) {
      const r = prng(seed ^ (inst * 2654435761))
      const heatWh = 40_000_000 + Math.floor(r() * 50_000_000)
      b = { heatWh, elecWh: Math.floor(heatWh / (3 + r())) }
      bases.set(inst, b)
    }
    return b
  }

  return {
    /** Bytes of every body (all templates have the same length). */
    bytes: made[0].buf.length,
    /** Records an installation can send before its timestamps would leave [firstTsS, limitTsS). */
    capacity: (limitTsS) => Math.floor((limitTsS - firstTsS) / intervalS),
    /**
     * Body of batch number `batch` (0, 1, 2, …) of installation `inst` (an index) with id `id`.
     * @returns {Buffer} a fresh buffer, safe to hand to a request
     */
    make (inst, id, batch) {
      const tpl = made[(inst * 7 + batch) % made.length]
      const buf = Buffer.from(tpl.buf)
      buf.latin1Write(id, idOffset)
      const { heatWh, elecWh } = baseOf(inst)
      for (let r = 0; r < records; r++) {
        const n = batch * records + r
        const off = tpl.ts[r]
        writeDigits(buf, off, firstTsS + n * intervalS, 10)
        writeDigits(buf, off + 11, tpl.micros[r], 6)
        // Average 2.2 kW thermal and 0.7 kW electric: 0.6 and 0.2 Wh per second.
        const h = heatWh + Math.floor(n * intervalS * 0.6)
        const e = elecWh + Math.floor(n * intervalS * 0.2)
        writeDigits(buf, tpl.heat[r], Math.floor(h / 1000), 5)
        writeDigits(buf, tpl.heat[r] + 6, h % 1000, 3)
        writeDigits(buf, tpl.elec[r], Math.floor(e / 1000), 5)
        writeDigits(buf, tpl.elec[r] + 6, e % 1000, 3)
      }
      return buf
    },
  }
}

// ---- v2: one iDM Navigator 2.0 unit, 137 readable values per record (upstream.md §2.2) ----

const ENUM = {
  status_system: ['STANDBY', 'AUTOMATIC', 'AWAY', 'HOLIDAY', 'HOT_WATER_ONLY', 'HEATING_COOLING_ONLY'],
  status_smart_grid: ['GRID_BLOCKED_SOLAR_OFF', 'GRID_ALLOWED_SOLAR_OFF', 'GRID_UNUSED_SOLAR_ON', 'GRID_BLOCKED_SOLAR_ON'],
  mode_circuit_a: ['OFF', 'TIMED', 'NORMAL', 'ECO', 'MANUAL_HEAT', 'MANUAL_COOL'],
  mode_active_circuit_a: ['OFF', 'HEATING', 'COOLING'],
  mode_solar: ['AUTO', 'WATER', 'HEATING', 'WATER_HEATING', 'SOURCE_POOL'],
  mode_isc: ['NONE', 'HEATING', 'WATER', 'SOURCE'],
  status_bivalence: ['NONE', 'PARALLEL', 'ALTERNATIVE'],
}

/** v2 sensor ids with a generator kind: t temperature, p kW, e kWh counter, pc percent, b 0/1, u small int. */
const V2_SENSORS = [
  // temperatures: outdoor and storage, hot water, heat pump circuit, bivalence, GLT, solar, ISC
  ...['temp_outside', 'temp_outside_avg', 'temp_heat_storage', 'temp_cold_storage',
    'temp_water_heater_bottom', 'temp_water_heater_top', 'temp_water_heater_tap', 'temp_water_target',
    'temp_water_switch_on', 'temp_water_switch_off',
    'temp_heat_pump_flow', 'temp_heat_pump_return', 'temp_hgl_flow', 'temp_heat_source_input',
    'temp_heat_source_output', 'temp_air_input', 'temp_air_heat_exchanger', 'temp_air_input_2', 'temp_charge_sensor',
    'temp_second_source_bivalence_1', 'temp_second_source_bivalence_2', 'temp_third_source_bivalence_1',
    'temp_third_source_bivalence_2',
    'temp_external_outdoor', 'temp_external_request_heating', 'temp_external_request_cooling',
    'temp_request_glt_heizen', 'temp_request_glt_kuehlen_100', 'temp_heat_storage_glt', 'temp_cold_storage_glt',
    'temp_water_heater_bottom_target_glt', 'temp_water_heater_top_target_glt',
    'temp_solar_collector', 'temp_solar_collector_return', 'temp_solar_charge', 'temp_solar_reference',
    'temp_isc_charge_cooling', 'temp_isc_recooling',
    // circuit A
    'temp_flow_current_circuit_a', 'temp_room_circuit_a', 'temp_flow_target_circuit_a',
    'temp_room_target_heating_normal_circuit_a', 'temp_room_target_heating_eco_circuit_a',
    'temp_room_target_cooling_normal_circuit_a', 'temp_room_target_cooling_eco_circuit_a',
    'temp_threshold_heating_circuit_a', 'temp_threshold_cooling_circuit_a',
    'temp_flow_target_constant_circuit_a', 'temp_flow_target_cooling_circuit_a', 'curve_offset_a',
    'temp_external_room_a'].map((id) => [id, 't']),
  ['curve_circuit_a', 'u'],
  ...['power_current', 'power_current_draw', 'power_thermal', 'power_current_solar', 'power_resistive_heater',
    'power_solar_production', 'power_use_house', 'power_drain_battery'].map((id) => [id, 'p']),
  ...['energy_heat_heating', 'energy_heat_total', 'energy_heat_total_cooling', 'energy_heat_total_water',
    'energy_heat_total_defrost', 'energy_heat_total_passive_cooling', 'energy_heat_total_solar',
    'energy_heat_total_electric', 'energy_heat_total_flow_sensor'].map((id) => [id, 'e']),
  ...['charge_state_battery', 'humidity', 'temp_external_humidity', 'load_isc_cold_storage_pump',
    'load_isc_recooling_pump'].map((id) => [id, 'pc']),
  ...Object.keys(ENUM).map((id) => [id, 'enum']),
  ['status_heat_pump', 'hp'],
  ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => [`valve_state_${n}`, 'b']),
  ...['evu_lock_status', 'request_heating', 'request_cooling', 'request_water_status', 'request_water',
    'request_water_once', 'state_compressor_1', 'state_compressor_2', 'state_compressor_3', 'state_compressor_4',
    'state_charge_pump', 'state_brine_pump', 'state_ground_water_pump', 'pump_circulation',
    'request_pump_ground_water_external', 'request_pump_ground_water_max_external'].map((id) => [id, 'b']),
  ...['failure_id', 'failure_heat_pump', 'state_compressor_1_uchar', 'state_compressor_2_uchar',
    'state_compressor_3_uchar', 'state_compressor_4_uchar'].map((id) => [id, 'u']),
  ['price_energy', 'pc'],
]
// Cascade registers (`cascade_*`) fill the rest up to the 137 readable values of one unit.
for (let i = 1; V2_SENSORS.length < 137; i++) {
  for (const [id, kind] of [[`cascade_temp_flow_avg_${i}`, 't'], [`cascade_available_stages_${i}`, 'u'],
    [`cascade_running_stages_${i}`, 'u'], [`cascade_min_power_${i}`, 'pc'], [`cascade_max_power_${i}`, 'pc']]) {
    if (V2_SENSORS.length < 137) V2_SENSORS.push([id, kind])
  }
}
export const V2_VALUE_COUNT = V2_SENSORS.length

/** Catalog values the iDM map stores from one v2 record: the 8 mapped ids minus the lower-priority duplicates. */
export const V2_CATALOG_VALUES = 8

const HP_STATES = [[0, 'OFF'], [1, 'HEATING'], [1, 'HEATING'], [4, 'WATER'], [8, 'DEFROSTING']]

/**
 * One v2 (`data_version` "2.0") batch of one iDM unit: 500 records of `heatpumps: [hp-legacy]`
 * with 137 values each, enum sensors as `{"value", "text"}` objects (upstream.md §1.2).
 */
export function buildV2Batch ({ installationId, records, firstTsS, intervalS, seed }) {
  const rand = prng(seed)
  let heat = 40_000 + rand() * 10_000
  const parts = new Array(records)
  for (let r = 0; r < records; r++) {
    heat += rand() * 0.05
    const vals = []
    for (const [id, kind] of V2_SENSORS) {
      let v
      switch (kind) {
        case 't': v = f32(id === 'temp_outside' ? -10 + rand() * 25 : 5 + rand() * 50); break
        case 'p': v = f32(rand() * 9); break
        case 'e': v = f32(id === 'energy_heat_total' ? heat : rand() * 30_000); break
        case 'pc': v = f32(rand() * 100); break
        case 'b': v = rand() < 0.5 ? '0.0' : '1.0'; break
        case 'u': v = `${Math.floor(rand() * 5)}.0`; break
        case 'enum': {
          const texts = ENUM[id]
          const i = Math.floor(rand() * texts.length)
          v = `{"value": ${i}, "text": ${q(texts[i])}}`
          break
        }
        case 'hp': {
          // A single flag is an enum object; a combination (heating + water = 5) stays a float.
          const [code, text] = HP_STATES[Math.floor(rand() * HP_STATES.length)]
          v = rand() < 0.1 ? '5.0' : `{"value": ${code}, "text": ${q(text)}}`
          break
        }
      }
      vals.push(`${q(id)}: ${v}`)
    }
    const ts = firstTsS + r * intervalS + rand() * 0.9
    parts[r] = `{"timestamp": ${ts}, "heatpumps": [{"id": "hp-legacy", "manufacturer": "idm", "model": "navigator_2_0", "values": {${vals.join(', ')}}}]}`
  }
  const body = `{"installation_id": ${q(installationId)}, "heatpump_model": "AERO SLM", "version": "1.1.0", ` +
    `"data_version": "2.0", "data": [${parts.join(', ')}], "batch_index": 1, "total_records": ${records}}`
  return Buffer.from(body, 'latin1')
}
