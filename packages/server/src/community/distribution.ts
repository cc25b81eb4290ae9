/**
 * Order statistics of one value per heat pump (design brief "Community statistics").
 *
 * Percentile definition (nearest rank, Hyndman & Fan type 1): the q-quantile of n ascending
 * values x(1) ≤ … ≤ x(n) is x(r) with r = ⌈q·n⌉ (at least 1): the smallest value with at least
 * q·n values at or below it. A quantile is therefore always one of the values, never an
 * interpolation between two homes — which the disclosure rules (disclosure.ts) rely on.
 */
export const QUANTILES = { p10: 0.1, p25: 0.25, median: 0.5, p75: 0.75, p90: 0.9 } as const
export type QuantileName = keyof typeof QUANTILES

/** 1-based rank of the q-quantile of n values (q in (0, 1]); guards against 0.1 × 30 = 3.0000000000000004. */
export function quantileRank (n: number, q: number): number {
  return Math.min(n, Math.max(1, Math.ceil(q * n - 1e-9)))
}

/** The q-quantile of ascending `sorted` by nearest rank; undefined when empty. */
export function quantile (sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined
  return sorted[quantileRank(sorted.length, q) - 1]
}

export interface Distribution {
  readonly n: number
  readonly mean: number
  readonly min: number
  readonly p10: number
  readonly p25: number
  readonly median: number
  readonly p75: number
  readonly p90: number
  readonly max: number
}

/** The full description of `values` (any order); undefined when there are none. */
export function describe (values: readonly number[]): Distribution | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const q = (p: number) => quantile(sorted, p) as number
  return {
    n: sorted.length,
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    min: sorted[0] as number,
    p10: q(QUANTILES.p10),
    p25: q(QUANTILES.p25),
    median: q(QUANTILES.median),
    p75: q(QUANTILES.p75),
    p90: q(QUANTILES.p90),
    max: sorted[sorted.length - 1] as number,
  }
}
