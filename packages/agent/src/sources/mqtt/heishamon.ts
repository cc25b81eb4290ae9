import { OperatingModeCode } from '@heatpool/protocol/catalog'
import type { Readings } from '../record.js'
import type { DecodedMessage, MqttDecoder } from './decoder.js'
import { asNumber } from './payload.js'

/** HeishaMon's default base topic (its "mqtt topic base" setting). */
export const HEISHAMON_DEFAULT_BASE = 'panasonic_heat_pump'

/** kgf/cm² → bar. */
const KGF_CM2_IN_BAR = 0.980665

/**
 * Plain-value topics under `<base>/main/` (HeishaMon's MQTT-Topics.md, TOP numbers), copied
 * one-to-one into a canonical metric.
 */
const DIRECT: Readonly<Record<string, { metric: keyof Readings, scale?: number }>> = {
  Pump_Flow: { metric: 'flow_rate' }, // TOP1, l/min
  Main_Inlet_Temp: { metric: 'temp_return' }, // TOP5, °C
  Main_Outlet_Temp: { metric: 'temp_flow' }, // TOP6, °C
  Compressor_Freq: { metric: 'compressor_frequency' }, // TOP8, Hz
  DHW_Temp: { metric: 'temp_hot_water' }, // TOP10, °C
  Outside_Temp: { metric: 'temp_outdoor' }, // TOP14, °C
  Fan1_Motor_Speed: { metric: 'fan_speed' }, // TOP62, R/min
  High_Pressure: { metric: 'pressure_high', scale: KGF_CM2_IN_BAR }, // TOP64, kgf/cm²
  Low_Pressure: { metric: 'pressure_low', scale: KGF_CM2_IN_BAR }, // TOP66, kgf/cm²
}

/** Thermal and electrical power are published per use (heating, cooling, hot water), in W. */
const PRODUCTION = ['Heat_Power_Production', 'Cool_Power_Production', 'DHW_Power_Production'] // TOP15, 38, 40
const CONSUMPTION = ['Heat_Power_Consumption', 'Cool_Power_Consumption', 'DHW_Power_Consumption'] // TOP16, 39, 41

/** Topics read only to derive the operating mode. */
const STATE = ['Heatpump_State', 'Operating_Mode_State', 'ThreeWay_Valve_State', 'Defrosting_State'] // TOP0, 4, 20, 26

/** Operating_Mode_State (TOP4) values whose room mode is cooling: 1 cool, 5 cool+DHW, 7 auto(cool), 8 auto(cool)+DHW. */
const COOLING_MODES = new Set([1, 5, 7, 8])

const USED = new Set([...Object.keys(DIRECT), ...PRODUCTION, ...CONSUMPTION, ...STATE])

function sum (latest: ReadonlyMap<string, number>, keys: readonly string[]): number | undefined {
  let total = 0
  for (const key of keys) {
    const v = latest.get(key)
    if (v === undefined) return undefined
    total += v
  }
  return total
}

/**
 * What the heat pump is doing, from the state topics: off when switched off or the compressor
 * stands still, defrost while defrosting, hot water while the 3-way valve is on the tank, else
 * heating or cooling by the room mode. Undefined when a topic it needs has not arrived.
 * (Operating_Mode_State alone is the *setting*, not the activity.)
 */
export function heishamonOperatingMode (latest: ReadonlyMap<string, number>): number | undefined {
  if (latest.get('Heatpump_State') === 0) return OperatingModeCode.off
  const defrost = latest.get('Defrosting_State')
  const compressor = latest.get('Compressor_Freq')
  const valve = latest.get('ThreeWay_Valve_State')
  if (defrost === undefined || compressor === undefined || valve === undefined) return undefined
  if (defrost === 1) return OperatingModeCode.defrost
  if (compressor === 0) return OperatingModeCode.off
  if (valve === 1) return OperatingModeCode.hot_water
  const mode = latest.get('Operating_Mode_State')
  if (mode === undefined || mode < 0) return undefined
  return COOLING_MODES.has(mode) ? OperatingModeCode.cooling : OperatingModeCode.heating
}

/**
 * HeishaMon (Panasonic Aquarea over CN-CNT): plain-text values on `<base>/main/<Topic_Name>`.
 * -1 means "unknown" on state topics (MQTT-Topics.md) and is dropped there.
 */
export function heishamonDecoder (base = HEISHAMON_DEFAULT_BASE): MqttDecoder {
  const prefix = `${base}/main/`
  return {
    id: 'heishamon',
    manufacturer: 'panasonic',
    subscriptions: [`${prefix}+`],
    decode (topic: string, payload: Buffer): DecodedMessage {
      if (!topic.startsWith(prefix)) return { values: [] }
      const name = topic.slice(prefix.length)
      if (!USED.has(name)) return { values: [] }
      const value = asNumber(payload.toString('utf8'))
      if (value === undefined) return { problem: `not a number: ${JSON.stringify(payload.toString('utf8').slice(0, 40))}` }
      if (STATE.includes(name) && value === -1) return { values: [] }
      return { values: [{ key: name, value }] }
    },
    readings (latest: ReadonlyMap<string, number>): Readings {
      const out: Readings = {}
      for (const [name, { metric, scale }] of Object.entries(DIRECT)) {
        const v = latest.get(name)
        if (v !== undefined) out[metric] = scale === undefined ? v : Math.round(v * scale * 1e6) / 1e6
      }
      const heat = sum(latest, PRODUCTION)
      if (heat !== undefined) out.power_heat = heat
      const electric = sum(latest, CONSUMPTION)
      if (electric !== undefined) out.power_electric = electric
      const mode = heishamonOperatingMode(latest)
      if (mode !== undefined) out.operating_mode = mode
      return out
    },
  }
}
