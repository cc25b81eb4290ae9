import type { Kysely } from 'kysely'
import { DAY_MS } from '../ledger/contribution.js'
import { accumulateHours, HOUR_MS, hourOf, type RollupSums } from '../rollups/rollup.js'
import { rebuildDays, writeHours } from '../store/rollups.js'
import type { Database } from '../store/schema.js'
import type { SampleRow, SampleStore } from '../store/types.js'

/**
 * Brings the hourly and daily rollups of every heat pump in a batch up to date, inside the
 * ingest transaction. The common case — new samples after everything stored so far — adds the
 * new intervals' contributions (reading back only the batch and the sample before it). Anything
 * else (back-filled, overlapping or out-of-order data) recomputes each hour the new samples can
 * affect from its raw samples. Both give the same sums (rollups/rollup.ts).
 */
export async function updateRollups (
  db: Kysely<Database>,
  samples: SampleStore,
  rows: readonly SampleRow[],
  storedPerRow: ArrayLike<number>,
  maxGapMs: number,
): Promise<void> {
  const newTs = new Map<number, number[]>()
  for (let i = 0; i < rows.length; i++) {
    if ((storedPerRow[i] ?? 0) === 0) continue
    const row = rows[i] as SampleRow
    let list = newTs.get(row.heatPumpId)
    if (list === undefined) newTs.set(row.heatPumpId, list = [])
    list.push(row.ts)
  }
  for (const [heatPumpId, stamps] of newTs) {
    let minTs = Infinity
    let maxTs = -Infinity
    for (const ts of stamps) {
      if (ts < minTs) minTs = ts
      if (ts > maxTs) maxTs = ts
    }
    const hp = await db.selectFrom('heat_pumps').select('last_sample_ts').where('id', '=', heatPumpId).executeTakeFirstOrThrow()
    const last = hp.last_sample_ts === null ? null : Number(hp.last_sample_ts)
    let hours: Map<number, RollupSums>
    if (last === null || minTs > last) {
      const from = last ?? minTs
      hours = accumulateHours(samples.read(heatPumpId, from, maxTs + 1), {
        fromMs: from,
        toMs: maxTs + 1,
        recordsFromMs: last === null ? minTs : last + 1,
        maxGapMs,
      }, new Map())
      await writeHours(db, heatPumpId, hours, 'add')
    } else {
      const touched = new Set<number>()
      for (const ts of stamps) {
        for (let h = hourOf(ts - maxGapMs); h <= hourOf(ts + maxGapMs); h++) touched.add(h)
      }
      const firstHour = Math.min(...touched)
      const lastHour = Math.max(...touched)
      const all = accumulateHours(samples.read(heatPumpId, firstHour * HOUR_MS - maxGapMs, (lastHour + 1) * HOUR_MS + maxGapMs), {
        fromMs: firstHour * HOUR_MS,
        toMs: (lastHour + 1) * HOUR_MS,
        maxGapMs,
      }, new Map())
      hours = new Map([...all].filter(([h]) => touched.has(h)))
      await writeHours(db, heatPumpId, hours, 'replace')
    }
    await rebuildDays(db, heatPumpId, new Set([...hours.keys()].map((h) => Math.floor(h * HOUR_MS / DAY_MS))))
    if (last === null || maxTs > last) {
      await db.updateTable('heat_pumps').set({ last_sample_ts: maxTs }).where('id', '=', heatPumpId).execute()
    }
  }
}
