import type { Envelope, Outbox } from '../outbox/outbox.js'
import type { SourceRecord } from './record.js'

export interface SinkOptions {
  readonly outbox: Pick<Outbox, 'append'>
  /** The agent's own installation (`state.json`'s `installationId`). */
  readonly installationId: string
  readonly envelope: Envelope
  /** Read at every flush: without consent, pending records are dropped, never queued. */
  readonly consentGiven: () => boolean
  /** Append at least this often (default 60 s) … */
  readonly flushMs?: number
  /** … or as soon as this many records wait (default 60). */
  readonly maxRecords?: number
  /** After each append (the uploader's nudge, anomaly scoring). */
  readonly afterAppend?: (installationId: string, records: readonly SourceRecord[]) => void
  readonly onError?: (err: unknown) => void
}

/** Most records held in memory while the outbox cannot take them. */
const MAX_PENDING = 10_000

export interface SinkStats {
  readonly pending: number
  /** Records committed to the outbox. */
  readonly appended: number
  /** Records dropped because consent was not given when they were due. */
  readonly droppedNoConsent: number
  /** Older outbox records the byte cap dropped while appending ours, and ours dropped while the outbox failed. */
  readonly droppedOldest: number
}

/**
 * Collects the records of the agent's own sources and commits them to the outbox in batches —
 * once a minute or every `maxRecords` — instead of one fsynced transaction per reading; the
 * uploader then sends them exactly like relayed logger records. A crash loses at most the
 * records of the current minute, which the heat pump will report again.
 *
 * Without consent, records are dropped (and counted) at the flush: nothing is shared before
 * consent, and the agent does not collect for later either — a relay, by contrast, queues,
 * because the logger would lose its data otherwise.
 */
export class ReadingSink {
  readonly #options: SinkOptions
  readonly #pending: SourceRecord[] = []
  #timer: NodeJS.Timeout | undefined
  #appended = 0
  #droppedNoConsent = 0
  #droppedOldest = 0
  #closed = false

  constructor (options: SinkOptions) {
    this.#options = options
    this.#timer = setInterval(() => { this.flush() }, options.flushMs ?? 60_000)
    this.#timer.unref()
  }

  push (record: SourceRecord): void {
    if (this.#closed) return
    // While the outbox refuses appends (disk full), memory stays bounded: the oldest go.
    if (this.#pending.length >= MAX_PENDING) {
      this.#pending.shift()
      this.#droppedOldest++
    }
    this.#pending.push(record)
    if (this.#pending.length >= (this.#options.maxRecords ?? 60)) this.flush()
  }

  /** Commits (or, without consent, drops) what waits. Never throws: errors go to `onError`, records stay pending. */
  flush (): void {
    if (this.#pending.length === 0) return
    const o = this.#options
    let consent: boolean
    try {
      consent = o.consentGiven()
    } catch (err) {
      o.onError?.(err)
      return
    }
    if (!consent) {
      this.#droppedNoConsent += this.#pending.length
      this.#pending.length = 0
      return
    }
    const records = this.#pending.slice()
    try {
      this.#droppedOldest += o.outbox.append(o.installationId, o.envelope, records.map((r) => JSON.stringify(r)))
    } catch (err) {
      o.onError?.(err)
      return
    }
    this.#pending.splice(0, records.length)
    this.#appended += records.length
    o.afterAppend?.(o.installationId, records)
  }

  stats (): SinkStats {
    return { pending: this.#pending.length, appended: this.#appended, droppedNoConsent: this.#droppedNoConsent, droppedOldest: this.#droppedOldest }
  }

  /** Stops the timer and commits what waits (call before closing the outbox). */
  close (): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    this.flush()
    this.#closed = true
  }
}
