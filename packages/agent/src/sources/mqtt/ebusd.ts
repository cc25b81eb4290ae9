import { OperatingModeCode } from '@heatpool/protocol/catalog'
import type { Readings } from '../record.js'
import type { DecodedMessage, MqttDecoder } from './decoder.js'
import { asNumber, parsePayload, unwrapValue } from './payload.js'

/** ebusd's default `--mqtttopic` base (`ebusd/%circuit/%name`). */
export const EBUSD_DEFAULT_BASE = 'ebusd'

/**
 * Messages of a Vaillant aroTHERM plus system (message names from john30/ebusd-configuration
 * `src/vaillant/08.hmu.tsp`, `broadcast.tsp`; `*` = any circuit, for the controller's names,
 * which differ by controller: ctlv2, 700, …), each as `circuit/name` → metric and scale.
 * Earlier entries for the same metric win.
 */
const MESSAGES: readonly { readonly key: string, readonly metric: keyof Readings, readonly scale?: number }[] = [
  { key: 'hmu/RunDataFlowTemp', metric: 'temp_flow' },
  { key: 'hmu/FlowTemp', metric: 'temp_flow' },
  { key: 'hmu/RunDataReturnTemp', metric: 'temp_return' },
  { key: 'broadcast/Outsidetemp', metric: 'temp_outdoor' },
  { key: '*/DisplayedOutsideTemp', metric: 'temp_outdoor' },
  { key: '*/HwcStorageTemp', metric: 'temp_hot_water' },
  // W; CurrentConsumedPower is kW in tenths (ebusd applies the divisor).
  { key: 'hmu/RunDataElectricPowerConsumption', metric: 'power_electric' },
  { key: 'hmu/CurrentConsumedPower', metric: 'power_electric', scale: 1000 },
  { key: 'hmu/ConsumptionTotal', metric: 'energy_electric_total' },
  { key: 'hmu/RunDataFan1Speed', metric: 'fan_speed' },
  { key: 'hmu/RunDataHighPressure', metric: 'pressure_high' },
]

/** Raw keys read only to derive other metrics. */
const YIELD = 'hmu/CurrentYieldPower'
const CONSUMED = 'hmu/CurrentConsumedPower'
const STATUS = 'hmu/RunDataStatuscode'

/**
 * RunDataStatuscode (08.hmu.tsp `Values_RunDataStatuscode`, `_templates.tsp` `Values_hmucode`)
 * → operating mode, for the codes whose meaning is unambiguous; the others (pre-run, overrun,
 * blocked, immersion heater, faults) give no value.
 */
const STATUS_CODES: Readonly<Record<number, number>> = {
  100: OperatingModeCode.off, // Standby
  104: OperatingModeCode.heating, // Heating_Compressor_active
  114: OperatingModeCode.cooling, // Cooling_Compressor_active
  134: OperatingModeCode.hot_water, // Warm_Water_Compressor_active
  516: OperatingModeCode.defrost, // Deicing_active
}
const STATUS_NAMES: Readonly<Record<string, number>> = {
  standby: 100,
  heating_compressor_active: 104,
  heat_compressor_active: 104,
  cooling_compressor_active: 114,
  cool_compressor_active: 114,
  warm_water_compressor_active: 134,
  hwc_compressor_active: 134,
  deicing_active: 516,
}

const byName = new Map<string, string>()
for (const m of MESSAGES) if (m.key.startsWith('*/')) byName.set(m.key.slice(2), m.key)
const exact = new Set([...MESSAGES.map((m) => m.key), YIELD, CONSUMED, STATUS])

/** The key a message is assembled under, or undefined when it is not one we map. */
function keyOf (circuit: string, name: string): string | undefined {
  const full = `${circuit}/${name}`
  if (exact.has(full)) return full
  return byName.get(name)
}

/** Sensor states (`Values_sensor`) other than ok mean the value is not a measurement. */
const SENSOR_FAULT = /^(circuit|cutoff)$/i

/**
 * The first value of an ebusd message, in the shapes ebusd publishes: plain text as its `read`
 * command prints it (`36.5` or `36.5;ok`, fields separated by `;`), and with `--mqttjson`
 * objects of fields — `{"temp": {"value": 36.5}, "sensor": {"value": "ok"}}`, unnamed fields
 * by index `{"0": {"name": "", "value": 36.5}}` — or the condensed `{"temp": 36.5}`, plus a
 * bare JSON number or `{"value": 36.5}`. A sensor field reporting a fault makes it no value.
 */
export function ebusdValue (payload: Buffer): number | string | { problem: string } {
  const doc = parsePayload(payload)
  if (typeof doc === 'number') return doc
  if (typeof doc === 'string') {
    const fields = doc.split(';').map((f) => f.trim())
    if (fields.some((f) => SENSOR_FAULT.test(f))) return { problem: `sensor fault: ${doc.slice(0, 40)}` }
    const first = fields[0] ?? ''
    if (first === '') return { problem: 'empty payload' }
    return asNumber(first) ?? first
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { problem: 'not an ebusd value' }
  if (Object.hasOwn(doc, 'value') && (typeof (doc as { value: unknown }).value !== 'object')) {
    const v = (doc as { value: unknown }).value
    return typeof v === 'number' || typeof v === 'string' ? v : { problem: 'value is not a number or text' }
  }
  let found: number | string | undefined
  for (const [field, raw] of Object.entries(doc as Record<string, unknown>)) {
    const v = unwrapValue(raw)
    if (field === 'sensor') {
      if (typeof v === 'string' && SENSOR_FAULT.test(v)) return { problem: `sensor fault: ${v}` }
      continue
    }
    if (found === undefined && (typeof v === 'number' || typeof v === 'string')) found = v
  }
  return found ?? { problem: 'no field with a value' }
}

/**
 * ebusd's MQTT output for a Vaillant aroTHERM plus: `<base>/<circuit>/<name>` per decoded eBUS
 * message. Heat output is derived as environmental yield + electrical input (the HMU reports
 * `CurrentYieldPower` as "yielded energy from the environment"): an energy balance, not a
 * reading — see docs/DRIVERS.md.
 */
export function ebusdDecoder (base = EBUSD_DEFAULT_BASE): MqttDecoder {
  const prefix = `${base}/`
  return {
    id: 'ebusd',
    manufacturer: 'vaillant',
    subscriptions: [`${prefix}+/+`],
    decode (topic: string, payload: Buffer): DecodedMessage {
      if (!topic.startsWith(prefix)) return { values: [] }
      const [circuit, name, ...rest] = topic.slice(prefix.length).split('/')
      if (circuit === undefined || name === undefined || rest.length > 0) return { values: [] }
      const key = keyOf(circuit, name)
      if (key === undefined) return { values: [] }
      const v = ebusdValue(payload)
      if (typeof v === 'object') return v
      if (key === STATUS) {
        const code = typeof v === 'number' ? v : STATUS_NAMES[v.toLowerCase()] ?? -1
        return { values: [{ key, value: code }] }
      }
      const n = typeof v === 'number' ? v : asNumber(v)
      if (n === undefined || !Number.isFinite(n)) return { problem: `not a number: ${JSON.stringify(String(v).slice(0, 40))}` }
      return { values: [{ key, value: n }] }
    },
    readings (latest: ReadonlyMap<string, number>): Readings {
      const out: Readings = {}
      for (const { key, metric, scale } of MESSAGES) {
        if (out[metric] !== undefined) continue
        const v = latest.get(key)
        if (v !== undefined) out[metric] = scale === undefined ? v : Math.round(v * scale * 1e6) / 1e6
      }
      const yieldKw = latest.get(YIELD)
      const consumedKw = latest.get(CONSUMED)
      if (yieldKw !== undefined && consumedKw !== undefined) out.power_heat = Math.round((yieldKw + consumedKw) * 1000 * 1e6) / 1e6
      const status = latest.get(STATUS)
      const mode = status === undefined ? undefined : STATUS_CODES[status]
      if (mode !== undefined) out.operating_mode = mode
      return out
    },
  }
}
