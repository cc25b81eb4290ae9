import { MODBUS_DRIVERS } from '../modbus/drivers/index.js'
import { parseMapping } from './mqtt/mapping.js'

/**
 * Checks of the source settings for the agent's configuration (`config.ts`): each throws with
 * the reason a non-empty value cannot be used, so a typo stops the agent at start.
 */

export function checkModbusDriver (value: string): void {
  if (!MODBUS_DRIVERS.has(value.trim())) throw new Error(`unknown driver (known: ${[...MODBUS_DRIVERS.keys()].join(', ')})`)
}

export function checkUnitId (value: string): void {
  const text = value.trim()
  if (!/^\d+$/.test(text) || Number(text) > 255) throw new Error('must be a Modbus unit id from 0 to 255')
}

export function checkMqttUrl (value: string): void {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw new Error('must be a URL such as mqtt://192.168.1.10:1883')
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(url.protocol)) throw new Error('must start with mqtt://, mqtts://, ws:// or wss://')
}

export function checkMapping (value: string): void {
  parseMapping(value)
}

/** The settings the source checks read (a subset of the agent's configuration). */
export interface SourceSettings {
  readonly AGENT_MODBUS_DRIVER: string
  readonly AGENT_MODBUS_HOST: string
  readonly AGENT_MQTT_URL: string
  readonly AGENT_MQTT_SOURCE: string
  readonly AGENT_MQTT_MAPPING: string
}

/** Problems between keys: half a Modbus device, or a mapping source without its mapping. */
export function sourceSettingProblems (c: SourceSettings): string[] {
  const problems: string[] = []
  const driver = c.AGENT_MODBUS_DRIVER.trim()
  const host = c.AGENT_MODBUS_HOST.trim()
  if (driver !== '' && host === '') problems.push(`AGENT_MODBUS_HOST: say which device to poll with the ${driver} driver`)
  if (driver === '' && host !== '') problems.push('AGENT_MODBUS_DRIVER: say which driver reads the device at AGENT_MODBUS_HOST')
  if (c.AGENT_MQTT_URL.trim() !== '' && c.AGENT_MQTT_SOURCE === 'mapping' && c.AGENT_MQTT_MAPPING.trim() === '') {
    problems.push('AGENT_MQTT_MAPPING: AGENT_MQTT_SOURCE=mapping needs a mapping (JSON, or the path of a JSON file)')
  }
  return problems
}
