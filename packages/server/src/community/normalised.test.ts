import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bandScore, carnotCop, percentOfCarnot } from './normalised.js'

describe('% of Carnot', () => {
  it('uses condensing flow + 2 K and evaporating outdoor − 6 K', () => {
    // 35 °C flow, 7 °C outdoor: hot 310.15 K, cold 274.15 K, Carnot 310.15 / 36 = 8.615.
    expect(carnotCop(35, 7)).toBeCloseTo(310.15 / 36, 9)
    expect(percentOfCarnot(4.3, 35, 7)).toBeCloseTo(100 * 4.3 / (310.15 / 36), 9)
    expect(carnotCop(-20, 10)).toBeUndefined()
  })

  it('rises with the lift for the same COP (the same COP against a larger lift is the better machine)', () => {
    fc.assert(fc.property(fc.double({ min: 25, max: 55, noNaN: true }), fc.double({ min: -20, max: 15, noNaN: true }), fc.double({ min: 1, max: 10, noNaN: true }), (flow, out, more) => {
      expect(percentOfCarnot(3.5, flow + more, out) as number).toBeGreaterThan(percentOfCarnot(3.5, flow, out) as number)
    }))
  })
})

describe('band score', () => {
  it('is the heat-weighted mean of COP ÷ group median', () => {
    const s = bandScore([{ heatWh: 3000, cop: 3.3, groupMedian: 3 }, { heatWh: 1000, cop: 2.7, groupMedian: 3 }, { heatWh: 500, cop: 5, groupMedian: 0 }])
    expect(s?.score).toBeCloseTo((3000 * 1.1 + 1000 * 0.9) / 4000, 12)
    expect(s?.bands).toBe(2)
    expect(bandScore([])).toBeUndefined()
  })

  it('is 1 for a heat pump exactly at the group median in every band, whatever the weights', () => {
    fc.assert(fc.property(fc.array(fc.record({ heatWh: fc.double({ min: 1, max: 1e5, noNaN: true }), cop: fc.double({ min: 1, max: 8, noNaN: true }) }), { minLength: 1 }), (bands) => {
      expect(bandScore(bands.map((b) => ({ ...b, groupMedian: b.cop })))?.score).toBeCloseTo(1, 9)
    }))
  })
})
