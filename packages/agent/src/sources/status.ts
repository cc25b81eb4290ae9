import type { Readings } from './record.js'

/** What `GET /api/status` shows of one source under `sources`. */
export interface SourceStatusView {
  readonly kind: 'modbus' | 'mqtt'
  /** Driver (`idm`, …) or MQTT source (`heishamon`, `ebusd`, `mapping`). */
  readonly driver: string
  /** Where it reads: `host:port unit N`, or the broker URL without credentials. */
  readonly target: string
  readonly connected: boolean
  readonly last_reading: { readonly at: string, readonly values: Readings } | null
  readonly last_error: { readonly at: string, readonly message: string } | null
  /** Modbus: polls that read something; MQTT: messages that gave a value. */
  readonly reads: number
  /** Modbus: polls that read nothing or lost the connection; MQTT: malformed or unusable messages. */
  readonly failures: number
  /** Records handed to the outbox sink. */
  readonly records: number
  /** Values outside the catalog's plausible range, passed on for the server to drop and count. */
  readonly implausible: number
  /** MQTT: connection attempts after a lost connection. */
  readonly reconnects?: number
}

/**
 * The live state of one source, as counters and the last reading/error; mutated by the source,
 * read by the local API. Time comes from the caller so tests control it.
 */
export class SourceStatus {
  connected = false
  reads = 0
  failures = 0
  records = 0
  implausible = 0
  reconnects = 0
  lastReading: { at: number, values: Readings } | undefined
  lastError: { at: number, message: string } | undefined

  constructor (readonly kind: 'modbus' | 'mqtt', readonly driver: string, readonly target: string) {}

  noteReading (at: number, values: Readings): void {
    this.lastReading = { at, values }
  }

  noteError (at: number, message: string): void {
    this.lastError = { at, message }
  }

  view (): SourceStatusView {
    return {
      kind: this.kind,
      driver: this.driver,
      target: this.target,
      connected: this.connected,
      last_reading: this.lastReading === undefined ? null : { at: new Date(this.lastReading.at).toISOString(), values: this.lastReading.values },
      last_error: this.lastError === undefined ? null : { at: new Date(this.lastError.at).toISOString(), message: this.lastError.message },
      reads: this.reads,
      failures: this.failures,
      records: this.records,
      implausible: this.implausible,
      ...(this.kind === 'mqtt' ? { reconnects: this.reconnects } : {}),
    }
  }
}
