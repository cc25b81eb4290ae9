import { describe, expect, it } from 'vitest'
import { judgeEligibility } from './eligibility.js'

const rule = { requiredDays: 30, recentDays: 30 }
const today = 20_000

describe('judgeEligibility', () => {
  it.each([
    ['29 days, active', 29, today, { eligible: false, daysNeeded: 1, lapsed: false }],
    ['30 days, active today', 30, today, { eligible: true, daysNeeded: 0, lapsed: false }],
    ['30 days, last one 30 days ago', 30, today - 30, { eligible: true, daysNeeded: 0, lapsed: false }],
    ['30 days, silent for 31 days', 30, today - 31, { eligible: false, daysNeeded: 0, lapsed: true }],
    ['none at all', 0, null, { eligible: false, daysNeeded: 30, lapsed: true }],
    ['many, long ago', 200, today - 400, { eligible: false, daysNeeded: 0, lapsed: true }],
  ])('%s', (_name, days, last, expected) => {
    expect(judgeEligibility(days, last, today, rule)).toEqual({ ...expected, contributionDays: days })
  })

  it('follows the configured thresholds', () => {
    expect(judgeEligibility(7, today - 2, today, { requiredDays: 7, recentDays: 3 }).eligible).toBe(true)
    expect(judgeEligibility(7, today - 4, today, { requiredDays: 7, recentDays: 3 }).eligible).toBe(false)
  })
})
