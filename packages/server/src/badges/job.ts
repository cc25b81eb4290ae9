import { setImmediate as yieldToRequests } from 'node:timers/promises'
import type { Kysely } from 'kysely'
import { utcDay } from '../ledger/contribution.js'
import { badgesOf, dailyEnergyOf, firstContributionDays, installationIds, saveBadge } from '../store/badges.js'
import { contributionDaysOf } from '../store/ledger.js'
import type { Database } from '../store/schema.js'
import { badgeWrites } from './awards.js'
import { isoDate } from './calendar.js'
import type { GroupPercentileSource } from './group-cop.js'
import { monthlyEnergy } from './months.js'
import { BADGE_RULES_VERSION, judgeBadges, type BadgeInput } from './rules.js'

export interface BadgeJobOptions {
  readonly db: Kysely<Database>
  /** CONTRIBUTION_MIN_SAMPLES: on-time samples that make a ledger day a contribution day. */
  readonly threshold: number
  readonly groupPercentiles: GroupPercentileSource
  readonly nowMs: number
  /** Progress, every PROGRESS_EVERY installations. */
  readonly progress?: (done: number, total: number) => void
}

export interface BadgeJobResult {
  /** The UTC date the badges were computed for. */
  readonly day: string
  readonly rulesVersion: number
  readonly installations: number
  /** Badges stored for the first time. */
  readonly awarded: number
  /** Stored badges whose earned day moved earlier. */
  readonly backdated: number
  readonly durationMs: number
}

export const PROGRESS_EVERY = 500

/** Ranks by first contribution day: 1 + installations that contributed on an earlier day. Pure. */
export function contributorRanks (firstDays: ReadonlyMap<string, number>): Map<string, number> {
  const sorted = [...firstDays.values()].sort((a, b) => a - b)
  const rankOfDay = new Map<number, number>()
  sorted.forEach((day, i) => { if (!rankOfDay.has(day)) rankOfDay.set(day, i + 1) })
  return new Map([...firstDays].map(([id, day]) => [id, rankOfDay.get(day) as number]))
}

async function inputOf (db: Kysely<Database>, id: string, today: number, threshold: number, rank: number | undefined, percentile: number | undefined): Promise<BadgeInput> {
  const ledger = await contributionDaysOf(db, id)
  const months = monthlyEnergy(await dailyEnergyOf(db, id))
  return {
    today,
    contributionDays: ledger.filter((d) => d.samples >= threshold).map((d) => d.day),
    ledger,
    months,
    ...(rank === undefined ? {} : { contributorRank: rank }),
    ...(percentile === undefined ? {} : { groupPercentile: percentile }),
  }
}

/**
 * Computes every installation's badges from the ledger and rollups and stores what changed
 * (awards.ts). Reads one installation at a time and yields to pending requests between them,
 * so a large pool does not hold up the API.
 */
export async function runBadgeJob (opts: BadgeJobOptions): Promise<BadgeJobResult> {
  const started = Date.now()
  const { db, threshold, nowMs } = opts
  const today = utcDay(nowMs)
  const ranks = contributorRanks(await firstContributionDays(db, threshold))
  const percentiles = await opts.groupPercentiles.percentiles(today)
  const ids = await installationIds(db)
  let awarded = 0
  let backdated = 0
  for (const [i, id] of ids.entries()) {
    const input = await inputOf(db, id, today, threshold, ranks.get(id), percentiles.get(id))
    const stored = await badgesOf(db, id, BADGE_RULES_VERSION)
    for (const write of badgeWrites(stored, judgeBadges(input))) {
      await saveBadge(db, id, BADGE_RULES_VERSION, write.badge, write.earnedDay, nowMs)
      if (write.isNew) awarded++
      else backdated++
    }
    if ((i + 1) % PROGRESS_EVERY === 0) opts.progress?.(i + 1, ids.length)
    await yieldToRequests()
  }
  return { day: isoDate(today), rulesVersion: BADGE_RULES_VERSION, installations: ids.length, awarded, backdated, durationMs: Date.now() - started }
}

/** Runs the badge job one at a time: a run requested while one is going joins it. */
export class BadgeJob {
  #running: Promise<BadgeJobResult> | undefined

  constructor (private readonly runOnce: () => Promise<BadgeJobResult>) {}

  run (): Promise<BadgeJobResult> {
    this.#running ??= this.runOnce().finally(() => { this.#running = undefined })
    return this.#running
  }

  /** Resolves when no run is going (for shutdown). */
  async idle (): Promise<void> {
    await this.#running?.catch(() => {})
  }
}
