import type { Kysely } from 'kysely'
import type { Database } from '../store/schema.js'

/**
 * A simple group percentile of the seasonal COP, for the top-efficiency badges until the
 * community ranking (community/*) can fill `groupPercentile` instead: any GroupPercentileSource
 * will do.
 *
 * Seasonal COP of a heat pump = Σ heat ÷ Σ electricity over the SEASON_DAYS complete UTC days
 * before today (daily rollups). One vote per heat pump; a heat pump is ranked when it ran at
 * least MIN_RUNNING_S in the season and its COP is plausible (0 < COP ≤ MAX_PLAUSIBLE_COP).
 * Groups are heat-pump models (`heat_pumps.model_key`); a group is ranked only when its ranked
 * heat pumps belong to at least K distinct installations (K_ANONYMITY). Percentile of a heat
 * pump = 100 × (ranked heat pumps of the group with a strictly lower COP) ÷ (ranked heat pumps
 * of the group): the best of 10 has 90, the best of 5 has 80. An installation's percentile is
 * that of its best heat pump.
 */
export interface GroupPercentileSource {
  /** Percentile per installation id, for ranked installations only. */
  percentiles (today: number): Promise<ReadonlyMap<string, number>>
}

export const SEASON_DAYS = 365
export const MIN_RUNNING_S = 24 * 3600
export const MAX_PLAUSIBLE_COP = 10

export interface HeatPumpSeason {
  readonly heatPumpId: number
  readonly installationId: string
  readonly modelKey: string
  readonly heatWh: number
  readonly electricWh: number
  readonly runningS: number
}

/** The seasonal COP of a heat pump that may be ranked, else undefined. */
export function rankableCop (hp: HeatPumpSeason): number | undefined {
  if (hp.runningS < MIN_RUNNING_S || hp.electricWh <= 0 || hp.heatWh <= 0) return undefined
  const cop = hp.heatWh / hp.electricWh
  return cop <= MAX_PLAUSIBLE_COP ? cop : undefined
}

/** How many values of ascending `sorted` are strictly below `x` (binary search). */
function countBelow (sorted: readonly number[], x: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((sorted[mid] as number) < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Percentile per installation (best of its heat pumps) over the groups of at least `k` installations. Pure. */
export function installationPercentiles (heatPumps: readonly HeatPumpSeason[], k: number): Map<string, number> {
  const groups = new Map<string, { installationId: string, cop: number }[]>()
  for (const hp of heatPumps) {
    const cop = rankableCop(hp)
    if (cop === undefined) continue
    const group = groups.get(hp.modelKey) ?? []
    group.push({ installationId: hp.installationId, cop })
    groups.set(hp.modelKey, group)
  }
  const result = new Map<string, number>()
  for (const members of groups.values()) {
    if (new Set(members.map((m) => m.installationId)).size < k) continue
    const sorted = members.map((m) => m.cop).sort((a, b) => a - b)
    for (const m of members) {
      const percentile = (100 * countBelow(sorted, m.cop)) / sorted.length
      result.set(m.installationId, Math.max(result.get(m.installationId) ?? 0, percentile))
    }
  }
  return result
}

/** Season sums per heat pump with a model key, over the SEASON_DAYS days before `today`. */
export async function seasonSums (db: Kysely<Database>, today: number): Promise<HeatPumpSeason[]> {
  const rows = await db.selectFrom('rollups_daily as r')
    .innerJoin('heat_pumps as hp', 'hp.id', 'r.heat_pump_id')
    .select((eb) => [
      'hp.id as heat_pump_id',
      'hp.installation_id as installation_id',
      'hp.model_key as model_key',
      eb.fn.sum<number>('r.heat_wh').as('heat_wh'),
      eb.fn.sum<number>('r.electric_wh').as('electric_wh'),
      eb.fn.sum<number>('r.running_s').as('running_s'),
    ])
    .where('hp.model_key', 'is not', null)
    .where('r.day', '>=', today - SEASON_DAYS)
    .where('r.day', '<', today)
    .groupBy(['hp.id', 'hp.installation_id', 'hp.model_key'])
    .execute()
  return rows.map((r) => ({
    heatPumpId: Number(r.heat_pump_id),
    installationId: r.installation_id,
    modelKey: r.model_key as string,
    heatWh: Number(r.heat_wh),
    electricWh: Number(r.electric_wh),
    runningS: Number(r.running_s),
  }))
}

/** The seasonal-COP percentile from the store's daily rollups. */
export function seasonalCopPercentiles (db: Kysely<Database>, k: number): GroupPercentileSource {
  return { percentiles: async (today) => installationPercentiles(await seasonSums(db, today), k) }
}
