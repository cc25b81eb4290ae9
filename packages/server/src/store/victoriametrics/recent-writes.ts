import type { Kysely } from 'kysely'
import type { Database } from '../schema.js'
import type { VictoriaMetricsClient } from './client.js'
import { IMPORT_PATH } from './series.js'

/** VictoriaMetrics' start time as its clock and ours may disagree by this much. */
const CLOCK_MARGIN_MS = 5000
/** Bodies re-sent per pass and per request. */
const REPLAY_CHUNK = 50

export interface RecentWritesOptions {
  /** How long a written body is kept after VictoriaMetrics has been up since it was written (VM_REPLAY_SECONDS). */
  readonly windowMs: number
  /** Milliseconds since the epoch. */
  readonly clock: () => number
}

/**
 * VictoriaMetrics answers a write before the samples are on disk: on a crash, the last seconds
 * of acknowledged writes are gone (its docs; measured with Debian's 1.79.5: a kill -9 four
 * seconds after a write lost it, thirteen seconds after did not). heatpool answers 2xx only for
 * data that survives, so each batch's body is also committed to the relational store with the
 * ingest transaction, and kept until VictoriaMetrics has been running for `windowMs` since it
 * was written. When VictoriaMetrics started after a body was written — it restarted, or
 * heatpool finds it so at start-up — the body is sent again (harmless: the same values at the
 * same timestamps, deduplicated by `-dedup.minScrapeInterval=1ms`) and kept for another window.
 *
 * `check()` runs every few seconds and before the first write after a failed one.
 */
export class RecentWrites {
  readonly #db: Kysely<Database>
  readonly #client: VictoriaMetricsClient
  readonly #options: RecentWritesOptions
  #checking: Promise<void> | undefined
  #unsure = true

  constructor (db: Kysely<Database>, client: VictoriaMetricsClient, options: RecentWritesOptions) {
    this.#db = db
    this.#client = client
    this.#options = options
  }

  /** Keeps a written body, inside the ingest transaction. */
  async record (trx: Kysely<Database>, body: string): Promise<void> {
    await trx.insertInto('recent_sample_writes').values({ body, created_at: this.#options.clock() }).execute()
  }

  /** A write failed: VictoriaMetrics may be restarting, so check before the next one. */
  markUnsure (): void {
    this.#unsure = true
  }

  /**
   * Before a write, inside its transaction: if a write failed since the last check, check (and
   * replay) first, in that transaction (the embedded store has one connection, which it holds).
   */
  async beforeWrite (trx: Kysely<Database>): Promise<void> {
    if (this.#unsure) await this.#check(trx)
  }

  /** Replays what VictoriaMetrics may have lost and forgets what it surely has. One at a time. */
  async check (): Promise<void> {
    this.#checking ??= this.#check(this.#db).finally(() => { this.#checking = undefined })
    return this.#checking
  }

  async #check (db: Kysely<Database>): Promise<void> {
    const startedAt = await this.#startTime()
    const now = this.#options.clock()
    const suspectBefore = startedAt + CLOCK_MARGIN_MS
    // Bodies written before VictoriaMetrics (re)started may have died with the previous process.
    for (;;) {
      const rows = await db.selectFrom('recent_sample_writes').select(['id', 'body'])
        .where('created_at', '<', suspectBefore).orderBy('id').limit(REPLAY_CHUNK).execute()
      if (rows.length === 0) break
      for (const row of rows) await this.#client.post(IMPORT_PATH, row.body, 'application/json')
      // Sent again now: kept for a whole window from now.
      await db.updateTable('recent_sample_writes').set({ created_at: Math.max(now, suspectBefore) })
        .where('id', 'in', rows.map((r) => r.id)).execute()
      if (rows.length < REPLAY_CHUNK) break
    }
    await db.deleteFrom('recent_sample_writes')
      .where('created_at', '<', now - this.#options.windowMs)
      .where('created_at', '>=', suspectBefore)
      .execute()
    this.#unsure = false
  }

  /** `vm_app_start_timestamp` (seconds) from VictoriaMetrics' own metrics, in milliseconds. */
  async #startTime (): Promise<number> {
    const text = await this.#client.get('/metrics')
    const match = /^vm_app_start_timestamp (\d+(?:\.\d+)?)$/m.exec(text) ?? /^process_start_time_seconds (\d+(?:\.\d+)?)$/m.exec(text)
    if (match === null) throw new Error('cannot find vm_app_start_timestamp in VictoriaMetrics\' /metrics')
    return Number(match[1]) * 1000
  }
}
