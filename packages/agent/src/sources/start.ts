import type { Logger } from 'pino'
import type { AgentConfig } from '../config.js'
import { MODBUS_DRIVERS } from '../modbus/drivers/index.js'
import type { Outbox } from '../outbox/outbox.js'
import { ModbusSource } from './modbus-source.js'
import { ebusdDecoder, EBUSD_DEFAULT_BASE } from './mqtt/ebusd.js'
import { heishamonDecoder, HEISHAMON_DEFAULT_BASE } from './mqtt/heishamon.js'
import { mappingDecoder, parseMapping } from './mqtt/mapping.js'
import type { MqttDecoder } from './mqtt/decoder.js'
import { MqttSource } from './mqtt/source.js'
import { sourceEnvelope, type SourceRecord } from './record.js'
import { ReadingSink, type SinkStats } from './sink.js'
import type { SourceStatusView } from './status.js'

export interface SourceDeps {
  readonly outbox: Pick<Outbox, 'append'>
  readonly installationId: string
  readonly consentGiven: () => boolean
  readonly afterAppend?: (installationId: string, records: readonly SourceRecord[]) => void
  readonly log: Logger
  readonly clock?: () => number
  /** Sink timing (tests use short ones). */
  readonly sink?: { readonly flushMs?: number, readonly maxRecords?: number }
}

export interface Sources {
  readonly modbus: ModbusSource | undefined
  readonly mqtt: MqttSource | undefined
  readonly sink: ReadingSink
  /** For `GET /api/status` under `sources`: one entry per configured source, and the sink. */
  status (): { readonly devices: SourceStatusView[], readonly sink: SinkStats }
  /** Stops polling and subscriptions, then commits what waits (before the outbox closes). */
  close (): Promise<void>
}

function decoderFor (config: AgentConfig): MqttDecoder {
  const base = config.AGENT_MQTT_TOPIC.trim().replace(/\/+$/, '')
  switch (config.AGENT_MQTT_SOURCE) {
    case 'heishamon': return heishamonDecoder(base || HEISHAMON_DEFAULT_BASE)
    case 'ebusd': return ebusdDecoder(base || EBUSD_DEFAULT_BASE)
    case 'mapping': return mappingDecoder(parseMapping(config.AGENT_MQTT_MAPPING))
  }
}

/**
 * Starts the sources the configuration names — a Modbus device (driver and host set), an MQTT
 * source (URL set) — feeding one sink that commits their records to the outbox under the
 * agent's own installation, as relayed records are. With neither configured, only the (idle)
 * sink exists.
 */
export async function startSources (config: AgentConfig, deps: SourceDeps): Promise<Sources> {
  const sink = new ReadingSink({
    outbox: deps.outbox,
    installationId: deps.installationId,
    envelope: sourceEnvelope(config.AGENT_HEATPUMP_MODEL),
    consentGiven: deps.consentGiven,
    afterAppend: deps.afterAppend,
    flushMs: deps.sink?.flushMs,
    maxRecords: deps.sink?.maxRecords,
    onError: (err) => { deps.log.error({ err }, 'cannot commit source readings to the outbox: kept in memory, retried') },
  })
  let modbus: ModbusSource | undefined
  const map = MODBUS_DRIVERS.get(config.AGENT_MODBUS_DRIVER.trim())
  const host = config.AGENT_MODBUS_HOST.trim()
  if (map !== undefined && host !== '') {
    const unit = config.AGENT_MODBUS_UNIT_ID.trim()
    modbus = new ModbusSource(map, {
      host,
      port: config.AGENT_MODBUS_PORT === 0 ? undefined : config.AGENT_MODBUS_PORT,
      unitId: unit === '' ? undefined : Number(unit),
      timeoutMs: config.AGENT_MODBUS_TIMEOUT_MS,
      intervalMs: config.AGENT_MODBUS_INTERVAL_S * 1000,
      now: deps.clock,
    }, sink, deps.log.child({ source: 'modbus' }))
    deps.log.info({ driver: map.id, target: modbus.status.target, intervalS: config.AGENT_MODBUS_INTERVAL_S }, 'polling the heat pump over Modbus TCP')
  }
  let mqtt: MqttSource | undefined
  if (config.AGENT_MQTT_URL.trim() !== '') {
    mqtt = await MqttSource.start(decoderFor(config), {
      url: config.AGENT_MQTT_URL.trim(),
      username: config.AGENT_MQTT_USERNAME,
      password: config.AGENT_MQTT_PASSWORD,
      clientId: config.AGENT_MQTT_CLIENT_ID,
      intervalMs: config.AGENT_MQTT_INTERVAL_S * 1000,
      clock: deps.clock,
    }, sink, deps.log.child({ source: 'mqtt' }))
  }
  return {
    modbus,
    mqtt,
    sink,
    status: () => ({ devices: [modbus, mqtt].flatMap((s) => (s === undefined ? [] : [s.status.view()])), sink: sink.stats() }),
    async close () {
      await Promise.all([modbus?.close(), mqtt?.close()])
      sink.close()
    },
  }
}
