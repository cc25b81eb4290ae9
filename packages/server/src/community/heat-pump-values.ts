import { DERIVED_METRICS } from '@heatpool/protocol'
import { meanOutdoor, type RollupSums } from '../rollups/rollup.js'
import { MIN_ELECTRIC_WH } from './averages.js'
import { percentOfCarnot } from './normalised.js'

/**
 * One value per heat pump over a window or an outdoor band, from its rollup sums (design brief
 * "Community statistics"): COP as Σ heat ÷ Σ electricity (never a mean of instant COPs),
 * temperatures weighted by heat, % of Carnot from those. Pure.
 */
export const COMPARISON_METRICS = ['cop', 'cop_space', 'cop_dhw', 'temp_flow', 'temp_return', 'temp_outdoor', 'pct_carnot'] as const
export type ComparisonMetric = (typeof COMPARISON_METRICS)[number]

/**
 * Minimum data before a heat pump votes (and is ranked): running hours in the window, or in
 * the band for a band figure, and electricity for a COP.
 */
export const MIN_DATA = {
  runningHours: 24,
  bandRunningHours: 6,
  electricWh: MIN_ELECTRIC_WH,
} as const

export type MissingData = 'running_hours' | 'electricity'

/** What keeps a heat pump's sums from voting in a window (`band` false) or a band (true). */
export function missingData (s: Readonly<RollupSums>, band: boolean): MissingData[] {
  const missing: MissingData[] = []
  if (s.running_s < (band ? MIN_DATA.bandRunningHours : MIN_DATA.runningHours) * 3600) missing.push('running_hours')
  if (s.electric_wh < MIN_DATA.electricWh) missing.push('electricity')
  return missing
}

function ratio (heat: number, electric: number): number | undefined {
  if (electric < MIN_DATA.electricWh) return undefined
  const cop = heat / electric
  return cop <= DERIVED_METRICS.cop.max ? cop : undefined
}

const weighted = (h: number, hw: number) => (h > 0 ? hw / h : undefined)

export function metricValue (metric: ComparisonMetric, s: Readonly<RollupSums>): number | undefined {
  switch (metric) {
    case 'cop': return ratio(s.heat_wh, s.electric_wh)
    case 'cop_space': return ratio(s.heat_wh_space, s.electric_wh_space)
    case 'cop_dhw': return ratio(s.heat_wh_dhw, s.electric_wh_dhw)
    case 'temp_flow': return weighted(s.flow_h, s.flow_hw)
    case 'temp_return': return weighted(s.return_h, s.return_hw)
    case 'temp_outdoor': return meanOutdoor(s) ?? undefined
    case 'pct_carnot': {
      const cop = ratio(s.heat_wh, s.electric_wh)
      const flow = weighted(s.flow_h, s.flow_hw)
      const outdoor = weighted(s.outdoor_h, s.outdoor_hw)
      return cop === undefined || flow === undefined || outdoor === undefined ? undefined : percentOfCarnot(cop, flow, outdoor)
    }
  }
}

/** The heat pump's vote: its value when it has enough data and a value, else undefined. */
export function vote (metric: ComparisonMetric, s: Readonly<RollupSums>, band: boolean): number | undefined {
  return missingData(s, band).length === 0 ? metricValue(metric, s) : undefined
}
