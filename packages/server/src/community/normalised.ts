/**
 * Temperature-normalised efficiency, so homes in cold and mild climates compare fairly
 * (research/anchors_community.md §4.6).
 *
 * - % of Carnot: the measured COP over the ideal Carnot COP between a condensing temperature of
 *   flow + 2 K and an evaporating temperature of outdoor − 6 K (heatpumpmonitor.org's
 *   convention), from the period's heat-weighted flow and outdoor temperatures. HPM simulates
 *   Carnot per interval; from rollups we only have period means, so this is the period
 *   approximation (slightly optimistic for periods with widely varying lift).
 * - Band score: per 2 K outdoor band the heat pump's COP divided by its group's median COP in
 *   the same band, averaged over the bands weighted by the heat pump's heat in each: 1.00 is the
 *   group's typical unit at the temperatures this home actually had, 1.10 is 10 % better.
 */
const KELVIN = 273.15
const CONDENSING_OFFSET_K = 2
const EVAPORATING_OFFSET_K = -6

/** Ideal (Carnot) heating COP for the given heat-weighted flow and outdoor temperatures (°C). */
export function carnotCop (flowC: number, outdoorC: number): number | undefined {
  const hot = flowC + CONDENSING_OFFSET_K + KELVIN
  const cold = outdoorC + EVAPORATING_OFFSET_K + KELVIN
  const lift = hot - cold
  return lift > 0 ? hot / lift : undefined
}

/** The measured COP as a percentage of the Carnot COP. */
export function percentOfCarnot (cop: number, flowC: number, outdoorC: number): number | undefined {
  const ideal = carnotCop(flowC, outdoorC)
  return ideal === undefined ? undefined : 100 * cop / ideal
}

export interface BandComparison {
  /** Heat this heat pump delivered in the band (Wh), the weight. */
  readonly heatWh: number
  readonly cop: number
  /** The group's published median COP in the band. */
  readonly groupMedian: number
}

export interface BandScore {
  readonly score: number
  readonly bands: number
  /** Share of the heat pump's heat in the bands used. */
  readonly heatWh: number
}

/** Heat-weighted mean of COP ÷ group median over the bands; undefined without usable bands. */
export function bandScore (bands: readonly BandComparison[]): BandScore | undefined {
  let weight = 0
  let sum = 0
  let used = 0
  for (const b of bands) {
    if (!(b.heatWh > 0) || !(b.groupMedian > 0)) continue
    weight += b.heatWh
    sum += b.heatWh * b.cop / b.groupMedian
    used++
  }
  return weight > 0 ? { score: sum / weight, bands: used, heatWh: weight } : undefined
}
