import type { MetricName, MetricValues } from '@heatpool/protocol'
import type { SampleBatch, SampleWriteResult, StoredSample } from '../types.js'
import type { NewSample } from './series.js'

/** The heat pumps of a batch whose rows may collide with stored samples, and the time span to read for each. */
export function collisionRanges (batch: SampleBatch): Map<number, { fromMs: number, toMs: number }> {
  const ranges = new Map<number, { fromMs: number, toMs: number }>()
  for (const row of batch.rows) {
    const last = batch.lastSampleTs.get(row.heatPumpId) ?? null
    if (last === null || row.ts > last) continue
    const r = ranges.get(row.heatPumpId)
    if (r === undefined) ranges.set(row.heatPumpId, { fromMs: row.ts, toMs: row.ts + 1 })
    else {
      if (row.ts < r.fromMs) r.fromMs = row.ts
      if (row.ts + 1 > r.toMs) r.toMs = row.ts + 1
    }
  }
  return ranges
}

export interface WritePlan extends SampleWriteResult {
  /** Only the values that are new, merged per heat pump and timestamp. */
  readonly samples: NewSample[]
}

/**
 * Decides which values of a batch are new, the way the SQLite store's primary key does: a value
 * is new unless its (heat pump, metric, timestamp) is already stored (`stored`, read for the
 * collision ranges) or came earlier in the same batch. The first value of a key wins.
 */
export function planWrite (batch: SampleBatch, stored: ReadonlyMap<number, readonly StoredSample[]>): WritePlan {
  return stored.size === 0 && isAppendOnly(batch) ? planAppend(batch) : planGeneral(batch, stored)
}

/**
 * Whether every row comes after its heat pump's newest stored sample and after the batch's
 * previous row of the same heat pump: then no value can be a duplicate (the usual batch).
 */
function isAppendOnly (batch: SampleBatch): boolean {
  const newest = new Map<number, number>()
  for (const row of batch.rows) {
    const before = newest.get(row.heatPumpId) ?? batch.lastSampleTs.get(row.heatPumpId) ?? null
    if (before !== null && row.ts <= before) return false
    newest.set(row.heatPumpId, row.ts)
  }
  return true
}

/** Every value is new: the rows as they are. */
function planAppend (batch: SampleBatch): WritePlan {
  const storedPerRow = new Uint32Array(batch.rows.length)
  const samples: NewSample[] = []
  let storedCount = 0
  for (let i = 0; i < batch.rows.length; i++) {
    const row = batch.rows[i] as SampleBatch['rows'][number]
    let n = 0
    for (const m in row.values) if (row.values[m as MetricName] !== undefined) n++
    if (n === 0) continue
    storedPerRow[i] = n
    storedCount += n
    samples.push(row)
  }
  return { stored: storedCount, duplicate: 0, storedPerRow, samples }
}

function planGeneral (batch: SampleBatch, stored: ReadonlyMap<number, readonly StoredSample[]>): WritePlan {
  const known = new Map<number, Map<number, MetricValues>>()
  for (const [hp, samples] of stored) {
    const byTs = new Map<number, MetricValues>()
    for (const s of samples) byTs.set(s.ts, { ...s.values })
    known.set(hp, byTs)
  }
  const merged = new Map<string, { heatPumpId: number, ts: number, values: MetricValues }>()
  const storedPerRow = new Uint32Array(batch.rows.length)
  let storedCount = 0
  let duplicate = 0
  for (let i = 0; i < batch.rows.length; i++) {
    const row = batch.rows[i] as SampleBatch['rows'][number]
    let byTs = known.get(row.heatPumpId)
    if (byTs === undefined) known.set(row.heatPumpId, byTs = new Map())
    let present = byTs.get(row.ts)
    if (present === undefined) byTs.set(row.ts, present = {})
    let added = 0
    for (const m in row.values) {
      const metric = m as MetricName
      const v = row.values[metric]
      if (v === undefined) continue
      if (present[metric] !== undefined) {
        duplicate++
        continue
      }
      present[metric] = v
      const key = `${row.heatPumpId}:${row.ts}`
      let sample = merged.get(key)
      if (sample === undefined) merged.set(key, sample = { heatPumpId: row.heatPumpId, ts: row.ts, values: {} })
      sample.values[metric] = v
      added++
    }
    storedPerRow[i] = added
    storedCount += added
  }
  return { stored: storedCount, duplicate, storedPerRow, samples: [...merged.values()] }
}
