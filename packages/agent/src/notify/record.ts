import { existsSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../state.js'
import type { ChannelName } from './channel.js'
import { EMPTY_WATCH, type NotifyEvent, type WatchMemory } from './events.js'
import { MAX_ATTEMPTS, recentSends, retryDelayMs } from './policy.js'

export const RECORD_FILE = 'notifications.json'

/** One notification on one channel. */
export interface Delivery {
  /** `pending`: to send (at `nextAt`); `sent`: done for good; `failed`: given up after MAX_ATTEMPTS. */
  readonly state: 'pending' | 'sent' | 'failed'
  readonly attempts: number
  /** Not before this (ms since the epoch). */
  readonly nextAt: number
  readonly sentAt?: string
  /** Sent within a message of several (the hourly limit was reached). */
  readonly together?: number
  readonly error?: { readonly code: string, readonly detail: string }
}

export interface EventRecord {
  readonly event: NotifyEvent
  readonly recordedAt: string
  readonly channels: Partial<Record<ChannelName, Delivery>>
}

/** `notifications.json`: what was announced where, the local watch, and the hour's sends per channel. */
export interface NotifyRecord {
  readonly version: 1
  readonly events: Readonly<Record<string, EventRecord>>
  readonly watch: WatchMemory
  readonly sends: Partial<Record<ChannelName, readonly number[]>>
}

/** Finished one-shot events (anomalies, outages) are forgotten after this… */
const KEEP_FINISHED_MS = 90 * 86_400_000
/** …and the oldest finished ones beyond this many (eligibility and badges stay: they are few and would be announced again). */
const MAX_EVENTS = 2000
const PERMANENT: ReadonlySet<string> = new Set(['eligible', 'badge', 'model'])

const empty = (): NotifyRecord => ({ version: 1, events: {}, watch: EMPTY_WATCH, sends: {} })

const finished = (r: EventRecord) => Object.values(r.channels).every((d) => d.state !== 'pending')

/**
 * The notifier's memory on disk, rewritten atomically (temp file, fsync, rename) after every
 * change, so that a crash or restart never announces an event twice nor forgets one pending. A
 * file that cannot be read is set aside (`.unreadable-<time>`) and a fresh one started: the
 * worst case is an announcement repeated, never an agent that does not start.
 */
export class RecordStore {
  readonly #path: string
  #record: NotifyRecord
  /** Why the file was set aside at start, if it was. */
  readonly problem: string | null = null

  constructor (dataDir: string, nowMs: number) {
    this.#path = join(dataDir, RECORD_FILE)
    this.#record = empty()
    if (existsSync(this.#path)) {
      try {
        const read = JSON.parse(readFileSync(this.#path, 'utf8')) as NotifyRecord
        if (read.version !== 1 || typeof read.events !== 'object' || read.events === null) throw new Error('not a version 1 record')
        this.#record = { version: 1, events: read.events, watch: { ...EMPTY_WATCH, ...read.watch }, sends: read.sends ?? {} }
      } catch (err) {
        const aside = `${this.#path}.unreadable-${nowMs}`
        renameSync(this.#path, aside)
        this.problem = `cannot read ${RECORD_FILE} (${(err as Error).message}): set aside as ${aside}`
      }
    }
  }

  get (): NotifyRecord {
    return this.#record
  }

  /**
   * Adds the events not recorded yet, pending on `channels`; an event recorded before gains
   * the channels configured since (they have not had it). Returns the keys added to.
   */
  add (events: readonly NotifyEvent[], channels: readonly ChannelName[], nowMs: number): string[] {
    const touched: string[] = []
    const next = { ...this.#record.events }
    for (const event of events) {
      const known = next[event.key]
      const missing = channels.filter((c) => known?.channels[c] === undefined)
      if (missing.length === 0) continue
      const fresh = Object.fromEntries(missing.map((c) => [c, { state: 'pending', attempts: 0, nextAt: nowMs } satisfies Delivery]))
      next[event.key] = { event: known?.event ?? event, recordedAt: known?.recordedAt ?? new Date(nowMs).toISOString(), channels: { ...known?.channels, ...fresh } }
      touched.push(event.key)
    }
    if (touched.length > 0) this.#write({ ...this.#record, events: next })
    return touched
  }

  /** Keys pending on `channel` and due at `nowMs`, oldest first. */
  due (channel: ChannelName, nowMs: number): string[] {
    return Object.entries(this.#record.events)
      .filter(([, r]) => { const d = r.channels[channel]; return d?.state === 'pending' && d.nextAt <= nowMs })
      .sort(([, a], [, b]) => a.recordedAt.localeCompare(b.recordedAt))
      .map(([key]) => key)
  }

  /** `keys` went out on `channel` in one message. */
  sent (channel: ChannelName, keys: readonly string[], nowMs: number): void {
    const at = new Date(nowMs).toISOString()
    const together = keys.length > 1 ? { together: keys.length } : {}
    this.#update(channel, keys, (d) => ({ state: 'sent', attempts: d.attempts + 1, nextAt: d.nextAt, sentAt: at, ...together }), nowMs, true)
  }

  /** Sending `keys` on `channel` failed: tried again after the backoff, or given up after MAX_ATTEMPTS. Returns the keys given up. */
  failed (channel: ChannelName, keys: readonly string[], error: { code: string, detail: string }, retryAfterMs: number | undefined, nowMs: number): string[] {
    const givenUp: string[] = []
    this.#update(channel, keys, (d, key) => {
      const attempts = d.attempts + 1
      if (attempts >= MAX_ATTEMPTS) givenUp.push(key)
      return { state: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending', attempts, nextAt: nowMs + retryDelayMs(attempts, retryAfterMs), error }
    }, nowMs, false)
    return givenUp
  }

  setWatch (watch: WatchMemory): void {
    const w = this.#record.watch
    if (w.uploadsFailingSince === watch.uploadsFailingSince && w.outboxFullSince === watch.outboxFullSince) return
    this.#write({ ...this.#record, watch })
  }

  /** The send times of the last hour on `channel`. */
  sends (channel: ChannelName, nowMs: number): number[] {
    return recentSends(this.#record.sends[channel] ?? [], nowMs)
  }

  #update (channel: ChannelName, keys: readonly string[], change: (d: Delivery, key: string) => Delivery, nowMs: number, countSend: boolean): void {
    const events = { ...this.#record.events }
    for (const key of keys) {
      const r = events[key]
      const d = r?.channels[channel]
      if (r === undefined || d === undefined) continue
      events[key] = { ...r, channels: { ...r.channels, [channel]: change(d, key) } }
    }
    const sends = countSend ? { ...this.#record.sends, [channel]: [...recentSends(this.#record.sends[channel] ?? [], nowMs), nowMs] } : this.#record.sends
    this.#write({ ...this.#record, events: prune(events, nowMs), sends })
  }

  #write (record: NotifyRecord): void {
    this.#record = record
    writeFileAtomic(this.#path, JSON.stringify(record, null, 1))
  }
}

/** Drops finished one-shot events past KEEP_FINISHED_MS, then the oldest finished beyond MAX_EVENTS. Pure. */
export function prune (events: Readonly<Record<string, EventRecord>>, nowMs: number): Record<string, EventRecord> {
  const entries = Object.entries(events).filter(([, r]) => PERMANENT.has(r.event.kind) || !finished(r) || Date.parse(r.recordedAt) > nowMs - KEEP_FINISHED_MS)
  if (entries.length > MAX_EVENTS) {
    const removable = entries.filter(([, r]) => !PERMANENT.has(r.event.kind) && finished(r)).sort(([, a], [, b]) => a.recordedAt.localeCompare(b.recordedAt))
    const drop = new Set(removable.slice(0, entries.length - MAX_EVENTS).map(([k]) => k))
    return Object.fromEntries(entries.filter(([k]) => !drop.has(k)))
  }
  return Object.fromEntries(entries)
}
