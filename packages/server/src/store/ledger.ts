import type { Kysely } from 'kysely'
import { crossesThreshold } from '../ledger/contribution.js'
import type { Database } from './schema.js'

/**
 * Adds one batch's new samples per day to an installation's ledger — `onTime` (received by the
 * end of D + grace: they make contribution days) and `all` (late ones too) — and counts the days
 * that reach the contribution threshold with it. Call inside the ingest transaction.
 *
 * Each day's row is incremented by one atomic upsert that returns the new count, and the day
 * crossed the threshold with this batch when `new - added < threshold <= new`. Concurrent batches
 * of one installation (two server processes on PostgreSQL) therefore each see their own
 * increment after all earlier ones: no increment is lost and a day is counted exactly once, even
 * without `lockInstallation`. Days are written in ascending order, so two transactions touching
 * the same days lock their rows in the same order and cannot deadlock.
 */
export async function addContributions (
  db: Kysely<Database>,
  installationId: string,
  onTime: ReadonlyMap<number, number>,
  all: ReadonlyMap<number, number>,
  threshold: number,
): Promise<number[]> {
  if (all.size === 0) return []
  const crossed: number[] = []
  for (const day of [...all.keys()].sort((a, b) => a - b)) {
    const added = onTime.get(day) ?? 0
    const row = await db.insertInto('ledger_days').values({ installation_id: installationId, day, samples: added, stored: all.get(day) ?? 0 })
      .onConflict((oc) => oc.columns(['installation_id', 'day']).doUpdateSet((eb) => ({
        samples: eb('ledger_days.samples', '+', eb.ref('excluded.samples')),
        stored: eb('ledger_days.stored', '+', eb.ref('excluded.stored')),
      })))
      .returning('samples')
      .executeTakeFirstOrThrow()
    if (added > 0 && crossesThreshold(Number(row.samples), added, threshold)) crossed.push(day)
  }
  if (crossed.length > 0) {
    const latest = crossed[crossed.length - 1] as number
    await db.updateTable('installations')
      .set((eb) => ({
        contribution_days: eb('contribution_days', '+', crossed.length),
        last_contribution_day: eb.case().when('last_contribution_day', '>', latest).then(eb.ref('last_contribution_day')).else(latest).end(),
      }))
      .where('id', '=', installationId)
      .execute()
  }
  return crossed
}

/**
 * Recounts every installation's contribution days from the ledger, for a changed threshold
 * (the running counts assume one threshold).
 */
export async function recountContributionDays (db: Kysely<Database>, threshold: number): Promise<void> {
  await db.updateTable('installations')
    .set((eb) => ({
      contribution_days: eb.selectFrom('ledger_days').select((s) => s.fn.countAll<number>().as('n'))
        .whereRef('ledger_days.installation_id', '=', 'installations.id').where('ledger_days.samples', '>=', threshold),
      last_contribution_day: eb.selectFrom('ledger_days').select((s) => s.fn.max('ledger_days.day').as('d'))
        .whereRef('ledger_days.installation_id', '=', 'installations.id').where('ledger_days.samples', '>=', threshold),
    }))
    .execute()
}

export async function contributionDaysOf (db: Kysely<Database>, installationId: string): Promise<{ day: number, samples: number, stored: number }[]> {
  const rows = await db.selectFrom('ledger_days').select(['day', 'samples', 'stored'])
    .where('installation_id', '=', installationId).orderBy('day').execute()
  return rows.map((r) => ({ day: Number(r.day), samples: Number(r.samples), stored: Number(r.stored) }))
}

/** An installation's ledger days from `fromDay` on, oldest first. */
export async function ledgerDaysSince (db: Kysely<Database>, installationId: string, fromDay: number): Promise<{ day: number, samples: number, stored: number }[]> {
  const rows = await db.selectFrom('ledger_days').select(['day', 'samples', 'stored'])
    .where('installation_id', '=', installationId).where('day', '>=', fromDay).orderBy('day').execute()
  return rows.map((r) => ({ day: Number(r.day), samples: Number(r.samples), stored: Number(r.stored) }))
}

/** Per installation with ledger days in `fromDay..toDay`: how many, and the values they stored. */
export async function ledgerWindowByInstallation (db: Kysely<Database>, fromDay: number, toDay: number): Promise<{ installationId: string, days: number, stored: number }[]> {
  const rows = await db.selectFrom('ledger_days')
    .select((eb) => ['installation_id', eb.fn.countAll<number>().as('days'), eb.fn.sum<number>('stored').as('stored')])
    .where('day', '>=', fromDay).where('day', '<=', toDay)
    .groupBy('installation_id')
    .execute()
  return rows.map((r) => ({ installationId: r.installation_id, days: Number(r.days), stored: Number(r.stored) }))
}

/** Each installation's first ledger day: the first UTC day it stored samples of. */
export async function firstLedgerDays (db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db.selectFrom('ledger_days')
    .select((eb) => ['installation_id', eb.fn.min<number>('day').as('first')])
    .groupBy('installation_id')
    .execute()
  return new Map(rows.map((r) => [r.installation_id, Number(r.first)]))
}
