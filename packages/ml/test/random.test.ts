import { describe, expect, it } from 'vitest'
import { Random } from '../src/random.js'

describe('Random', () => {
  it('is determined by its seed and continues from its state', () => {
    const a = new Random(5)
    const b = new Random(5)
    const drawn = Array.from({ length: 10 }, () => a.next())
    expect(Array.from({ length: 10 }, () => b.next())).toEqual(drawn)
    const resumed = new Random(a.state)
    expect(resumed.next()).toBe(a.next())
    expect(new Random(6).next()).not.toBe(new Random(5).next())
  })

  it('draws uniformly in [0, 1) and integers below n', () => {
    const random = new Random(1)
    const draws = Array.from({ length: 10_000 }, () => random.next())
    expect(draws.every((u) => u >= 0 && u < 1)).toBe(true)
    expect(draws.reduce((s, u) => s + u, 0) / draws.length).toBeCloseTo(0.5, 1)
    const ints = new Set(Array.from({ length: 1000 }, () => random.below(3)))
    expect([...ints].sort()).toEqual([0, 1, 2])
  })

  it.each([-1, 1.5, 2 ** 32, Number.NaN])('refuses the seed %s', (seed) => {
    expect(() => new Random(seed)).toThrow(/seed must be an integer/)
  })
})
