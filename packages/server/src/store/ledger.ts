import type { Kysely } from 'kysely'
import { daysCrossingThreshold } from '../ledger/contribution.js'
import type { Database } from './schema.js'

/**
 * Adds one batch's new samples per day to an installation's ledger — `onTime` (received by the
 * end of D + grace: they make contribution days) and `all` (late ones too) — and counts the days
 * that reach the contribution threshold with it. Call inside the ingest transaction.
 */
export async function addContributions (
  db: Kysely<Database>,
  installationId: string,
  onTime: ReadonlyMap<number, number>,
  all: ReadonlyMap<number, number>,
  threshold: number,
): Promise<number[]> {
  if (all.size === 0) return []
  const days = [...all.keys()]
  const rows = onTime.size === 0
    ? []
    : await db.selectFrom('ledger_days').select(['day', 'samples'])
      .where('installation_id', '=', installationId).where('day', 'in', [...onTime.keys()]).execute()
  const before = new Map(rows.map((r) => [Number(r.day), Number(r.samples)]))
  for (const day of days) {
    await db.insertInto('ledger_days').values({ installation_id: installationId, day, samples: onTime.get(day) ?? 0, stored: all.get(day) ?? 0 })
      .onConflict((oc) => oc.columns(['installation_id', 'day']).doUpdateSet((eb) => ({
        samples: eb('ledger_days.samples', '+', eb.ref('excluded.samples')),
        stored: eb('ledger_days.stored', '+', eb.ref('excluded.stored')),
      })))
      .execute()
  }
  const crossed = daysCrossingThreshold(before, onTime, threshold)
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
