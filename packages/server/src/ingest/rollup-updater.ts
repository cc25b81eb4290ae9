import type { MetricValues } from '@heatpool/protocol'
import type { Kysely } from 'kysely'
import { DAY_MS } from '../ledger/contribution.js'
import { accumulateHours, HOUR_MS, hourOf, type RollupSums } from '../rollups/rollup.js'
import { rebuildDays, writeHours } from '../store/rollups.js'
import type { Database } from '../store/schema.js'
import type { SampleRow, SampleStore, StoredSample } from '../store/types.js'

/** What the relational store knows of a heat pump's newest stored sample before the batch. */
export interface HeatPumpTail {
  readonly lastSampleTs: number | null
  /** JSON of the values at `lastSampleTs`, when recorded (null for heat pumps stored before migration 003). */
  readonly lastSampleValues: string | null
}

/** Reads the tails of these heat pumps, inside the ingest transaction. */
export async function readTails (db: Kysely<Database>, heatPumpIds: Iterable<number>): Promise<Map<number, HeatPumpTail>> {
  const ids = [...new Set(heatPumpIds)]
  const tails = new Map<number, HeatPumpTail>()
  if (ids.length === 0) return tails
  const rows = await db.selectFrom('heat_pumps').select(['id', 'last_sample_ts', 'last_sample_values']).where('id', 'in', ids).execute()
  for (const r of rows) {
    tails.set(Number(r.id), { lastSampleTs: r.last_sample_ts === null ? null : Number(r.last_sample_ts), lastSampleValues: r.last_sample_values })
  }
  return tails
}

/**
 * Brings the hourly and daily rollups of every heat pump in a batch up to date, inside the
 * ingest transaction, and moves each heat pump's tail. The common case — new samples after
 * everything stored so far — adds the new intervals' contributions from the batch itself and the
 * recorded newest sample before it, without reading the sample store. Anything else
 * (back-filled, overlapping or out-of-order data) recomputes each hour the new samples can affect
 * from the sample store. Both give the same sums (rollups/rollup.ts).
 */
export async function updateRollups (
  db: Kysely<Database>,
  samples: SampleStore,
  rows: readonly SampleRow[],
  storedPerRow: ArrayLike<number>,
  tails: ReadonlyMap<number, HeatPumpTail>,
  maxGapMs: number,
): Promise<void> {
  const batchByHeatPump = newSamplesByHeatPump(rows, storedPerRow)
  for (const [heatPumpId, batch] of batchByHeatPump) {
    const minTs = (batch[0] as StoredSample).ts
    const maxTs = (batch[batch.length - 1] as StoredSample).ts
    const tail = tails.get(heatPumpId) ?? { lastSampleTs: null, lastSampleValues: null }
    const last = tail.lastSampleTs
    let hours: Map<number, RollupSums>
    let newest: StoredSample | undefined
    if (last === null || minTs > last) {
      const previous = last === null ? [] : await previousSample(samples, heatPumpId, last, tail.lastSampleValues)
      const from = last ?? minTs
      hours = accumulateHours([...previous, ...batch], {
        fromMs: from,
        toMs: maxTs + 1,
        recordsFromMs: last === null ? minTs : last + 1,
        maxGapMs,
      }, new Map())
      await writeHours(db, heatPumpId, hours, 'add')
      newest = batch[batch.length - 1]
    } else {
      const touched = new Set<number>()
      for (const s of batch) {
        for (let h = hourOf(s.ts - maxGapMs); h <= hourOf(s.ts + maxGapMs); h++) touched.add(h)
      }
      const firstHour = Math.min(...touched)
      const lastHour = Math.max(...touched)
      const stored = await samples.read(heatPumpId, firstHour * HOUR_MS - maxGapMs, (lastHour + 1) * HOUR_MS + maxGapMs)
      const all = accumulateHours(stored, {
        fromMs: firstHour * HOUR_MS,
        toMs: (lastHour + 1) * HOUR_MS,
        maxGapMs,
      }, new Map())
      hours = new Map([...all].filter(([h]) => touched.has(h)))
      await writeHours(db, heatPumpId, hours, 'replace')
      // The newest sample may have gained values (filled in) or moved; the read holds it either way.
      const newestTs = Math.max(last, maxTs)
      newest = stored.find((s) => s.ts === newestTs)
    }
    await rebuildDays(db, heatPumpId, new Set([...hours.keys()].map((h) => Math.floor(h * HOUR_MS / DAY_MS))))
    if (newest !== undefined) {
      await db.updateTable('heat_pumps')
        .set({ last_sample_ts: newest.ts, last_sample_values: JSON.stringify(newest.values) })
        .where('id', '=', heatPumpId)
        .execute()
    }
  }
}

/** The stored sample at `last`: from the recorded JSON, or (heat pumps from before it was recorded) the sample store. */
async function previousSample (samples: SampleStore, heatPumpId: number, last: number, recorded: string | null): Promise<StoredSample[]> {
  if (recorded !== null) return [{ ts: last, values: JSON.parse(recorded) as MetricValues }]
  return samples.read(heatPumpId, last, last + 1)
}

/**
 * The batch's new values per heat pump as stored samples, oldest first: rows with the same
 * timestamp merge, the first value of each metric winning (as the sample stores keep them).
 */
export function newSamplesByHeatPump (rows: readonly SampleRow[], storedPerRow: ArrayLike<number>): Map<number, StoredSample[]> {
  const byHeatPump = new Map<number, Map<number, MetricValues>>()
  for (let i = 0; i < rows.length; i++) {
    if ((storedPerRow[i] ?? 0) === 0) continue
    const row = rows[i] as SampleRow
    let byTs = byHeatPump.get(row.heatPumpId)
    if (byTs === undefined) byHeatPump.set(row.heatPumpId, byTs = new Map())
    const values = byTs.get(row.ts)
    byTs.set(row.ts, values === undefined ? { ...row.values } : { ...row.values, ...values })
  }
  const out = new Map<number, StoredSample[]>()
  for (const [heatPumpId, byTs] of byHeatPump) {
    out.set(heatPumpId, [...byTs].sort((a, b) => a[0] - b[0]).map(([ts, values]) => ({ ts, values })))
  }
  return out
}
