import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { percentileRank } from './percentile-rank.js'

describe('percentileRank', () => {
  it('is the share of the others below, ties half', () => {
    expect(percentileRank(3, [1, 2, 4, 5])).toBe(50)
    expect(percentileRank(3, [1, 2, 3, 5])).toBe(62.5)
    expect(percentileRank(9, [1, 2, 3])).toBe(100)
    expect(percentileRank(0, [1, 2, 3])).toBe(0)
    expect(percentileRank(1, [])).toBeUndefined()
  })

  it('lies in [0, 100] and never falls when the value rises', () => {
    const others = fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 1, maxLength: 50 })
    fc.assert(fc.property(others, fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), (os, v, d) => {
      const a = percentileRank(v, os) as number
      const b = percentileRank(v + d, os) as number
      expect(a).toBeGreaterThanOrEqual(0)
      expect(b).toBeLessThanOrEqual(100)
      expect(b).toBeGreaterThanOrEqual(a)
    }))
  })
})
