import type { Config } from '../config.js'
import { DAY_MS } from '../ledger/contribution.js'
import { pruneResponses } from '../store/idempotency.js'
import type { Store } from '../store/types.js'

export interface RetentionResult {
  /** null when the sample store expires samples itself (VictoriaMetrics' -retentionPeriod). */
  readonly samplesDeleted: number | null
  readonly idempotencyKeysDeleted: number
  /** Samples older than this (ms since the epoch) are gone. */
  readonly cutoff: number
}

/** Deletes raw samples past `RETENTION_DAYS` and idempotency records past their TTL. */
export async function runRetention (store: Store, config: Config, nowMs: number): Promise<RetentionResult> {
  const cutoff = nowMs - config.RETENTION_DAYS * DAY_MS
  const samplesDeleted = await store.transaction(async () => await store.samples.deleteOlderThan(cutoff))
  const idempotencyKeysDeleted = await pruneResponses(store.db, nowMs - config.IDEMPOTENCY_TTL_HOURS * 3_600_000)
  return { samplesDeleted, idempotencyKeysDeleted, cutoff }
}
