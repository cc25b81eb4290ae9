import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { describe as describeValues, quantile, quantileRank } from './distribution.js'

const values = fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 1, maxLength: 80 })
const q = fc.double({ min: 0.001, max: 1, noNaN: true })

describe('nearest-rank quantiles', () => {
  it('are the textbook values for a small list', () => {
    const d = describeValues([5, 1, 4, 2, 3, 10, 9, 8, 7, 6])
    expect(d).toEqual({ n: 10, mean: 5.5, min: 1, p10: 1, p25: 3, median: 5, p75: 8, p90: 9, max: 10 })
    expect(describeValues([])).toBeUndefined()
  })

  it('do not suffer from floating point: 0.1 × 30 is rank 3', () => {
    expect(quantileRank(30, 0.1)).toBe(3)
    expect(quantileRank(20, 0.25)).toBe(5)
    expect(quantileRank(1, 0.1)).toBe(1)
  })

  it('are the smallest value with at least q·n values at or below it, and always one of the values', () => {
    fc.assert(fc.property(values, q, (xs, p) => {
      const sorted = [...xs].sort((a, b) => a - b)
      const v = quantile(sorted, p) as number
      expect(xs).toContain(v)
      expect(sorted.filter((x) => x <= v).length).toBeGreaterThanOrEqual(p * xs.length - 1e-9)
      expect(sorted.filter((x) => x < v).length).toBeLessThan(p * xs.length + 1e-9)
    }))
  })

  it('are ordered: min ≤ p10 ≤ p25 ≤ median ≤ p75 ≤ p90 ≤ max, mean within [min, max]', () => {
    fc.assert(fc.property(values, (xs) => {
      const d = describeValues(xs)!
      const chain = [d.min, d.p10, d.p25, d.median, d.p75, d.p90, d.max]
      for (let i = 1; i < chain.length; i++) expect(chain[i]).toBeGreaterThanOrEqual(chain[i - 1] as number)
      expect(d.mean).toBeGreaterThanOrEqual(d.min - 1e-9)
      expect(d.mean).toBeLessThanOrEqual(d.max + 1e-9)
    }))
  })
})
