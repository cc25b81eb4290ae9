import type { Kysely } from 'kysely'
import { DAY_MS, utcDay } from '../ledger/contribution.js'
import type { Database } from '../store/schema.js'

/**
 * Eligibility for community models (design brief, ADR-003/004): at least `requiredDays`
 * contribution days, and the latest of them at most `recentDays` days before today.
 * Upstream checked for any sample in 30 days, contradicting its own "contribute 30 days" rule.
 */
export interface EligibilityRule {
  readonly requiredDays: number
  readonly recentDays: number
}

export interface Eligibility {
  readonly eligible: boolean
  readonly contributionDays: number
  /** Contribution days still missing (0 when enough days are there, even if they lapsed). */
  readonly daysNeeded: number
  /** True when the latest contribution day is too old (or there is none). */
  readonly lapsed: boolean
}

export function judgeEligibility (contributionDays: number, lastContributionDay: number | null, today: number, rule: EligibilityRule): Eligibility {
  const lapsed = lastContributionDay === null || today - lastContributionDay > rule.recentDays
  const daysNeeded = Math.max(0, rule.requiredDays - contributionDays)
  return { eligible: daysNeeded === 0 && !lapsed, contributionDays, daysNeeded, lapsed }
}

export interface InstallationEligibility extends Eligibility {
  /** The installation's heat-pump model key, for model lookup. */
  readonly modelKey: string | null
}

/** Reads an installation's eligibility from the ledger (undefined: unknown installation). */
export async function eligibilityOf (db: Kysely<Database>, installationId: string, nowMs: number, rule: EligibilityRule): Promise<InstallationEligibility | undefined> {
  const row = await db.selectFrom('installations').select(['contribution_days', 'last_contribution_day', 'model_key'])
    .where('id', '=', installationId).executeTakeFirst()
  if (row === undefined) return undefined
  const last = row.last_contribution_day === null ? null : Number(row.last_contribution_day)
  return { ...judgeEligibility(Number(row.contribution_days), last, utcDay(nowMs), rule), modelKey: row.model_key }
}

/**
 * The UTC date of the contribution day that completed `requiredDays` (the day the installation
 * first became eligible), or null.
 */
export async function eligibleSince (db: Kysely<Database>, installationId: string, threshold: number, requiredDays: number): Promise<string | null> {
  const row = await db.selectFrom('ledger_days').select('day')
    .where('installation_id', '=', installationId).where('samples', '>=', threshold)
    .orderBy('day').limit(1).offset(requiredDays - 1).executeTakeFirst()
  return row === undefined ? null : new Date(Number(row.day) * DAY_MS).toISOString().slice(0, 10)
}
