import { createHash } from 'node:crypto'
import type { HeatPumpModel } from '@heatpool/protocol'
import { toV1Record, type LegacyRecord } from './join.js'
import { decodeModelLabel } from './layout.js'
import type { TimeRange } from './windows.js'

/** Records per submit batch: what upstream loggers sent per request, and the unit of one transaction. */
export const MAX_BATCH_RECORDS = 500

/** One window's records as a submit batch, ready for `SubmitService.submit`. */
export interface LegacyBatch {
  readonly model: HeatPumpModel
  /** Upstream v1 flat records. */
  readonly data: readonly Record<string, unknown>[]
  /** sha256 (hex) of the model label and the records. */
  readonly bodyHash: string
  /**
   * Deterministic per installation (SubmitService scopes keys to it), window, batch index and
   * content: a re-run replays the stored response while it is kept, and content that changed
   * since (a window still being written) is ingested, its known samples counted as duplicates.
   */
  readonly idempotencyKey: string
  /**
   * The newest timestamp of the batch: history counts as contributed on time, and nothing in
   * the batch is "in the future" or "too old" relative to it.
   */
  readonly receivedAt: number
}

/**
 * Cuts one window's records (oldest first) into batches of at most `max` records, also where the
 * `model` label changes, so every batch carries the model its records were sent with and the
 * installation ends with the newest one. Pure.
 */
export function planBatches (records: readonly LegacyRecord[], window: TimeRange, max = MAX_BATCH_RECORDS): LegacyBatch[] {
  const groups: LegacyRecord[][] = []
  let current: LegacyRecord[] = []
  for (const r of records) {
    const last = current[current.length - 1]
    if (current.length >= max || (last !== undefined && last.modelLabel !== r.modelLabel)) {
      groups.push(current)
      current = []
    }
    current.push(r)
  }
  if (current.length > 0) groups.push(current)
  return groups.map((group, index) => {
    const first = group[0] as LegacyRecord
    const data = group.map(toV1Record)
    const bodyHash = createHash('sha256').update(JSON.stringify({ model: first.modelLabel, data })).digest('hex')
    return {
      model: decodeModelLabel(first.modelLabel ?? undefined),
      data,
      bodyHash,
      idempotencyKey: `legacy:${window.fromMs}-${window.toMs}:${index}:${bodyHash.slice(0, 16)}`,
      receivedAt: Math.max(...group.map((r) => r.ts)),
    }
  })
}
