import type { MqttClient } from 'mqtt'
import type { Logger } from 'pino'
import { LogThrottle } from '../../upload/throttle.js'
import { sourceHeatPump, sourceRecord } from '../record.js'
import type { ReadingSink } from '../sink.js'
import { SourceStatus } from '../status.js'
import { IntervalAssembler } from './assembler.js'
import type { MqttDecoder } from './decoder.js'

export interface MqttSourceOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker. */
  readonly url: string
  readonly username?: string
  readonly password?: string
  /** Empty: `heatpool-agent-<random>`. */
  readonly clientId?: string
  /** One record per interval. */
  readonly intervalMs: number
  /** How long a value not repeated by the publisher still counts (default: 10 intervals, at least 10 min). */
  readonly holdMs?: number
  /** Between reconnect attempts (mqtt.js reconnects by itself; default 5 s). */
  readonly reconnectMs?: number
  readonly clock?: () => number
}

/** The URL without user and password, for status and logs. */
export function redactUrl (url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return u.toString().replace(/\/$/, '')
  } catch {
    return '(invalid URL)'
  }
}

/**
 * Subscribes to a broker with mqtt.js (which reconnects by itself; its state is surfaced in
 * `status`), decodes each message with the source's decoder, keeps the latest value per key,
 * and once per interval hands one record to the sink. A malformed payload is counted and
 * logged (at most once a minute, with how many were suppressed); nothing a publisher sends can
 * stop the agent. mqtt.js is loaded only when an MQTT source is configured.
 */
export class MqttSource {
  readonly status: SourceStatus
  readonly #assembler: IntervalAssembler
  readonly #throttle: LogThrottle
  readonly #clock: () => number
  #client: MqttClient | undefined
  #timer: NodeJS.Timeout | undefined

  private constructor (readonly decoder: MqttDecoder, private readonly options: MqttSourceOptions, private readonly sink: ReadingSink, private readonly log: Logger) {
    this.#clock = options.clock ?? Date.now
    this.#assembler = new IntervalAssembler(options.holdMs ?? Math.max(10 * options.intervalMs, 600_000))
    this.#throttle = new LogThrottle(60_000, this.#clock)
    this.status = new SourceStatus('mqtt', decoder.id, redactUrl(options.url))
  }

  /** Connects (in the background: a broker that is down is retried) and starts the interval. */
  static async start (decoder: MqttDecoder, options: MqttSourceOptions, sink: ReadingSink, log: Logger): Promise<MqttSource> {
    const source = new MqttSource(decoder, options, sink, log)
    const { connect } = await import('mqtt')
    const client = connect(options.url, {
      clientId: options.clientId || `heatpool-agent-${Math.random().toString(16).slice(2, 10)}`,
      username: options.username || undefined,
      password: options.password || undefined,
      reconnectPeriod: options.reconnectMs ?? 5000,
      connectTimeout: 10_000,
      clean: true,
      // Subscribed again on every connect below (a clean session forgets subscriptions).
      resubscribe: false,
    })
    source.#client = client
    source.#wire(client)
    source.#timer = setInterval(() => { source.emit() }, options.intervalMs)
    source.#timer.unref()
    return source
  }

  /** The mqtt.js client (tests cut its socket to show a reconnect). */
  get client (): MqttClient | undefined {
    return this.#client
  }

  #wire (client: MqttClient): void {
    const s = this.status
    client.on('connect', () => {
      const wasDown = s.reconnects > 0 || s.lastError !== undefined
      s.connected = true
      client.subscribe([...this.decoder.subscriptions], { qos: 0 }, (err) => {
        if (err != null) {
          s.noteError(this.#clock(), `cannot subscribe: ${err.message}`)
          this.log.error({ err, topics: this.decoder.subscriptions }, 'cannot subscribe to the MQTT source topics')
        }
      })
      this.log.info({ broker: s.target, source: this.decoder.id, topics: this.decoder.subscriptions, again: wasDown }, 'MQTT source connected')
    })
    client.on('reconnect', () => { s.reconnects++ })
    client.on('close', () => {
      if (s.connected && this.#throttle.allow('close')) this.log.warn({ broker: s.target, suppressed: this.#throttle.suppressed('close') }, 'MQTT connection lost: reconnecting')
      s.connected = false
    })
    client.on('error', (err) => {
      s.noteError(this.#clock(), err.message)
      if (this.#throttle.allow('error')) this.log.warn({ broker: s.target, err: err.message, suppressed: this.#throttle.suppressed('error') }, 'MQTT source error')
    })
    client.on('message', (topic, payload) => { this.#message(topic, payload) })
  }

  #message (topic: string, payload: Buffer): void {
    const now = this.#clock()
    const s = this.status
    let decoded
    try {
      decoded = this.decoder.decode(topic, payload)
    } catch (err) {
      decoded = { problem: `decoder failed: ${(err as Error).message}` }
    }
    if ('problem' in decoded) {
      s.failures++
      s.noteError(now, `${topic}: ${decoded.problem}`)
      if (this.#throttle.allow('malformed')) this.log.warn({ topic, problem: decoded.problem, suppressed: this.#throttle.suppressed('malformed') }, 'malformed MQTT payload ignored')
      return
    }
    if (decoded.values.length === 0) return
    s.reads++
    for (const { key, value } of decoded.values) this.#assembler.set(key, value, now)
  }

  /** Hands the interval's record to the sink (called by the interval timer; tests call it directly). */
  emit (): void {
    const now = this.#clock()
    const latest = this.#assembler.take(now)
    if (latest === undefined) return
    const readings = this.decoder.readings(latest)
    const built = sourceRecord(sourceHeatPump('mqtt', this.decoder.id, this.decoder.manufacturer), now, readings)
    if (built === undefined) return
    this.status.noteReading(now, built.record.heatpumps[0].values)
    this.status.implausible += built.implausible.length
    this.status.records++
    this.sink.push(built.record)
  }

  /** Stops the interval, hands over what arrived in it, and disconnects. */
  async close (): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    this.emit()
    const client = this.#client
    this.#client = undefined
    if (client !== undefined) await client.endAsync(true)
    this.status.connected = false
  }
}
