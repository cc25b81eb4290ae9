import type { Kysely } from 'kysely'
import { DAY_MS } from '../ledger/contribution.js'
import { emptySums, HOUR_MS, outdoorBand, ROLLUP_SUM_COLUMNS, type RollupSums } from '../rollups/rollup.js'
import type { Database } from './schema.js'

function pick (row: Record<string, unknown>): RollupSums {
  const sums = emptySums()
  for (const c of ROLLUP_SUM_COLUMNS) sums[c] = Number(row[c] ?? 0)
  return sums
}

/**
 * Writes hourly sums. `add`: the sums are contributions of new samples, added to what the hours
 * hold. `replace`: the sums are the hours recomputed from all their samples. Either way the
 * outdoor band follows the resulting sums.
 */
export async function writeHours (db: Kysely<Database>, heatPumpId: number, hours: ReadonlyMap<number, RollupSums>, mode: 'add' | 'replace'): Promise<void> {
  for (const [hour, sums] of hours) {
    const row = await db.insertInto('rollups_hourly')
      .values({ heat_pump_id: heatPumpId, hour, ...sums, outdoor_band: outdoorBand(sums) })
      .onConflict((oc) => oc.columns(['heat_pump_id', 'hour']).doUpdateSet((eb) => {
        const set: Record<string, unknown> = {}
        for (const c of ROLLUP_SUM_COLUMNS) set[c] = mode === 'add' ? eb(`rollups_hourly.${c}`, '+', eb.ref(`excluded.${c}`)) : eb.ref(`excluded.${c}`)
        // Replaced sums bring their band; added ones are re-banded below from the new totals.
        if (mode === 'replace') set.outdoor_band = eb.ref('excluded.outdoor_band')
        return set
      }))
      .returningAll()
      .executeTakeFirstOrThrow()
    if (mode === 'add') {
      const band = outdoorBand(pick(row))
      if (band !== row.outdoor_band) {
        await db.updateTable('rollups_hourly').set({ outdoor_band: band }).where('heat_pump_id', '=', heatPumpId).where('hour', '=', hour).execute()
      }
    }
  }
}

/** Recomputes the daily rollups of `days` (UTC day numbers) as the sums of their hours. */
export async function rebuildDays (db: Kysely<Database>, heatPumpId: number, days: Iterable<number>): Promise<void> {
  const hoursPerDay = DAY_MS / HOUR_MS
  for (const day of days) {
    const row = await db.selectFrom('rollups_hourly')
      .select((eb) => ROLLUP_SUM_COLUMNS.map((c) => eb.fn.sum<number>(c).as(c)))
      .where('heat_pump_id', '=', heatPumpId)
      .where('hour', '>=', day * hoursPerDay)
      .where('hour', '<', (day + 1) * hoursPerDay)
      .executeTakeFirst()
    const sums = pick(row ?? {})
    await db.insertInto('rollups_daily').values({ heat_pump_id: heatPumpId, day, ...sums })
      .onConflict((oc) => oc.columns(['heat_pump_id', 'day']).doUpdateSet((eb) => {
        const set: Record<string, unknown> = {}
        for (const c of ROLLUP_SUM_COLUMNS) set[c] = eb.ref(`excluded.${c}`)
        return set
      }))
      .execute()
  }
}
