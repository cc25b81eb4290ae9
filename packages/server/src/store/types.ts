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
 * a retried or overlapping batch never double-counts. Implementations: SQLite (embedded);
 * VictoriaMetrics in the scale-out profile.
 */
export interface SampleStore {
  readonly kind: string
  /** Writes rows durably (inside the caller's transaction for the embedded store). */
  write (rows: readonly SampleRow[]): SampleWriteResult
  /** Samples of one heat pump with `fromMs <= ts < toMs`, oldest first. */
  read (heatPumpId: number, fromMs: number, toMs: number, metrics?: readonly MetricName[]): StoredSample[]
  /** Deletes samples older than `cutoffMs`; returns the number of rows deleted. */
  deleteOlderThan (cutoffMs: number): number
  deleteHeatPumps (heatPumpIds: readonly number[]): number
  /** Bytes used on disk by the samples, when the engine can tell. */
  sizeBytes (): number | null
}

/** The whole store as the app sees it. */
export interface Store {
  readonly db: Kysely<Database>
  readonly samples: SampleStore
  /** Runs `fn` in one transaction covering relational data and (embedded store) samples. */
  transaction<T> (fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>
  /** Throws when the store cannot serve requests. */
  ping (): Promise<void>
  close (): Promise<void>
}
