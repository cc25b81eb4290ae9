import type { RollupSums } from '../rollups/rollup.js'
import { comparisonBand, positionAmong, snapshotFigures } from './comparison.js'
import { distinctInstallations } from './disclosure.js'
import type { MemberBands, MemberSums } from './group-snapshots.js'
import type { GroupMember } from './group-sums.js'
import { missingData, vote, type MissingData } from './heat-pump-values.js'
import { bandScore, type BandComparison } from './normalised.js'

/**
 * COP ranking of one heat pump within its model group (issue 6 item 3): its seasonal COP's
 * position among the other installations' heat pumps, overall and per outdoor band, and the
 * temperature-normalised scores. Pure.
 */
export type RankMissing = MissingData | 'model' | 'group_size'

export interface RankBand {
  readonly band: number
  readonly from: number
  readonly to: number
  readonly cop: number
  readonly percentile: number | null
  readonly group_median: number | null
}

export interface RankingEntry {
  readonly heat_pump: string
  readonly model: string | null
  readonly model_key: string | null
  readonly ranked: boolean
  readonly missing: RankMissing[]
  readonly figures: {
    readonly running_hours: number
    readonly electricity_kwh: number
    /** Other installations of the group with enough data; null when fewer than K. */
    readonly other_installations: number | null
  }
  readonly cop: number | null
  readonly percentile: number | null
  /** Heat pumps ranked in the group (this one included), when ranked. */
  readonly n: number | null
  readonly statement: string | null
  readonly bands: RankBand[]
  readonly normalised: {
    readonly band_score: number | null
    readonly bands_used: number
    readonly heat_share: number | null
    readonly pct_carnot: number | null
    readonly pct_carnot_percentile: number | null
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100
const round1 = (x: number) => Math.round(x * 10) / 10

export interface RankingInput {
  readonly member: GroupMember
  readonly modelKey: string | null
  /** The group's display name. */
  readonly modelName: string | null
  readonly k: number
  /** The heat pump's own sums (also when it has no group). */
  readonly sums: RollupSums
  readonly overall: readonly MemberSums[]
  readonly bands: readonly MemberBands[]
}

export function rank (input: RankingInput): RankingEntry {
  const { member, k, sums } = input
  const own = member.installationId
  const missing: RankMissing[] = [...missingData(sums, false)]
  if (input.modelKey === null) missing.unshift('model')
  const cops = snapshotFigures('cop', k, 'public', input.overall, input.bands)
  const otherInstallations = distinctInstallations(cops.voters.filter((v) => v.installationId !== own))
  if (input.modelKey !== null && otherInstallations < k) missing.push('group_size')
  const cop = vote('cop', sums, false)
  const figures = {
    running_hours: round1(sums.running_s / 3600),
    electricity_kwh: round1(sums.electric_wh / 1000),
    other_installations: otherInstallations >= k ? otherInstallations : null,
  }
  const ranked = missing.length === 0 && cop !== undefined
  const percentile = ranked ? positionAmong(cop, own, cops.voters, k) : null

  // Per band: own COP, position, and the group's published median (the normalised score's basis).
  const ownBands = input.bands.find((m) => m.member.heatPumpId === member.heatPumpId)?.bands ?? new Map<number, RollupSums>()
  const bands: RankBand[] = []
  const comparisons: BandComparison[] = []
  for (const [band, bs] of [...ownBands].sort((a, b) => a[0] - b[0])) {
    const v = vote('cop', bs, true)
    if (v === undefined) continue
    const median = cops.publicMedians.get(band)
    bands.push({ ...comparisonBand(band), cop: round2(v), percentile: positionAmong(v, own, cops.bandVoters.get(band) ?? [], k), group_median: median ?? null })
    if (median !== undefined) comparisons.push({ heatWh: bs.heat_wh, cop: v, groupMedian: median })
  }
  const score = bandScore(comparisons)
  const carnot = vote('pct_carnot', sums, false)
  const carnotVoters = carnot === undefined || !ranked ? [] : snapshotFigures('pct_carnot', k, 'public', input.overall, input.bands).voters
  return {
    heat_pump: member.hpKey,
    model: input.modelName,
    model_key: input.modelKey,
    ranked,
    missing,
    figures,
    cop: cop === undefined ? null : round2(cop),
    percentile,
    n: ranked ? cops.voters.length : null,
    statement: percentile === null ? null : `better than ${percentile} % of ${input.modelName ?? input.modelKey} owners`,
    bands,
    normalised: {
      band_score: score === undefined ? null : round2(score.score),
      bands_used: score?.bands ?? 0,
      heat_share: score === undefined || !(sums.heat_wh > 0) ? null : round2(Math.min(1, score.heatWh / sums.heat_wh)),
      pct_carnot: carnot === undefined ? null : round1(carnot),
      pct_carnot_percentile: carnot === undefined || !ranked ? null : positionAmong(carnot, own, carnotVoters, k),
    },
  }
}
