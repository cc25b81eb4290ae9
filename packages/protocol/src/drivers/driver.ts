import type { MetricName } from '../catalog.js'

/** How one raw sensor id becomes a canonical metric. */
export interface FieldRule {
  readonly metric: MetricName
  /** Factor from the raw unit to the catalog unit, e.g. 1000 for kW → W. */
  readonly scale?: number
  /**
   * When several raw fields of one record map to the same metric, the lowest priority present
   * wins (default 0); the others are ignored. Not used with `combine`.
   */
  readonly priority?: number
  /** `sum`: the metric is the sum of every field mapped with `sum` (counters split by use). */
  readonly combine?: 'sum'
  /**
   * Maps the coerced raw number to the catalog value (after `scale`). `undefined` means the raw
   * value has no catalog meaning and is ignored, not rejected (e.g. a bitfield state we don't track).
   */
  readonly decode?: (value: number) => number | undefined
}

/**
 * A driver's map from raw sensor ids to the catalog. `null` marks a raw id that must not fall
 * through to the canonical names (same spelling, different meaning).
 */
export interface DriverMap {
  /** `<manufacturer>/<model>` as the upstream driver registry names it, e.g. `idm/navigator_2_0`. */
  readonly id: string
  readonly manufacturer: string
  readonly model: string
  readonly fields: Readonly<Record<string, FieldRule | null>>
}
