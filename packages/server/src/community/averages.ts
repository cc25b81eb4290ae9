import { DERIVED_METRICS } from '@heatpool/protocol'
import type { Kysely } from 'kysely'
import { utcDay } from '../ledger/contribution.js'
import { emptySums, hourOf, meanOutdoor, ROLLUP_SUM_COLUMNS, type RollupSums } from '../rollups/rollup.js'
import type { Database } from '../store/schema.js'

/**
 * Community figures from rollups (design brief "Community statistics"): per heat pump one value
 * over the window — COP as Σ heat ÷ Σ electricity, temperatures weighted by heat, power as energy
 * over covered time — then mean, min and max across heat pumps (one vote each).
 */
export const COMMUNITY_METRICS = ['cop', 'temp_outdoor', 'temp_flow', 'temp_return', 'power_heat', 'power_electric'] as const
export type CommunityMetric = (typeof COMMUNITY_METRICS)[number]

/** Upstream names (training features, averages defaults, driver ids) for the same figures. */
const ALIASES: Readonly<Record<string, CommunityMetric>> = {
  cop_current: 'cop',
  cop_avg: 'cop',
  temp_outside: 'temp_outdoor',
  power_current: 'power_heat',
  power_thermal: 'power_heat',
  power_compressor: 'power_electric',
  power_current_draw: 'power_electric',
}

export function resolveCommunityMetric (name: string): CommunityMetric | undefined {
  return (COMMUNITY_METRICS as readonly string[]).includes(name) ? name as CommunityMetric : ALIASES[name]
}

/** Heat pumps need at least this much electricity in the window for a COP (1 h at 100 W). */
export const MIN_ELECTRIC_WH = 100

/** One heat pump's value of a metric over its window sums; undefined when it has no basis for one. */
export function heatPumpValue (metric: CommunityMetric, s: Readonly<RollupSums>): number | undefined {
  switch (metric) {
    case 'cop': {
      if (s.electric_wh < MIN_ELECTRIC_WH) return undefined
      const cop = s.heat_wh / s.electric_wh
      return cop <= DERIVED_METRICS.cop.max ? cop : undefined
    }
    case 'temp_outdoor': return meanOutdoor(s) ?? undefined
    case 'temp_flow': return s.flow_h > 0 ? s.flow_hw / s.flow_h : undefined
    case 'temp_return': return s.return_h > 0 ? s.return_hw / s.return_h : undefined
    case 'power_heat': return s.covered_s > 0 ? s.heat_wh / (s.covered_s / 3600) : undefined
    case 'power_electric': return s.covered_s > 0 ? s.electric_wh / (s.covered_s / 3600) : undefined
  }
}

export const WINDOWS = {
  '24h': { table: 'rollups_hourly', buckets: 24 },
  '7d': { table: 'rollups_daily', buckets: 7 },
  '30d': { table: 'rollups_daily', buckets: 30 },
  '365d': { table: 'rollups_daily', buckets: 365 },
} as const
export type WindowName = keyof typeof WINDOWS

/**
 * The first bucket of a window ending now: the last `buckets` hours (24h) or UTC days, the
 * current, partial one included.
 */
export function windowStart (window: WindowName, nowMs: number): number {
  const w = WINDOWS[window]
  return (w.table === 'rollups_hourly' ? hourOf(nowMs) : utcDay(nowMs)) - w.buckets + 1
}

export interface HeatPumpWindow {
  readonly heatPumpId: number
  readonly installationId: string
  readonly sums: RollupSums
}

/** Window sums per heat pump of a heat-pump model group (by model key). */
export async function groupWindowSums (db: Kysely<Database>, modelKey: string, window: WindowName, nowMs: number): Promise<HeatPumpWindow[]> {
  const from = windowStart(window, nowMs)
  const w = WINDOWS[window]
  // Both tables have the same sum columns; they differ in the bucket column only.
  const table = w.table as 'rollups_hourly'
  const bucket = (w.table === 'rollups_hourly' ? 'r.hour' : 'r.day') as 'r.hour'
  const rows = await db.selectFrom(`${table} as r`)
    .innerJoin('heat_pumps as hp', 'hp.id', 'r.heat_pump_id')
    .select((eb) => [
      'r.heat_pump_id as heat_pump_id',
      'hp.installation_id as installation_id',
      ...ROLLUP_SUM_COLUMNS.map((c) => eb.fn.sum<number>(`r.${c}`).as(c)),
    ])
    .where('hp.model_key', '=', modelKey)
    .where(bucket, '>=', from)
    .groupBy(['r.heat_pump_id', 'hp.installation_id'])
    .execute()
  return rows.map((r) => {
    const sums = emptySums()
    for (const c of ROLLUP_SUM_COLUMNS) sums[c] = Number((r as Record<string, unknown>)[c] ?? 0)
    return { heatPumpId: r.heat_pump_id, installationId: r.installation_id, sums }
  })
}

export interface MetricStat {
  readonly avg: number
  readonly min: number
  readonly max: number
  /** Heat pumps that had a value. */
  readonly n: number
}

const round2 = (x: number) => Math.round(x * 100) / 100

/** Mean, min and max of one value per heat pump, rounded to 2 decimals as upstream. */
export function groupStat (metric: CommunityMetric, heatPumps: readonly HeatPumpWindow[]): MetricStat | undefined {
  const values: number[] = []
  for (const hp of heatPumps) {
    const v = heatPumpValue(metric, hp.sums)
    if (v !== undefined) values.push(v)
  }
  if (values.length === 0) return undefined
  return {
    avg: round2(values.reduce((a, b) => a + b, 0) / values.length),
    min: round2(Math.min(...values)),
    max: round2(Math.max(...values)),
    n: values.length,
  }
}

/** Heat pumps that have any data in the window, and their distinct installations. */
export function activeMembers (heatPumps: readonly HeatPumpWindow[]): { heatPumps: HeatPumpWindow[], installations: number } {
  const active = heatPumps.filter((hp) => hp.sums.records > 0 || hp.sums.covered_s > 0)
  return { heatPumps: active, installations: new Set(active.map((hp) => hp.installationId)).size }
}

