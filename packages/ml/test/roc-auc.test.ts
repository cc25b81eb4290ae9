import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { rocAuc } from '../src/roc-auc.js'

/** The definition, pair by pair: P(score of an anomaly > score of a normal point), ties ½. */
function pairwiseAuc (labels: readonly boolean[], scores: readonly number[]): number {
  let wins = 0
  let pairs = 0
  labels.forEach((positive, i) => {
    if (!positive) return
    labels.forEach((other, j) => {
      if (other) return
      pairs++
      const a = scores[i]!
      const b = scores[j]!
      wins += a > b ? 1 : a === b ? 0.5 : 0
    })
  })
  return wins / pairs
}

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for an inverted one, 0.5 for all ties', () => {
    expect(rocAuc([false, false, true, true], [0.1, 0.2, 0.8, 0.9])).toBe(1)
    expect(rocAuc([true, true, false, false], [0.1, 0.2, 0.8, 0.9])).toBe(0)
    expect(rocAuc([true, false, true, false], [0.5, 0.5, 0.5, 0.5])).toBe(0.5)
  })

  it('counts ties as one half (worked example)', () => {
    // Pairs (anomaly, normal): (0.8, 0.3) win, (0.8, 0.8) tie, (0.4, 0.3) win, (0.4, 0.8) loss → 2.5 / 4.
    expect(rocAuc([true, false, true, false], [0.8, 0.3, 0.4, 0.8])).toBe(0.625)
  })

  it('equals the pairwise definition (property)', () => {
    const sample = fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 10 })), { minLength: 2, maxLength: 60 })
      .filter((rows) => rows.some(([l]) => l) && rows.some(([l]) => !l))
    fc.assert(fc.property(sample, (rows) => {
      const labels = rows.map(([l]) => l)
      const scores = rows.map(([, s]) => s / 10)
      return Math.abs(rocAuc(labels, scores) - pairwiseAuc(labels, scores)) < 1e-12
    }))
  })

  it('refuses mismatched lengths, a single class and non-finite scores', () => {
    expect(() => rocAuc([true], [1, 2])).toThrow(/1 labels for 2 scores/)
    expect(() => rocAuc([true, true], [1, 2])).toThrow(/both anomalies and normal/)
    expect(() => rocAuc([true, false], [1, Number.NaN])).toThrow(/finite/)
  })
})
