import type { Kysely } from 'kysely'
import { daysCrossingThreshold } from '../ledger/contribution.js'
import type { Database } from './schema.js'

/**
 * Adds one batch's on-time samples per day to an installation's ledger and counts the days that
 * reach the contribution threshold with it. Call inside the ingest transaction.
 */
export async function addContributions (
  db: Kysely<Database>,
  installationId: string,
  byDay: ReadonlyMap<number, number>,
  threshold: number,
): Promise<number[]> {
  if (byDay.size === 0) return []
  const days = [...byDay.keys()]
  const rows = await db.selectFrom('ledger_days').select(['day', 'samples'])
    .where('installation_id', '=', installationId).where('day', 'in', days).execute()
  const before = new Map(rows.map((r) => [Number(r.day), Number(r.samples)]))
  for (const [day, n] of byDay) {
    await db.insertInto('ledger_days').values({ installation_id: installationId, day, samples: n })
      .onConflict((oc) => oc.columns(['installation_id', 'day']).doUpdateSet((eb) => ({
        samples: eb('ledger_days.samples', '+', eb.ref('excluded.samples')),
      })))
      .execute()
  }
  const crossed = daysCrossingThreshold(before, byDay, threshold)
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

export async function contributionDaysOf (db: Kysely<Database>, installationId: string): Promise<{ day: number, samples: number }[]> {
  const rows = await db.selectFrom('ledger_days').select(['day', 'samples'])
    .where('installation_id', '=', installationId).orderBy('day').execute()
  return rows.map((r) => ({ day: Number(r.day), samples: Number(r.samples) }))
}
