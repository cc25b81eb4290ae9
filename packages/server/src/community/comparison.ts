import type { RollupSums } from '../rollups/rollup.js'
import { publishDistribution, distinctInstallations, type Audience, type PublishedDistribution, type Voter } from './disclosure.js'
import type { MemberBands, MemberSums } from './group-snapshots.js'
import type { GroupMember } from './group-sums.js'
import { missingData, vote, type ComparisonMetric, type MissingData } from './heat-pump-values.js'
import { percentileRank } from './percentile-rank.js'

/**
 * A model group's distribution of one metric, overall and per 2 K outdoor band, and the
 * caller's own heat pumps in it. Pure: the sums come from group-snapshots.ts.
 */
export const BAND_WIDTH_K = 2

export interface BandFigures extends PublishedDistribution {
  readonly band: number
  readonly from: number
  readonly to: number
}

export interface OwnBand {
  readonly band: number
  readonly from: number
  readonly to: number
  readonly value: number | null
  readonly percentile: number | null
}

export interface OwnFigures {
  readonly heat_pump: string
  readonly value: number | null
  readonly percentile: number | null
  readonly missing: MissingData[]
  readonly bands: OwnBand[]
}

export interface ComparisonFigures {
  readonly overall: PublishedDistribution
  readonly bands: BandFigures[]
  readonly mine?: OwnFigures[]
}

const round2 = (x: number) => Math.round(x * 100) / 100

/** A band's bounds: [band, band + 2 K). */
export function comparisonBand (band: number): { band: number, from: number, to: number } {
  return { band, from: band, to: band + BAND_WIDTH_K }
}

export function votersOf (metric: ComparisonMetric, entries: readonly { member: GroupMember, sums: Readonly<RollupSums> }[], band: boolean): (Voter & { heatPumpId: number })[] {
  const voters: (Voter & { heatPumpId: number })[] = []
  for (const { member, sums } of entries) {
    const value = vote(metric, sums, band)
    if (value !== undefined) voters.push({ value, installationId: member.installationId, heatPumpId: member.heatPumpId })
  }
  return voters
}

/** Per band, each heat pump's sums in it. */
export function byBand (members: readonly MemberBands[]): Map<number, { member: GroupMember, sums: RollupSums }[]> {
  const out = new Map<number, { member: GroupMember, sums: RollupSums }[]>()
  for (const { member, bands } of members) {
    for (const [band, sums] of bands) {
      let list = out.get(band)
      if (list === undefined) out.set(band, list = [])
      list.push({ member, sums })
    }
  }
  return out
}

/**
 * Position of `value` (a heat pump of `installationId`) among the voters of other
 * installations, rounded to a whole percent; null when those are fewer than `k` installations.
 */
export function positionAmong (value: number, installationId: string, voters: readonly Voter[], k: number): number | null {
  const others = voters.filter((v) => v.installationId !== installationId)
  if (distinctInstallations(others) < k) return null
  return Math.round(percentileRank(value, others.map((v) => v.value)) as number)
}

/** A group's voters and published figures for one metric and audience: the same all day. */
export interface GroupFigures {
  readonly voters: readonly Voter[]
  readonly overall: PublishedDistribution
  readonly bandVoters: ReadonlyMap<number, readonly Voter[]>
  /** Bands as published (under K left out for the public). */
  readonly bands: BandFigures[]
  /** Band medians the public may see (the normalised score's basis). */
  readonly publicMedians: ReadonlyMap<number, number>
}

export function groupFigures (metric: ComparisonMetric, k: number, audience: Audience, overall: readonly MemberSums[], members: readonly MemberBands[]): GroupFigures {
  const voters = votersOf(metric, overall, false)
  const perBand = byBand(members)
  const bandVoters = new Map<number, Voter[]>()
  const bands: BandFigures[] = []
  const publicMedians = new Map<number, number>()
  for (const band of [...perBand.keys()].sort((a, b) => a - b)) {
    const bv = votersOf(metric, perBand.get(band) as { member: GroupMember, sums: RollupSums }[], true)
    bandVoters.set(band, bv)
    const published = publishDistribution(bv, k, 'public')
    if (published.median !== undefined) publicMedians.set(band, published.median)
    const figures = audience === 'public' ? published : publishDistribution(bv, k, audience)
    // Bands under K are left out altogether: even their existence says where one home lives.
    if (figures.installations === null || figures.installations === 0) continue
    bands.push({ ...comparisonBand(band), ...figures })
  }
  return { voters, overall: publishDistribution(voters, k, audience), bandVoters, bands, publicMedians }
}

const memo = new WeakMap<object, WeakMap<object, Map<string, GroupFigures>>>()

/**
 * `groupFigures`, remembered per snapshot: a day's snapshot arrays are the same objects for
 * every request of the day, so each metric and audience is computed once. Uncached snapshots
 * (new arrays every time) are computed every time.
 */
export function snapshotFigures (metric: ComparisonMetric, k: number, audience: Audience, overall: readonly MemberSums[], members: readonly MemberBands[]): GroupFigures {
  let byBands = memo.get(overall)
  if (byBands === undefined) memo.set(overall, byBands = new WeakMap())
  let figures = byBands.get(members)
  if (figures === undefined) byBands.set(members, figures = new Map())
  const key = `${metric}|${k}|${audience}`
  let out = figures.get(key)
  if (out === undefined) figures.set(key, out = groupFigures(metric, k, audience, overall, members))
  return out
}

/** The installation's heat pumps in the group: values, and positions among the others. */
export function ownFigures (metric: ComparisonMetric, k: number, group: GroupFigures, overall: readonly MemberSums[], members: readonly MemberBands[], own: string): OwnFigures[] {
  const mine: OwnFigures[] = []
  for (const { member, sums } of overall) {
    if (member.installationId !== own) continue
    const value = vote(metric, sums, false)
    const ownBands = members.find((m) => m.member.heatPumpId === member.heatPumpId)?.bands ?? new Map<number, RollupSums>()
    const bands: OwnBand[] = []
    for (const [band, bs] of [...ownBands].sort((a, b) => a[0] - b[0])) {
      const v = vote(metric, bs, true)
      if (v === undefined) continue
      bands.push({ ...comparisonBand(band), value: round2(v), percentile: positionAmong(v, own, group.bandVoters.get(band) ?? [], k) })
    }
    mine.push({
      heat_pump: member.hpKey,
      value: value === undefined ? null : round2(value),
      percentile: value === undefined ? null : positionAmong(value, own, group.voters, k),
      missing: missingData(sums, false),
      bands,
    })
  }
  return mine
}

export interface ComparisonInput {
  readonly metric: ComparisonMetric
  readonly k: number
  readonly audience: Audience
  readonly overall: readonly MemberSums[]
  readonly bands: readonly MemberBands[]
  /** The caller's installation, when an installation asks. */
  readonly ownInstallation?: string
}

export function buildComparison (input: ComparisonInput): ComparisonFigures {
  const { metric, k, audience, overall, bands } = input
  const group = snapshotFigures(metric, k, audience, overall, bands)
  const out = { overall: group.overall, bands: group.bands }
  return input.ownInstallation === undefined ? out : { ...out, mine: ownFigures(metric, k, group, overall, bands, input.ownInstallation) }
}
