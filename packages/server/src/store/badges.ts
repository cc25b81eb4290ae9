import type { Kysely } from 'kysely'
import type { DailyEnergy } from '../badges/months.js'
import type { Database } from './schema.js'

export interface BadgeRow {
  readonly badge: string
  readonly rulesVersion: number
  readonly earnedDay: number
  readonly computedAt: number
}

/** An installation's badges under one rules version, earliest first. */
export async function badgesOf (db: Kysely<Database>, installationId: string, rulesVersion: number): Promise<BadgeRow[]> {
  const rows = await db.selectFrom('badges').select(['badge', 'rules_version', 'earned_day', 'computed_at'])
    .where('installation_id', '=', installationId).where('rules_version', '=', rulesVersion)
    .orderBy('earned_day').orderBy('badge').execute()
  return rows.map((r) => ({ badge: r.badge, rulesVersion: Number(r.rules_version), earnedDay: Number(r.earned_day), computedAt: Number(r.computed_at) }))
}

/**
 * Stores a badge, or moves its earned day earlier; a later day never replaces an earlier one,
 * so two processes computing at once (PostgreSQL deployments) end with the earliest.
 */
export async function saveBadge (db: Kysely<Database>, installationId: string, rulesVersion: number, badge: string, earnedDay: number, nowMs: number): Promise<void> {
  await db.insertInto('badges')
    .values({ installation_id: installationId, badge, rules_version: rulesVersion, earned_day: earnedDay, computed_at: nowMs })
    .onConflict((oc) => oc.columns(['installation_id', 'rules_version', 'badge'])
      .doUpdateSet((eb) => ({ earned_day: eb.ref('excluded.earned_day'), computed_at: eb.ref('excluded.computed_at') }))
      .whereRef('badges.earned_day', '>', 'excluded.earned_day'))
    .execute()
}

/** The first contribution day of every installation that has one. */
export async function firstContributionDays (db: Kysely<Database>, threshold: number): Promise<Map<string, number>> {
  const rows = await db.selectFrom('ledger_days')
    .select((eb) => ['installation_id', eb.fn.min<number>('day').as('first')])
    .where('samples', '>=', threshold)
    .groupBy('installation_id')
    .execute()
  return new Map(rows.map((r) => [r.installation_id, Number(r.first)]))
}

/** Daily energy of every heat pump of an installation, from the daily rollups. */
export async function dailyEnergyOf (db: Kysely<Database>, installationId: string): Promise<DailyEnergy[]> {
  const rows = await db.selectFrom('rollups_daily as r')
    .innerJoin('heat_pumps as hp', 'hp.id', 'r.heat_pump_id')
    .select(['r.day', 'r.heat_wh', 'r.electric_wh', 'r.outdoor_h', 'r.outdoor_hw'])
    .where('hp.installation_id', '=', installationId)
    .execute()
  return rows.map((r) => ({
    day: Number(r.day),
    heatWh: Number(r.heat_wh),
    electricWh: Number(r.electric_wh),
    outdoorH: Number(r.outdoor_h),
    outdoorHw: Number(r.outdoor_hw),
  }))
}

/** Ids of all installations, in a stable order. */
export async function installationIds (db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('installations').select('id').orderBy('id').execute()
  return rows.map((r) => r.id)
}
