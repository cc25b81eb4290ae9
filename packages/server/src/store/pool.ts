import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * Pool-wide counts, read from the ledger (never by scanning samples). Upstream counted series,
 * not installations, and named a series that does not exist (upstream.md §1.5).
 */

/** Distinct installations with a sample timestamped at or after `sinceMs`. */
export async function activeInstallations (db: Kysely<Database>, sinceMs: number): Promise<number> {
  const row = await db.selectFrom('installations').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('last_sample_ts', '>=', sinceMs).executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Samples stored whose timestamps fall on UTC day `sinceDay` or later. */
export async function samplesSince (db: Kysely<Database>, sinceDay: number): Promise<number> {
  const row = await db.selectFrom('pool_days').select((eb) => eb.fn.sum<number | null>('samples').as('n'))
    .where('day', '>=', sinceDay).executeTakeFirstOrThrow()
  return Number(row.n ?? 0)
}

/**
 * Adds one batch's stored samples per UTC day to the pool counts: one atomic increment per day,
 * in ascending day order, so that concurrent batches (of any installations, in any process)
 * lose no increment and lock the shared day rows in the same order (no deadlock).
 */
export async function addPoolSamples (db: Kysely<Database>, byDay: ReadonlyMap<number, number>): Promise<void> {
  for (const [day, n] of [...byDay].sort((a, b) => a[0] - b[0])) {
    await db.insertInto('pool_days').values({ day, samples: n })
      .onConflict((oc) => oc.column('day').doUpdateSet((eb) => ({ samples: eb('pool_days.samples', '+', eb.ref('excluded.samples')) })))
      .execute()
  }
}

/** Removes an erased installation's samples from the pool counts (call before deleting its ledger). */
export async function subtractInstallationFromPool (db: Kysely<Database>, installationId: string): Promise<void> {
  const days = await db.selectFrom('ledger_days').select(['day', 'stored']).where('installation_id', '=', installationId).orderBy('day').execute()
  for (const d of days) {
    await db.updateTable('pool_days').set((eb) => ({ samples: eb('samples', '-', Number(d.stored)) })).where('day', '=', d.day).execute()
  }
}

/**
 * Per UTC day of `fromDay..toDay` with samples: installations with samples timestamped that day
 * (a ledger row exists only for a day that stored some).
 */
export async function activeInstallationsByDay (db: Kysely<Database>, fromDay: number, toDay: number): Promise<Map<number, number>> {
  const rows = await db.selectFrom('ledger_days').select((eb) => ['day', eb.fn.countAll<number>().as('n')])
    .where('day', '>=', fromDay).where('day', '<=', toDay)
    .groupBy('day')
    .execute()
  return new Map(rows.map((r) => [Number(r.day), Number(r.n)]))
}

/** How many installations have their first ledger day on each day (any time): pool growth, cumulated by the caller. */
export async function firstDayCounts (db: Kysely<Database>): Promise<Map<number, number>> {
  const firsts = db.selectFrom('ledger_days').select((eb) => eb.fn.min<number>('day').as('first_day')).groupBy('installation_id').as('f')
  const rows = await db.selectFrom(firsts).select((eb) => ['f.first_day', eb.fn.countAll<number>().as('n')]).groupBy('f.first_day').execute()
  return new Map(rows.map((r) => [Number(r.first_day), Number(r.n)]))
}

/** Samples stored per UTC day of `fromDay..toDay` that has any. */
export async function poolSamplesByDay (db: Kysely<Database>, fromDay: number, toDay: number): Promise<Map<number, number>> {
  const rows = await db.selectFrom('pool_days').select(['day', 'samples']).where('day', '>=', fromDay).where('day', '<=', toDay).execute()
  return new Map(rows.map((r) => [Number(r.day), Number(r.samples)]))
}
