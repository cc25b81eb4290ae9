import { QUANTILES, quantileRank, type QuantileName } from './distribution.js'

/**
 * What of a group's distribution may leave the server (docs/PRIVACY.md). Pure.
 *
 * 1. k-anonymity: nothing but the fact of suppression for a group (or band) whose voters
 *    belong to fewer than K distinct installations — not even its size.
 * 2. Order statistics only: public answers carry n and nearest-rank quantiles, never a mean,
 *    sum, minimum or maximum. A mean over n and one over n − 1 give away the home that left;
 *    min and max change exactly when the extreme home leaves.
 * 3. Rank gaps: a set of quantiles is published only if, in the ascending order of the voters,
 *    the ranks at or below the lowest published quantile, the ranks after each published
 *    quantile up to and including the next, and the ranks at or above the highest each hold
 *    voters of at least K distinct installations. So for a group of 5 (all ranks would be
 *    quantiles: the whole sorted list) only n is published, the median needs 2K − 1 voters,
 *    p25/p75 about 4K and p10/p90 about 10K. If one home leaves (erasure, a model change, data
 *    that stops qualifying), the answer after is the same whichever of at least K homes of one
 *    segment left, so a differencing attacker learns an interval that K homes share, never the
 *    value (test/routes/community-privacy.test.ts constructs the attack).
 *
 * Admins get every figure, mean/min/max included, with no suppression.
 */
export interface Voter {
  readonly value: number
  readonly installationId: string
}

export type Audience = 'public' | 'admin'

/** The quantile sets tried, largest first; each is symmetric and contains the next. */
const QUANTILE_SETS: readonly (readonly QuantileName[])[] = [
  ['p10', 'p25', 'median', 'p75', 'p90'],
  ['p25', 'median', 'p75'],
  ['median'],
]

export function distinctInstallations (voters: readonly Voter[], from = 0, to = voters.length): number {
  const seen = new Set<string>()
  for (let i = from; i < to; i++) seen.add((voters[i] as Voter).installationId)
  return seen.size
}

/** Voters ascending by value (ties by installation id, so the order is deterministic). */
export function sortVoters (voters: readonly Voter[]): Voter[] {
  return [...voters].sort((a, b) => a.value - b.value || (a.installationId < b.installationId ? -1 : a.installationId > b.installationId ? 1 : 0))
}

/** Whether quantiles at these 1-based ranks of ascending `sorted` satisfy the rank-gap rule (3). */
export function rankGapsHold (sorted: readonly Voter[], ranks: readonly number[], k: number): boolean {
  const n = sorted.length
  if (ranks.length === 0) return true
  for (let i = 1; i < ranks.length; i++) if ((ranks[i] as number) <= (ranks[i - 1] as number)) return false
  const first = ranks[0] as number
  const last = ranks[ranks.length - 1] as number
  // Bottom [1, r1], middles (ri, ri+1], top [rm, n], as 0-based half-open slices.
  if (distinctInstallations(sorted, 0, first) < k) return false
  for (let i = 1; i < ranks.length; i++) {
    if (distinctInstallations(sorted, ranks[i - 1] as number, ranks[i] as number) < k) return false
  }
  return distinctInstallations(sorted, last - 1, n) >= k
}

/** The largest quantile set that rule (3) allows for ascending `sorted` (possibly none). */
export function publishableQuantiles (sorted: readonly Voter[], k: number): readonly QuantileName[] {
  for (const set of QUANTILE_SETS) {
    if (rankGapsHold(sorted, set.map((q) => quantileRank(sorted.length, QUANTILES[q])), k)) return set
  }
  return []
}

export interface PublishedDistribution {
  /** Distinct installations and heat pumps that voted; null when withheld. */
  readonly installations: number | null
  readonly heat_pumps: number | null
  readonly p10?: number
  readonly p25?: number
  readonly median?: number
  readonly p75?: number
  readonly p90?: number
  /** Admins only. */
  readonly mean?: number
  readonly min?: number
  readonly max?: number
  /** Why figures are missing, when some are. */
  readonly withheld?: string
}

const round2 = (x: number) => Math.round(x * 100) / 100

/** The figures of one group (or band) for an audience, under rules 1–3. */
export function publishDistribution (voters: readonly Voter[], k: number, audience: Audience): PublishedDistribution {
  const sorted = sortVoters(voters)
  const installations = distinctInstallations(sorted)
  const n = sorted.length
  const at = (q: QuantileName) => round2((sorted[quantileRank(n, QUANTILES[q]) - 1] as Voter).value)
  if (audience === 'admin') {
    if (n === 0) return { installations: 0, heat_pumps: 0, withheld: 'no heat pump has enough data' }
    return {
      installations,
      heat_pumps: n,
      p10: at('p10'),
      p25: at('p25'),
      median: at('median'),
      p75: at('p75'),
      p90: at('p90'),
      mean: round2(sorted.reduce((a, v) => a + v.value, 0) / n),
      min: round2((sorted[0] as Voter).value),
      max: round2((sorted[n - 1] as Voter).value),
    }
  }
  if (installations < k) return { installations: null, heat_pumps: null, withheld: `fewer than ${k} installations: no figures are published` }
  const names = publishableQuantiles(sorted, k)
  const figures: Partial<Record<QuantileName, number>> = {}
  for (const q of names) figures[q] = at(q)
  const out: PublishedDistribution = { installations, heat_pumps: n, ...figures }
  if (names.length === Object.keys(QUANTILES).length) return out
  return { ...out, withheld: names.length === 0 ? `too few installations for quantiles: each must have ${k} installations at or beyond it` : `outer quantiles need more installations: ${k} per gap between published quantiles` }
}
