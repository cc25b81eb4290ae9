/**
 * Modbus TCP transport (issue 9): reads the registers a driver's map names over modbus-serial and
 * decodes them. modbus-serial is loaded on first connect, so an agent that only relays never
 * loads it.
 *
 * - One request per planned block (`planReads`): FC03 for holding registers, FC04 for input.
 * - A block answered with a Modbus exception (e.g. illegal data address) is read again value by
 *   value, so one missing register does not lose the others; optional fields that fail are
 *   simply absent.
 * - A connection error or a request without an answer within `timeoutMs` marks the connection
 *   broken: the read stops there and reports it, and the next read reconnects, after a backoff
 *   that doubles with each failed attempt (capped) and resets on success.
 */
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js'
import { planReads, type BlockRead, type PlanOptions } from './plan.js'
import { decodeRegisters, pduAddress, registerCount, registerKey, type Readings, type RegisterKind, type RegisterMap } from './register-map.js'

/** The client class (typed as modbus-serial's declarations say; loaded at run time by `loadModbus`). */
type ModbusClass = typeof ModbusRTU
type Client = InstanceType<ModbusClass>

export interface ModbusTarget {
  readonly host: string
  /** Default: the map's `defaultPort`. */
  readonly port?: number
  /** Default: the map's `defaultUnitId`. */
  readonly unitId?: number
  /** For connecting and for each request (default 3000). */
  readonly timeoutMs?: number
}

export interface Clock {
  now (): number
  sleep (ms: number): Promise<void>
}

export interface ReaderOptions extends ModbusTarget {
  readonly plan?: PlanOptions
  /** Backoff before reconnecting: first delay (default 1000 ms), doubled per failure up to `maxMs` (default 60 s). */
  readonly backoff?: { readonly initialMs?: number, readonly maxMs?: number }
  readonly clock?: Clock
}

/** What went wrong: a block or value the device refused, or the connection. */
export interface ReadError {
  readonly kind: RegisterKind | 'connection'
  /** PDU address and register count of the request (not for connection errors). */
  readonly start?: number
  readonly count?: number
  /** The Modbus exception code, when the device answered with one. */
  readonly exception?: number
  readonly message: string
}

export interface ReadResult {
  readonly readings: Readings
  /** Every register read: `kind:pduAddress` → raw contents. */
  readonly raw: Map<string, number>
  readonly errors: ReadError[]
}

const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

/** A connection problem (as opposed to a Modbus exception from the device). */
class ConnectionLost extends Error {}

const exceptionCode = (err: unknown): number | undefined => {
  const code = (err as { modbusCode?: unknown } | null)?.modbusCode
  return typeof code === 'number' ? code : undefined
}

/** modbus-serial's own errors (timeout, port not open) are plain objects with a message. */
const messageOf = (err: unknown): string => {
  const message = (err as { message?: unknown } | null)?.message
  return typeof message === 'string' ? message : String(err)
}

async function loadModbus (): Promise<ModbusClass> {
  // `module.exports` is the class, and it names itself `default` as well.
  return (await import('modbus-serial')).default.default
}

/** Reads one device with one driver map, keeping one connection open between reads. */
export class ModbusReader {
  readonly host: string
  readonly port: number
  readonly unitId: number
  readonly timeoutMs: number
  private readonly plan: BlockRead[]
  private readonly clock: Clock
  private readonly initialBackoffMs: number
  private readonly maxBackoffMs: number
  private client: Client | undefined
  /** Rejects the request in flight when the connection drops. */
  private dropped: ((err: Error) => void) | undefined
  private failures = 0
  private lastFailure = 0

  constructor (readonly map: RegisterMap, options: ReaderOptions) {
    this.host = options.host
    this.port = options.port ?? map.defaultPort
    this.unitId = options.unitId ?? map.defaultUnitId
    this.timeoutMs = options.timeoutMs ?? 3000
    this.plan = planReads(map, options.plan)
    this.clock = options.clock ?? systemClock
    this.initialBackoffMs = options.backoff?.initialMs ?? 1000
    this.maxBackoffMs = options.backoff?.maxMs ?? 60_000
  }

  /** How long the next connection attempt waits (0 after a success). */
  get backoffMs (): number {
    return this.failures === 0 ? 0 : Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (this.failures - 1))
  }

  /** Reads every planned block once. Never throws: problems are in `errors`. */
  async read (): Promise<ReadResult> {
    const raw = new Map<string, number>()
    const errors: ReadError[] = []
    try {
      const client = await this.connect()
      for (const block of this.plan) await this.readBlock(client, block, raw, errors)
      this.failures = 0
    } catch (err) {
      if (!(err instanceof ConnectionLost)) throw err
      errors.push({ kind: 'connection', message: err.message })
    }
    return { readings: decodeRegisters(this.map, raw), raw, errors }
  }

  /**
   * Reads every `intervalMs` until the returned stop function is called, reporting each result
   * (errors included) to `onReadings`; a throwing callback does not stop the loop.
   */
  poll (intervalMs: number, onReadings: (result: ReadResult) => void | Promise<void>): () => Promise<void> {
    let stopped = false
    const loop = (async () => {
      while (!stopped) {
        const started = this.clock.now()
        const result = await this.read()
        if (stopped) break
        try {
          await onReadings(result)
        } catch {
          // The consumer's problem; keep polling.
        }
        const wait = intervalMs - (this.clock.now() - started)
        if (wait > 0 && !stopped) await this.clock.sleep(wait)
      }
    })()
    return async () => {
      stopped = true
      await loop
    }
  }

  /** Closes the connection (stop a poll first); a later `read` connects again. */
  async close (): Promise<void> {
    this.disconnect()
  }

  private async connect (): Promise<Client> {
    if (this.client?.isOpen === true) return this.client
    this.disconnect()
    if (this.failures > 0) {
      const wait = this.lastFailure + this.backoffMs - this.clock.now()
      if (wait > 0) await this.clock.sleep(wait)
    }
    const ModbusClient = await loadModbus()
    const client = new ModbusClient()
    // Errors surface through the requests; an unhandled 'error' event would end the process.
    client.on('error', () => {})
    client.on('close', () => {
      if (this.client === client) this.dropped?.(new ConnectionLost(`connection to ${this.host}:${this.port} closed`))
    })
    client.setTimeout(this.timeoutMs)
    try {
      await this.withTimeout(client.connectTCP(this.host, { port: this.port }), `no connection within ${this.timeoutMs} ms`)
    } catch (err) {
      client.destroy(() => {})
      this.noteFailure()
      throw new ConnectionLost(messageOf(err))
    }
    client.setID(this.unitId)
    this.client = client
    return client
  }

  private disconnect (): void {
    const client = this.client
    this.client = undefined
    if (client !== undefined) client.destroy(() => {})
  }

  private noteFailure (): void {
    this.failures++
    this.lastFailure = this.clock.now()
  }

  private withTimeout<T> (promise: Promise<T>, message: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ConnectionLost(message)), this.timeoutMs)
      this.dropped = reject
      promise.then(resolve, reject).finally(() => {
        clearTimeout(timer)
        this.dropped = undefined
      })
    })
  }

  /** One request; a Modbus exception is returned, anything else breaks the connection. */
  private async request (client: Client, kind: RegisterKind, start: number, count: number): Promise<number[] | { exception: number, message: string }> {
    try {
      const answer = kind === 'holding' ? client.readHoldingRegisters(start, count) : client.readInputRegisters(start, count)
      const { data } = await this.withTimeout(answer, `no answer within ${this.timeoutMs} ms`)
      if (data.length !== count) throw new ConnectionLost(`asked for ${count} registers at ${kind} ${start}, got ${data.length}`)
      return data
    } catch (err) {
      const exception = exceptionCode(err)
      if (exception !== undefined) return { exception, message: messageOf(err) }
      this.noteFailure()
      this.disconnect()
      throw err instanceof ConnectionLost ? err : new ConnectionLost(`${kind} ${start}+${count}: ${messageOf(err)}`)
    }
  }

  private async readBlock (client: Client, block: BlockRead, raw: Map<string, number>, errors: ReadError[]): Promise<void> {
    const answer = await this.request(client, block.kind, block.start, block.count)
    if (Array.isArray(answer)) {
      answer.forEach((word, i) => raw.set(registerKey(block.kind, block.start + i), word))
      return
    }
    const values = this.valuesIn(block)
    if (values.length <= 1) {
      if (!values.every((v) => v.optional)) errors.push({ kind: block.kind, start: block.start, count: block.count, exception: answer.exception, message: answer.message })
      return
    }
    // The device refused the block: read its values one by one, so the others still decode.
    for (const value of values) {
      const single = await this.request(client, block.kind, value.start, value.count)
      if (Array.isArray(single)) single.forEach((word, i) => raw.set(registerKey(block.kind, value.start + i), word))
      else if (!value.optional) errors.push({ kind: block.kind, start: value.start, count: value.count, exception: single.exception, message: single.message })
    }
  }

  /** The values (register spans of the map's fields) inside a block, each once, in address order. */
  private valuesIn (block: BlockRead): { start: number, count: number, optional: boolean }[] {
    const spans = new Map<number, { start: number, count: number, optional: boolean }>()
    for (const field of this.map.fields) {
      for (const part of field.parts) {
        const start = pduAddress(this.map, part)
        const count = registerCount(part.type)
        if (part.kind !== block.kind || start < block.start || start + count > block.start + block.count) continue
        const seen = spans.get(start)
        const optional = field.optional === true && (seen?.optional ?? true)
        spans.set(start, { start, count: Math.max(count, seen?.count ?? 0), optional })
      }
    }
    return [...spans.values()].sort((a, b) => a.start - b.start)
  }
}

/** Connects, reads once and closes. */
export async function readDevice (map: RegisterMap, options: ReaderOptions): Promise<ReadResult> {
  const reader = new ModbusReader(map, options)
  try {
    return await reader.read()
  } finally {
    await reader.close()
  }
}
