import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ADAPTIVE_THRESHOLD_START, adaptiveThreshold, isAlarm, quantile, thresholdForFalseAlarmRate, updateAdaptiveThreshold,
} from '../src/threshold.js'
import type { AdaptiveThresholdState } from '../src/threshold.js'

const scores = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 200 })

describe('quantile', () => {
  it('interpolates between order statistics and leaves the sample alone', () => {
    const sample = Object.freeze([4, 1, 3, 2])
    expect(quantile(sample, 0)).toBe(1)
    expect(quantile(sample, 1)).toBe(4)
    expect(quantile(sample, 0.5)).toBe(2.5)
    expect(sample).toEqual([4, 1, 3, 2])
  })

  it('refuses empty samples, non-finite scores and q outside [0, 1]', () => {
    expect(() => quantile([], 0.5)).toThrow(/at least one score/)
    expect(() => quantile([Number.NaN], 0.5)).toThrow(/finite/)
    expect(() => quantile([1], 1.5)).toThrow(/quantile must be in \[0, 1\]/)
  })
})

describe('thresholdForFalseAlarmRate', () => {
  it('alarms on at most the target fraction of the sample (property)', () => {
    fc.assert(fc.property(scores, fc.double({ min: 0, max: 0.99, noNaN: true }), (sample, rate) => {
      const threshold = thresholdForFalseAlarmRate(sample, rate)
      const alarms = sample.filter((s) => isAlarm(s, threshold)).length
      return alarms <= rate * sample.length && sample.includes(threshold)
    }))
  })

  it('is the lowest such threshold when scores are distinct', () => {
    const sample = Array.from({ length: 100 }, (_, i) => i / 100)
    expect(thresholdForFalseAlarmRate(sample, 0.05)).toBe(0.94)
    expect(sample.filter((s) => isAlarm(s, 0.94)).length).toBe(5)
    expect(thresholdForFalseAlarmRate(sample, 0)).toBe(0.99)
  })

  it('refuses rates outside [0, 1)', () => {
    expect(() => thresholdForFalseAlarmRate([1], 1)).toThrow(/false-alarm rate/)
  })
})

describe('adaptive threshold (EWMA)', () => {
  const run = (values: readonly number[], options = {}): AdaptiveThresholdState =>
    values.reduce((state, v) => updateAdaptiveThreshold(state, v, options), ADAPTIVE_THRESHOLD_START)

  it('is infinite during warm-up, then mean + k · sd', () => {
    const options = { warmUp: 4, k: 2, alpha: 0.01 }
    expect(adaptiveThreshold(run([1, 2, 3], options), options)).toBe(Number.POSITIVE_INFINITY)
    const state = run([1, 2, 3, 4], options)
    expect(state.mean).toBeCloseTo(2.5, 12)
    expect(state.variance).toBeCloseTo(1.25, 12)
    expect(adaptiveThreshold(state, options)).toBeCloseTo(2.5 + 2 * Math.sqrt(1.25), 12)
  })

  it('is pure: states are frozen values, the start is untouched, non-finite scores are ignored', () => {
    const state = run([0.1, 0.2])
    expect(Object.isFrozen(state)).toBe(true)
    expect(ADAPTIVE_THRESHOLD_START).toEqual({ n: 0, mean: 0, variance: 0 })
    expect(updateAdaptiveThreshold(state, Number.NaN)).toBe(state)
  })

  it('follows a level shift at rate alpha', () => {
    const options = { alpha: 0.1, warmUp: 10 }
    const state = run([...Array<number>(100).fill(0.2), ...Array<number>(100).fill(0.6)], options)
    expect(state.mean).toBeCloseTo(0.6 - 0.4 * 0.9 ** 100, 12) // the old level decays by (1 − alpha) per score
  })

  it('keeps variance non-negative and the threshold finite after warm-up (property)', () => {
    fc.assert(fc.property(scores, (sample) => {
      const state = run(sample, { warmUp: 1 })
      return state.variance >= 0 && Number.isFinite(adaptiveThreshold(state, { warmUp: 1 }))
    }))
  })

  it('refuses bad options', () => {
    expect(() => updateAdaptiveThreshold(ADAPTIVE_THRESHOLD_START, 1, { alpha: 0 })).toThrow(/alpha/)
    expect(() => adaptiveThreshold(ADAPTIVE_THRESHOLD_START, { warmUp: -1 })).toThrow(/warmUp/)
  })
})
