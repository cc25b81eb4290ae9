import type { MetricName, MetricValues } from '@heatpool/protocol'
import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/** One heat pump's canonical values at one instant, ready to store. */
export interface SampleRow {
  readonly heatPumpId: number
  /** Milliseconds since the epoch. */
  readonly ts: number
  readonly values: MetricValues
}

/** One ingest batch for the sample store: rows of one installation's heat pumps. */
export interface SampleBatch {
  readonly installationId: string
  readonly rows: readonly SampleRow[]
  /**
   * Per heat pump of the batch, the newest timestamp already stored (`heat_pumps.last_sample_ts`,
   * read in the same transaction), or null when it has none. Rows after it are new; only rows at
   * or before it can collide with stored samples.
   */
  readonly lastSampleTs: ReadonlyMap<number, number | null>
}

export interface SampleWriteResult {
  /** Values that were new. */
  readonly stored: number
  /** Values already present for the same heat pump, metric and timestamp (kept as first written). */
  readonly duplicate: number
  /** New values per input row, in input order. */
  readonly storedPerRow: Uint32Array
}

export interface StoredSample {
  readonly ts: number
  readonly values: MetricValues
}

/**
 * Raw samples, keyed by (heat pump, metric, timestamp). The first value written for a key wins;
 * a retried or overlapping batch never double-counts. Implementations: SQLite (embedded,
 * `sqlite/sample-store.ts`) and VictoriaMetrics (`victoriametrics/sample-store.ts`); both pass
 * `test/contract`.
 */
export interface SampleStore {
  readonly kind: 'sqlite' | 'victoriametrics'
  /**
   * Writes a batch; resolves only when the engine confirmed the write. Call inside the ingest
   * transaction `trx`, after `Store.lockInstallation`, so that no other batch of the same
   * installation interleaves (and what the store keeps relationally commits with the batch).
   */
  write (batch: SampleBatch, trx: Kysely<Database>): Promise<SampleWriteResult>
  /** Samples of one heat pump with `fromMs <= ts < toMs`, oldest first, written ones included. */
  read (heatPumpId: number, fromMs: number, toMs: number, metrics?: readonly MetricName[]): Promise<StoredSample[]>
  /** Deletes samples older than `cutoffMs`; the number deleted, or null when the engine expires data itself. */
  deleteOlderThan (cutoffMs: number): Promise<number | null>
  /**
   * Erases an installation's samples: those of its heat pumps, and (VictoriaMetrics) any series
   * the upstream server wrote under its id. The number deleted, or null when the engine cannot tell.
   */
  eraseInstallation (installationId: string, heatPumpIds: readonly number[]): Promise<number | null>
  /** Bytes used on disk by the samples, when the engine can tell. */
  sizeBytes (): Promise<number | null>
  /** Throws when the engine cannot serve requests. */
  ping (): Promise<void>
  close (): Promise<void>
}

/** The relational part: installations, tokens, ledger, rollups, models, idempotency keys, settings. */
export interface RelationalStore {
  readonly dialect: 'sqlite' | 'postgres'
  readonly db: Kysely<Database>
  /** Runs `fn` in one transaction (for the embedded store it also covers the samples). */
  transaction<T> (fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>
  /**
   * Inside a transaction: waits until no other transaction — in this or another server process —
   * holds the same installation, and holds it until this one ends. PostgreSQL: an advisory
   * transaction lock; SQLite: nothing to do (one writer at a time).
   */
  lockInstallation (trx: Kysely<Database>, installationId: string): Promise<void>
  /** Throws when the database cannot serve requests. */
  ping (): Promise<void>
  close (): Promise<void>
}

/** The whole store as the app sees it. */
export interface Store extends RelationalStore {
  readonly samples: SampleStore
}

/** A storage engine that cannot serve now (down, slow, refusing): the request answers 503 with Retry-After. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}
