import { lastDayOfMonth, median, monthOfDay, runsOf, uniqueSorted } from './calendar.js'
import { monthCop, monthOutdoor, type MonthEnergy } from './months.js'

/**
 * The badge rule set (docs/BADGES.md). Bump BADGE_RULES_VERSION whenever a rule's meaning
 * changes: badges are stored per rules version, and one earned under a version stays earned
 * under it even when the data later no longer meet the rule.
 */
export const BADGE_RULES_VERSION = 1

/** What the rules judge an installation by: plain data, read from the ledger and rollups. */
export interface BadgeInput {
  /** The UTC day of the computation; earlier days are complete, this one may still grow. */
  readonly today: number
  /** The installation's contribution days (any order). */
  readonly contributionDays: readonly number[]
  /** Samples stored per UTC day, late ones included (ledger `stored`); days without data may be absent. */
  readonly ledger: readonly { readonly day: number, readonly stored: number }[]
  /** Energy per calendar month over the installation's heat pumps (rollups). */
  readonly months: readonly MonthEnergy[]
  /**
   * Position by first contribution day among all installations, 1 = earliest; installations
   * whose first contribution day is the same share a position. Absent: no contribution day yet.
   */
  readonly contributorRank?: number
  /**
   * Share (0–100) of the installation's model group, itself included, whose seasonal COP is
   * strictly lower than that of its best heat pump. Absent: not ranked (too little data, or a
   * group below K_ANONYMITY). Filled by a GroupPercentileSource (group-cop.ts).
   */
  readonly groupPercentile?: number
}

export interface BadgeVerdict {
  readonly earned: boolean
  /** The UTC day the badge was first earned, on the data given. Set when earned. */
  readonly since?: number
}

export interface BadgeRule {
  readonly id: string
  readonly title: { readonly en: string, readonly de: string }
  readonly description: string
  readonly earned: (input: BadgeInput) => BadgeVerdict
}

export const FULL_YEAR_DAYS = 365
export const FULL_YEAR_MONTHS = 12
export const FULL_YEAR_MONTH_MIN_DAYS = 20
export const STREAK_DAYS = 30
export const EARLY_CONTRIBUTORS = 100
export const QUALITY_WINDOW_DAYS = 30
export const QUALITY_CADENCE_DAYS = 90
export const QUALITY_MIN_SHARE = 0.95
export const EFFICIENCY_MONTH_MIN_DAYS = 20
export const EFFICIENCY_MAX_OUTDOOR_DIFF_K = 2
export const EFFICIENCY_MIN_GAIN = 0.05

const NOT_EARNED: BadgeVerdict = { earned: false }
const earnedOn = (day: number | undefined): BadgeVerdict => (day === undefined ? NOT_EARNED : { earned: true, since: day })

function fullYear (input: BadgeInput): BadgeVerdict {
  const days = uniqueSorted(input.contributionDays)
  const byDays = days[FULL_YEAR_DAYS - 1]
  // Alternatively 12 consecutive complete calendar months, each with enough contribution days
  // (gaps allowed): earned on the last day of the twelfth.
  const perMonth = new Map<number, number[]>()
  for (const d of days) {
    const m = monthOfDay(d)
    const list = perMonth.get(m)
    if (list === undefined) perMonth.set(m, [d])
    else list.push(d)
  }
  let byMonths: number | undefined
  let consecutive = 0
  let previous: number | undefined
  for (const month of [...perMonth.keys()].sort((a, b) => a - b)) {
    const inMonth = perMonth.get(month) as number[]
    if (inMonth.length < FULL_YEAR_MONTH_MIN_DAYS) { consecutive = 0; previous = undefined; continue }
    consecutive = previous === month - 1 ? consecutive + 1 : 1
    previous = month
    if (consecutive >= FULL_YEAR_MONTHS && lastDayOfMonth(month) < input.today) { byMonths = lastDayOfMonth(month); break }
  }
  if (byDays === undefined) return earnedOn(byMonths)
  return earnedOn(byMonths === undefined ? byDays : Math.min(byDays, byMonths))
}

function streak (input: BadgeInput): BadgeVerdict {
  const run = runsOf(input.contributionDays).find((r) => r.length >= STREAK_DAYS)
  return earnedOn(run === undefined ? undefined : run.first + STREAK_DAYS - 1)
}

function earlyContributor (input: BadgeInput): BadgeVerdict {
  if (input.contributorRank === undefined || input.contributorRank > EARLY_CONTRIBUTORS) return NOT_EARNED
  const first = uniqueSorted(input.contributionDays)[0]
  return earnedOn(first ?? input.today)
}

/**
 * Earliest complete day E at which the QUALITY_WINDOW_DAYS days ending with E hold at least
 * QUALITY_MIN_SHARE of the expected samples. Expected per day: the installation's usual cadence,
 * the median of its stored samples over the days with data among the QUALITY_CADENCE_DAYS ending
 * with E. Each day counts at most the expected number, so a day of duplicates or extra sensors
 * cannot make up for a missing day.
 */
function dataQuality (input: BadgeInput): BadgeVerdict {
  const stored = new Map<number, number>()
  for (const { day, stored: n } of input.ledger) if (n > 0) stored.set(day, (stored.get(day) ?? 0) + n)
  if (stored.size === 0) return NOT_EARNED
  const first = Math.min(...stored.keys())
  // Each day counts at most the expected number, so a window needs this many days with data.
  const minDaysWithData = Math.ceil(QUALITY_MIN_SHARE * QUALITY_WINDOW_DAYS)
  for (let end = first + QUALITY_WINDOW_DAYS - 1; end < input.today; end++) {
    let withData = 0
    for (let d = end - QUALITY_WINDOW_DAYS + 1; d <= end; d++) if (stored.has(d)) withData++
    if (withData < minDaysWithData) continue
    const cadence: number[] = []
    for (let d = end - QUALITY_CADENCE_DAYS + 1; d <= end; d++) {
      const n = stored.get(d)
      if (n !== undefined) cadence.push(n)
    }
    if (cadence.length === 0) continue
    const expected = median(cadence)
    let got = 0
    for (let d = end - QUALITY_WINDOW_DAYS + 1; d <= end; d++) got += Math.min(stored.get(d) ?? 0, expected)
    if (got >= QUALITY_MIN_SHARE * QUALITY_WINDOW_DAYS * expected) return earnedOn(end)
  }
  return NOT_EARNED
}

/** A complete month with enough data to compare: its COP and heat-weighted outdoor temperature. */
function comparable (m: MonthEnergy | undefined, today: number): { cop: number, outdoor: number } | undefined {
  if (m === undefined || m.energyDays < EFFICIENCY_MONTH_MIN_DAYS || lastDayOfMonth(m.month) >= today) return undefined
  const cop = monthCop(m)
  const outdoor = monthOutdoor(m)
  return cop === undefined || outdoor === undefined || m.heatWh <= 0 ? undefined : { cop, outdoor }
}

function efficiencyImproved (input: BadgeInput): BadgeVerdict {
  const byMonth = new Map(input.months.map((m) => [m.month, m]))
  for (const m of [...input.months].sort((a, b) => a.month - b.month)) {
    const current = comparable(m, input.today)
    const previous = comparable(byMonth.get(m.month - 1), input.today)
    if (current === undefined || previous === undefined) continue
    if (Math.abs(current.outdoor - previous.outdoor) > EFFICIENCY_MAX_OUTDOOR_DIFF_K) continue
    if (current.cop >= previous.cop * (1 + EFFICIENCY_MIN_GAIN)) return earnedOn(lastDayOfMonth(m.month))
  }
  return NOT_EARNED
}

const topShare = (percentile: number) => (input: BadgeInput): BadgeVerdict =>
  (input.groupPercentile !== undefined && input.groupPercentile >= percentile ? earnedOn(input.today) : NOT_EARNED)

export const BADGE_RULES: readonly BadgeRule[] = [
  {
    id: 'full_year',
    title: { en: 'Full year', de: 'Ganzes Jahr' },
    description: `${FULL_YEAR_DAYS} contribution days, or ${FULL_YEAR_MONTHS} consecutive complete calendar months with at least ${FULL_YEAR_MONTH_MIN_DAYS} contribution days each (earned on the last day of the twelfth).`,
    earned: fullYear,
  },
  {
    id: 'streak_30',
    title: { en: '30-day streak', de: '30 Tage am Stück' },
    description: `${STREAK_DAYS} consecutive contribution days.`,
    earned: streak,
  },
  {
    id: 'early_contributor',
    title: { en: 'Early contributor', de: 'Von Anfang an dabei' },
    description: `Among the first ${EARLY_CONTRIBUTORS} installations to make a contribution day (installations with the same first contribution day share a place); earned on the first contribution day.`,
    earned: earlyContributor,
  },
  {
    id: 'data_quality_95',
    title: { en: '95 % complete data', de: '95 % vollständige Daten' },
    description: `At least ${QUALITY_MIN_SHARE * 100} % of the expected samples over ${QUALITY_WINDOW_DAYS} complete days; expected per day = median of the stored samples per day with data over the last ${QUALITY_CADENCE_DAYS} days, each day counting at most that.`,
    earned: dataQuality,
  },
  {
    id: 'efficiency_improved',
    title: { en: 'Efficiency improved', de: 'Effizienz gesteigert' },
    description: `A complete month's COP (Σ heat ÷ Σ electricity) at least ${EFFICIENCY_MIN_GAIN * 100} % above the previous month's, both with energy data on ${EFFICIENCY_MONTH_MIN_DAYS} days or more and heat-weighted outdoor temperatures within ${EFFICIENCY_MAX_OUTDOOR_DIFF_K} K of each other.`,
    earned: efficiencyImproved,
  },
  {
    id: 'top_10_percent',
    title: { en: 'Top 10 % efficiency', de: 'Top 10 % Effizienz' },
    description: 'Seasonal COP (last 365 days) better than at least 90 % of the model group (group percentile ≥ 90).',
    earned: topShare(90),
  },
  {
    id: 'top_25_percent',
    title: { en: 'Top 25 % efficiency', de: 'Top 25 % Effizienz' },
    description: 'Seasonal COP (last 365 days) better than at least 75 % of the model group (group percentile ≥ 75).',
    earned: topShare(75),
  },
]

export function badgeRule (id: string): BadgeRule | undefined {
  return BADGE_RULES.find((r) => r.id === id)
}

/** The badges `input` earns, by id, with the day each was first earned. Pure. */
export function judgeBadges (input: BadgeInput): Map<string, number> {
  const earned = new Map<string, number>()
  for (const rule of BADGE_RULES) {
    const verdict = rule.earned(input)
    if (verdict.earned && verdict.since !== undefined) earned.set(rule.id, verdict.since)
  }
  return earned
}
