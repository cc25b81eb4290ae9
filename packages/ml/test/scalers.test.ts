import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Scaler } from '../src/detector.js'
import { loadScaler } from '../src/load.js'
import { MinMaxScaler } from '../src/min-max-scaler.js'
import { StandardScaler } from '../src/standard-scaler.js'

const roundTrip = (scaler: Scaler): Scaler => loadScaler(JSON.parse(JSON.stringify(scaler.toJSON())))

describe('MinMaxScaler', () => {
  it('maps the seen range onto [0, 1] and clips outside it', () => {
    const scaler = new MinMaxScaler()
    for (const v of [10, 20, 15]) scaler.learnOne({ t: v })
    expect(scaler.transformOne({ t: 15 })).toEqual({ t: 0.5 })
    expect(scaler.transformOne({ t: 5 })).toEqual({ t: 0 })
    expect(scaler.transformOne({ t: 40 })).toEqual({ t: 1 })
    expect(new MinMaxScaler({ clip: false }).options).toEqual({ clip: false })
    expect(() => new MinMaxScaler({ clamp: true } as never)).toThrow(/unknown MinMaxScaler option "clamp"/)
  })

  it('maps a single seen value to 0.5 and leaves unknown or missing features out', () => {
    const scaler = new MinMaxScaler()
    scaler.learnOne({ a: 3, b: Number.NaN })
    expect(scaler.transformOne({ a: 3, b: 1, c: 2 })).toEqual({ a: 0.5 })
    scaler.learnOne({ c: 1 })
    expect(scaler.transformOne({ c: 1 })).toEqual({ c: 0.5 })
  })

  it('handles any feature name, including __proto__', () => {
    const scaler = new MinMaxScaler()
    const x = JSON.parse('{"__proto__": 1, "a": 2}') as Record<string, number>
    scaler.learnOne(x)
    const out = scaler.transformOne(x)
    expect(Object.keys(out).sort()).toEqual(['__proto__', 'a'])
    expect(roundTrip(scaler).toJSON()).toEqual(scaler.toJSON())
  })
})

describe('StandardScaler', () => {
  it('matches the batch mean and population standard deviation (Welford)', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 50 }), (values) => {
      const scaler = new StandardScaler()
      for (const v of values) scaler.learnOne({ v })
      const mean = values.reduce((s, v) => s + v, 0) / values.length
      const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length)
      const z = scaler.transformOne({ v: values[0]! }).v!
      const expected = sd > 1e-6 ? (values[0]! - mean) / sd : z
      return Math.abs(z - expected) < 1e-6 * Math.max(1, Math.abs(expected))
    }), { numRuns: 100 })
  })

  it('maps zero spread to 0 and leaves unknown features out', () => {
    const scaler = new StandardScaler()
    scaler.learnOne({ a: 5 })
    scaler.learnOne({ a: 5 })
    expect(scaler.transformOne({ a: 7, b: 1 })).toEqual({ a: 0 })
  })
})

describe.each([
  ['MinMaxScaler', () => new MinMaxScaler()],
  ['StandardScaler', () => new StandardScaler()],
])('%s contract', (_, make) => {
  const xs = Array.from({ length: 100 }, (_, i) => ({ b: Math.sin(i), a: i % 7, ...(i % 3 === 0 ? { c: i } : {}) }))

  it('round-trips exactly through JSON, then transforms and learns identically', () => {
    const original = make()
    xs.slice(0, 50).forEach((x) => original.learnOne(x))
    const revived = roundTrip(original)
    expect(revived.toJSON()).toEqual(original.toJSON())
    for (const x of xs.slice(50)) {
      expect(revived.transformOne(x)).toEqual(original.transformOne(x))
      original.learnOne(x)
      revived.learnOne(x)
    }
    expect(revived.toJSON()).toEqual(original.toJSON())
  })

  it('does not mutate inputs nor depend on key order', () => {
    const one = make()
    const other = make()
    for (const x of xs) {
      const frozen = Object.freeze({ ...x })
      one.learnOne(frozen)
      other.learnOne(Object.fromEntries(Object.entries(x).reverse()))
      expect(one.transformOne(frozen)).toEqual(other.transformOne(x))
    }
    expect(one.toJSON()).toEqual(other.toJSON())
    expect(Object.isFrozen(one.options)).toBe(true)
  })

  it('transforms arbitrary finite inputs to finite values and round-trips them (property)', () => {
    const observation = fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.double({ noNaN: true, noDefaultInfinity: true }))
    fc.assert(fc.property(fc.array(observation, { maxLength: 30 }), observation, (learned, probe) => {
      const scaler = make()
      for (const x of learned) scaler.learnOne(x)
      const out = Object.values(scaler.transformOne(probe))
      const revived = roundTrip(scaler)
      return out.every(Number.isFinite) && JSON.stringify(revived.toJSON()) === JSON.stringify(scaler.toJSON())
    }), { numRuns: 100 })
  })

  it('refuses unknown kinds and versions', () => {
    const json = JSON.parse(JSON.stringify(make().toJSON())) as Record<string, unknown>
    expect(() => loadScaler({ ...json, kind: 'robust-scaler' })).toThrow(/unknown scaler kind "robust-scaler"/)
    expect(() => loadScaler({ ...json, version: 2 })).toThrow(/unsupported version 2/)
  })
})
