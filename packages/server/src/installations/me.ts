import type { InstallationMe } from '@heatpool/protocol'
import type { Kysely } from 'kysely'
import { isoDate } from '../badges/calendar.js'
import { BADGE_RULES_VERSION, badgeRule } from '../badges/rules.js'
import { eligibilityOf, eligibleSince, type Eligibility } from '../community/eligibility.js'
import type { Config } from '../config.js'
import { isoTime, utcDay } from '../ledger/contribution.js'
import { badgesOf } from '../store/badges.js'
import { findInstallation } from '../store/installations.js'
import { ledgerDaysSince } from '../store/ledger.js'
import type { Database } from '../store/schema.js'

/** Days of the recent contribution calendar, today included. */
export const RECENT_DAYS = 60

type Settings = Pick<Config, 'CONTRIBUTION_MIN_SAMPLES' | 'ELIGIBILITY_DAYS' | 'ELIGIBILITY_RECENT_DAYS'>


/** Why an installation is not eligible, or null. Pure. */
export function eligibilityReason (e: Eligibility, recentDays: number): string | null {
  const reasons: string[] = []
  if (e.daysNeeded > 0) reasons.push(`${e.daysNeeded} more contribution day${e.daysNeeded === 1 ? '' : 's'} needed`)
  if (e.lapsed) reasons.push(`no contribution day in the last ${recentDays} days`)
  return reasons.length === 0 ? null : reasons.join('; ')
}

/** What `GET /api/v2/installations/me` answers for installation `id` (undefined: unknown). */
export async function installationOverview (db: Kysely<Database>, id: string, nowMs: number, config: Settings): Promise<InstallationMe | undefined> {
  const installation = await findInstallation(db, id)
  const rule = { requiredDays: config.ELIGIBILITY_DAYS, recentDays: config.ELIGIBILITY_RECENT_DAYS }
  const eligibility = await eligibilityOf(db, id, nowMs, rule)
  if (installation === undefined || eligibility === undefined) return undefined
  const threshold = config.CONTRIBUTION_MIN_SAMPLES
  const [recent, since, badges] = await Promise.all([
    ledgerDaysSince(db, id, utcDay(nowMs) - RECENT_DAYS + 1),
    eligibleSince(db, id, threshold, config.ELIGIBILITY_DAYS),
    badgesOf(db, id, BADGE_RULES_VERSION),
  ])
  const last = installation.last_contribution_day
  return {
    installation_id: id,
    heatpump_model: installation.model_name,
    model_key: installation.model_key,
    registered_at: isoTime(installation.registered_at),
    last_sample: isoTime(installation.last_sample_ts),
    contribution_days: {
      total: eligibility.contributionDays,
      last: last === null ? null : isoDate(Number(last)),
      min_samples: threshold,
      recent: recent.filter((d) => d.stored > 0 || d.samples > 0)
        .map((d) => ({ day: isoDate(d.day), samples: d.samples, stored: d.stored, counted: d.samples >= threshold })),
    },
    eligibility: {
      eligible: eligibility.eligible,
      required_days: rule.requiredDays,
      days_needed: eligibility.daysNeeded,
      recent_days: rule.recentDays,
      lapsed: eligibility.lapsed,
      eligible_since: since,
      reason: eligibilityReason(eligibility, rule.recentDays),
    },
    badges: badges.flatMap((b) => {
      const rule = badgeRule(b.badge)
      return rule === undefined ? [] : [{ id: b.badge, title: rule.title.en, title_de: rule.title.de, earned: isoDate(b.earnedDay), rules_version: b.rulesVersion }]
    }),
    badge_rules_version: BADGE_RULES_VERSION,
  }
}
