import type { Logger } from 'pino'
import type { RegisterMap } from '../modbus/register-map.js'
import { ModbusReader, type ReaderOptions, type ReadResult } from '../modbus/transport.js'
import { sourceHeatPump, sourceRecord } from './record.js'
import type { ReadingSink } from './sink.js'
import { SourceStatus } from './status.js'

export interface ModbusSourceOptions extends ReaderOptions {
  readonly intervalMs: number
  /** Time records are stamped with (the reader's `clock` paces the polls). */
  readonly now?: () => number
}

/**
 * Polls one heat pump over Modbus TCP (`ModbusReader.poll`: reconnects with backoff by itself)
 * and hands one record per poll — the canonical readings at the poll's start — to the sink.
 * A poll that reads nothing gives no record; the connection state, the last reading and the
 * last error are kept for `GET /api/status`.
 */
export class ModbusSource {
  readonly status: SourceStatus
  readonly #reader: ModbusReader
  readonly #stop: () => Promise<void>
  readonly #clock: () => number

  constructor (readonly map: RegisterMap, options: ModbusSourceOptions, private readonly sink: ReadingSink, private readonly log: Logger) {
    this.#reader = new ModbusReader(map, options)
    this.#clock = options.now ?? Date.now
    this.status = new SourceStatus('modbus', map.id, `${this.#reader.host}:${this.#reader.port} unit ${this.#reader.unitId}`)
    const heatPump = sourceHeatPump('modbus', map.id, map.manufacturer)
    let wasFailing = false
    // Stamped when the read's result arrives (a read takes well under a second on a LAN).
    this.#stop = this.#reader.poll(options.intervalMs, (result) => {
      this.#take(result, this.#clock(), heatPump, wasFailing)
      wasFailing = result.raw.size === 0
    })
  }

  #take (result: ReadResult, at: number, heatPump: ReturnType<typeof sourceHeatPump>, wasFailing: boolean): void {
    const s = this.status
    const connectionError = result.errors.find((e) => e.kind === 'connection')
    s.connected = connectionError === undefined
    if (result.errors.length > 0) {
      const first = result.errors[0]
      s.noteError(at, first?.kind === 'connection' ? first.message : result.errors.map((e) => `${e.kind} ${e.start ?? ''}+${e.count ?? ''}: ${e.message}`).join('; '))
    }
    if (result.raw.size === 0) {
      s.failures++
      // One line when the device goes away, one when it is back: not one per poll.
      if (!wasFailing) this.log.warn({ driver: this.map.id, target: s.target, error: s.lastError?.message }, 'cannot read the heat pump: will retry')
      return
    }
    if (wasFailing) this.log.info({ driver: this.map.id, target: s.target }, 'heat pump readable again')
    s.reads++
    s.noteReading(at, result.readings)
    const built = sourceRecord(heatPump, at, result.readings)
    if (built === undefined) return
    s.implausible += built.implausible.length
    s.records++
    this.sink.push(built.record)
  }

  /** Stops polling after the read in flight and closes the connection. */
  async close (): Promise<void> {
    await this.#stop()
    await this.#reader.close()
    this.status.connected = false
  }
}
