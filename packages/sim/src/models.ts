import { daikinAlthermaDriver, idmNavigatorDriver, luxtronikDriver, nibeSSeriesDriver, type DriverMap } from '@heatpool/protocol'

export type HeatSource = 'air' | 'ground'

/** A heat-pump product as the simulator builds it. */
export interface HeatPumpModel {
  /** Command-line key, e.g. `aero-slm`. */
  readonly key: string
  /** Free-text product name as owners register it (`heatpump_model`). */
  readonly name: string
  /** The protocol driver whose raw sensor ids the unit sends. */
  readonly driver: DriverMap
  readonly source: HeatSource
  /** Heat output at A2/W35 (B0/W35 for ground source), W. */
  readonly nominalW: number
  /** Lowest modulation as a fraction of the output; 1 = on/off compressor. */
  readonly minModulation: number
  /** Fraction of the Carnot COP the model reaches (exergy efficiency), before per-unit spread. */
  readonly carnotFraction: number
  /** Standard deviation of the per-unit Carnot fraction, relative (0.03 = ±3 %). */
  readonly unitSpread: number
  /** Highest flow temperature, °C. */
  readonly maxFlow: number
}

/**
 * The simulated products. Carnot fractions sit in the 41–58 % range heatpumpmonitor.org reports
 * for real systems (research/anchors_community.md §1), ordered so that comparisons have a known
 * answer: S1255 > AERO SLM > Altherma 3 > LWD 70.
 */
export const MODELS: readonly HeatPumpModel[] = [
  { key: 'aero-slm', name: 'AERO SLM', driver: idmNavigatorDriver, source: 'air', nominalW: 8000, minModulation: 0.3, carnotFraction: 0.5, unitSpread: 0.03, maxFlow: 65 },
  { key: 's1255', name: 'S1255', driver: nibeSSeriesDriver, source: 'ground', nominalW: 6000, minModulation: 0.25, carnotFraction: 0.53, unitSpread: 0.03, maxFlow: 65 },
  { key: 'altherma-3', name: 'Altherma 3', driver: daikinAlthermaDriver, source: 'air', nominalW: 8000, minModulation: 0.35, carnotFraction: 0.46, unitSpread: 0.03, maxFlow: 60 },
  { key: 'lwd-70', name: 'LWD 70', driver: luxtronikDriver, source: 'air', nominalW: 7000, minModulation: 1, carnotFraction: 0.42, unitSpread: 0.03, maxFlow: 60 },
]

/** A model by key (`aero-slm`) or name (`AERO SLM`), case-insensitive. */
export function findModel (keyOrName: string): HeatPumpModel | undefined {
  const k = keyOrName.trim().toLowerCase()
  return MODELS.find((m) => m.key === k || m.name.toLowerCase() === k)
}
