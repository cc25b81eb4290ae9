import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { publishDistribution, type Voter } from './disclosure.js'

const group = (values: number[], installations = values.map((_, i) => `i${i}`)): Voter[] => values.map((value, i) => ({ value, installationId: installations[i] as string }))
const range = (n: number) => Array.from({ length: n }, (_, i) => 2 + i / 10)

describe('publishDistribution', () => {
  it('publishes nothing, not even n, for fewer than K installations; admins see everything', () => {
    const four = group([3.1, 3.5, 3.9, 4.2])
    expect(publishDistribution(four, 5, 'public')).toEqual({ installations: null, heat_pumps: null, withheld: 'fewer than 5 installations: no figures are published' })
    expect(publishDistribution(four, 5, 'admin')).toEqual({ installations: 4, heat_pumps: 4, p10: 3.1, p25: 3.1, median: 3.5, p75: 3.9, p90: 4.2, mean: 3.68, min: 3.1, max: 4.2 })
  })

  it('counts installations, not heat pumps: five heat pumps of two homes are two', () => {
    expect(publishDistribution(group([1, 2, 3, 4, 5], ['a', 'a', 'a', 'b', 'b']), 3, 'public').installations).toBeNull()
  })

  it('widens the published quantiles with the group: n only, then median, then p25–p75, then p10–p90', () => {
    const keys = (n: number) => Object.keys(publishDistribution(group(range(n)), 5, 'public')).filter((key) => key.startsWith('p') || key === 'median')
    expect(keys(5)).toEqual([])
    expect(keys(8)).toEqual([])
    expect(keys(9)).toEqual(['median'])
    expect(keys(18)).toEqual(['median'])
    expect(keys(19)).toEqual(['p25', 'median', 'p75'])
    expect(keys(40)).toEqual(['p25', 'median', 'p75'])
    expect(keys(41)).toEqual(['p10', 'p25', 'median', 'p75', 'p90'])
  })

  it('never publishes a mean, minimum or maximum to non-admins, and every quantile is one voter\'s value', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 1, max: 8, noNaN: true }), { minLength: 0, maxLength: 90 }), fc.integer({ min: 3, max: 8 }), (values, k) => {
      const out = publishDistribution(group(values), k, 'public')
      expect(out).not.toHaveProperty('mean')
      expect(out).not.toHaveProperty('min')
      expect(out).not.toHaveProperty('max')
      const rounded = values.map((v) => Math.round(v * 100) / 100)
      for (const key of ['p10', 'p25', 'median', 'p75', 'p90'] as const) if (out[key] !== undefined) expect(rounded).toContain(out[key])
    }))
  })

  it('differencing: when one home leaves, at least K homes would have left the same answer behind', () => {
    // The attacker knows the answer before and after one home left, and which home left; the
    // answer after is identical for every one of at least K candidates, so their values (all
    // different here) are indistinguishable: the leaver's value is not recovered.
    const values = fc.uniqueArray(fc.integer({ min: 100, max: 900 }), { minLength: 3, maxLength: 70 }).map((xs) => xs.map((x) => x / 100))
    fc.assert(fc.property(values, fc.integer({ min: 3, max: 7 }), fc.nat(), (xs, k, pick) => {
      const voters = group(xs)
      const leaver = pick % voters.length
      const without = (i: number) => voters.filter((_, j) => j !== i)
      const observed = JSON.stringify(publishDistribution(without(leaver), k, 'public'))
      const candidates = voters.filter((_, i) => JSON.stringify(publishDistribution(without(i), k, 'public')) === observed)
      expect(candidates.map((c) => c.installationId)).toContain(voters[leaver]?.installationId)
      expect(new Set(candidates.map((c) => c.value)).size).toBeGreaterThanOrEqual(Math.min(k, voters.length))
    }), { numRuns: 300 })
  })

  it('the same attack on a mean succeeds, which is why public answers carry none', () => {
    const xs = range(30)
    const before = publishDistribution(group(xs), 5, 'admin')
    const after = publishDistribution(group(xs.slice(1)), 5, 'admin')
    const recovered = (before.mean as number) * 30 - (after.mean as number) * 29
    expect(recovered).toBeCloseTo(xs[0] as number, 0)
  })
})
