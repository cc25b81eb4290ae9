import { describe, expect, it } from 'vitest'
import { dayOfDate, isoDate, monthOfDay, runsOf } from './calendar.js'
import type { MonthEnergy } from './months.js'
import { BADGE_RULES, badgeRule, judgeBadges, type BadgeInput } from './rules.js'

const d = dayOfDate
/** `n` consecutive days from `first` (a date). */
const span = (first: string, n: number) => Array.from({ length: n }, (_, i) => d(first) + i)

function input (over: Partial<BadgeInput> = {}): BadgeInput {
  return { today: d('2027-06-01'), contributionDays: [], ledger: [], months: [], ...over }
}

function verdict (id: string, over: Partial<BadgeInput>): string | false {
  const v = (badgeRule(id) as (typeof BADGE_RULES)[number]).earned(input(over))
  return v.earned ? isoDate(v.since as number) : false
}

describe('badge rule set', () => {
  it('has unique ids, titles in both languages and a description', () => {
    expect(new Set(BADGE_RULES.map((r) => r.id)).size).toBe(BADGE_RULES.length)
    expect(BADGE_RULES.map((r) => r.id)).toEqual(expect.arrayContaining(['full_year', 'streak_30', 'early_contributor', 'data_quality_95', 'efficiency_improved', 'top_10_percent', 'top_25_percent']))
    for (const r of BADGE_RULES) {
      expect(r.title.en).toMatch(/\w/)
      expect(r.title.de).toMatch(/\w/)
      expect(r.description.length).toBeGreaterThan(20)
    }
  })

  it('earns nothing without data', () => {
    expect(judgeBadges(input())).toEqual(new Map())
  })
})

describe('streak_30', () => {
  it('needs 30 consecutive days: 29 are not enough, the 30th earns it on that day', () => {
    expect(verdict('streak_30', { contributionDays: span('2027-01-01', 29) })).toBe(false)
    expect(verdict('streak_30', { contributionDays: span('2027-01-01', 30) })).toBe('2027-01-30')
    expect(verdict('streak_30', { contributionDays: span('2027-01-01', 80) })).toBe('2027-01-30')
  })

  it('restarts after a gap of one day', () => {
    const days = [...span('2027-01-01', 20), ...span('2027-01-22', 29)]
    expect(verdict('streak_30', { contributionDays: days })).toBe(false)
    expect(verdict('streak_30', { contributionDays: [...days, d('2027-02-20')] })).toBe('2027-02-20')
  })

  it('runs across month and year boundaries, in any order, duplicates ignored', () => {
    const days = span('2026-12-15', 30).reverse()
    expect(verdict('streak_30', { contributionDays: [...days, d('2026-12-20')] })).toBe('2027-01-13')
    expect(runsOf([3, 1, 2, 2, 7])).toEqual([{ first: 1, last: 3, length: 3 }, { first: 7, last: 7, length: 1 }])
  })
})

describe('full_year', () => {
  it('is earned on the 365th contribution day: Dec 31 in a common year, Dec 30 in a leap year', () => {
    expect(verdict('full_year', { contributionDays: span('2027-01-01', 364) })).toBe(false)
    expect(verdict('full_year', { contributionDays: span('2027-01-01', 365) })).toBe('2027-12-31')
    expect(verdict('full_year', { contributionDays: span('2028-01-01', 365) })).toBe('2028-12-30')
    // Across 29 February: from 1 March 2027, the 365th day is 28 February 2028.
    expect(verdict('full_year', { contributionDays: span('2027-03-01', 365) })).toBe('2028-02-28')
  })

  it('counts contribution days, not calendar days: gaps delay it', () => {
    const days = [...span('2027-01-01', 200), ...span('2027-08-01', 165)]
    expect(verdict('full_year', { contributionDays: days })).toBe(isoDate(d('2027-08-01') + 164))
  })

  it('or 12 consecutive complete calendar months with at least 20 contribution days each, earned at the end of the twelfth', () => {
    const months = Array.from({ length: 12 }, (_, i) => span(isoDate(Date.UTC(2028, 1 + i, 1) / 86_400_000), 20)).flat()
    expect(months).toHaveLength(240)
    const today = d('2029-03-01')
    // February 2028 (29 days) to January 2029.
    expect(verdict('full_year', { contributionDays: months, today })).toBe('2029-01-31')
    expect(verdict('full_year', { contributionDays: months, today: d('2029-01-31') })).toBe(false) // January not over
    expect(verdict('full_year', { contributionDays: months.slice(0, -1), today })).toBe(false)
    // A month with 19 days breaks the sequence.
    expect(verdict('full_year', { contributionDays: months.filter((day) => day !== d('2028-06-10')), today })).toBe(false)
  })

  it('takes whichever comes first', () => {
    // From mid-January the months run from February: the 365th day comes earlier.
    expect(verdict('full_year', { contributionDays: span('2027-01-15', 400), today: d('2028-06-01') })).toBe('2028-01-14')
    // In a leap year from 1 January, 365 days end on 30 December, the months on the 31st.
    expect(verdict('full_year', { contributionDays: span('2028-01-01', 366), today: d('2029-06-01') })).toBe('2028-12-30')
  })
})

describe('early_contributor', () => {
  it('is for the first 100 places by first contribution day, earned on that day', () => {
    const days = span('2026-03-05', 3)
    expect(verdict('early_contributor', { contributionDays: days, contributorRank: 1 })).toBe('2026-03-05')
    expect(verdict('early_contributor', { contributionDays: days, contributorRank: 100 })).toBe('2026-03-05')
    expect(verdict('early_contributor', { contributionDays: days, contributorRank: 101 })).toBe(false)
    expect(verdict('early_contributor', { contributionDays: [] })).toBe(false)
  })
})

describe('data_quality_95', () => {
  const full = (first: string, n: number, samples = 1000) => span(first, n).map((day) => ({ day, stored: samples }))

  it('needs 30 complete days at >= 95 % of the usual daily samples', () => {
    expect(verdict('data_quality_95', { ledger: full('2027-05-01', 30), today: d('2027-05-30') })).toBe(false) // the 30th day is today
    expect(verdict('data_quality_95', { ledger: full('2027-05-01', 30), today: d('2027-05-31') })).toBe('2027-05-30')
    expect(verdict('data_quality_95', { ledger: full('2027-05-01', 28), today: d('2027-06-30') })).toBe(false)
  })

  it('tolerates 1.5 missing days in 30, not 2', () => {
    const ledger = full('2027-05-01', 30)
    const oneAndHalf = ledger.map((r, i) => (i === 3 ? { ...r, stored: 0 } : i === 9 ? { ...r, stored: 500 } : r))
    expect(verdict('data_quality_95', { ledger: oneAndHalf })).toBe('2027-05-30')
    const two = ledger.filter((_, i) => i !== 3 && i !== 9)
    expect(verdict('data_quality_95', { ledger: two })).toBe(false)
    // Two more full days later, the window slides past the first gap.
    expect(verdict('data_quality_95', { ledger: [...two, ...full('2027-05-31', 4)], today: d('2027-06-10') })).toBe('2027-06-03')
  })

  it('takes the usual cadence as the median day, and extra samples do not make up for a missing day', () => {
    const ledger = full('2027-05-01', 30).map((r, i) => (i < 2 ? { ...r, stored: 0 } : i === 5 ? { ...r, stored: 5000 } : r))
    expect(verdict('data_quality_95', { ledger, today: d('2027-05-31') })).toBe(false)
    // A slower logger is judged by its own cadence.
    expect(verdict('data_quality_95', { ledger: full('2027-05-01', 30, 17), today: d('2027-05-31') })).toBe('2027-05-30')
  })
})

describe('efficiency_improved', () => {
  const month = (iso: string, cop: number, outdoor: number, energyDays = 25): MonthEnergy => ({
    month: monthOfDay(d(`${iso}-01`)), heatWh: 300_000 * cop, electricWh: 300_000, outdoorH: 300_000 * cop, outdoorHw: 300_000 * cop * outdoor, energyDays,
  })

  it('compares a complete month with the previous one at similar outdoor temperature', () => {
    expect(verdict('efficiency_improved', { months: [month('2027-01', 3.0, 1), month('2027-02', 3.2, 2.5)] })).toBe('2027-02-28')
    expect(verdict('efficiency_improved', { months: [month('2027-01', 3.0, 1), month('2027-02', 3.1, 2.5)] })).toBe(false) // < 5 %
    expect(verdict('efficiency_improved', { months: [month('2027-01', 3.0, 1), month('2027-02', 3.5, 3.5)] })).toBe(false) // 2.5 K warmer
    expect(verdict('efficiency_improved', { months: [month('2027-01', 3.0, 1), month('2027-03', 3.5, 1)] })).toBe(false) // not consecutive
  })

  it('works across the year boundary and in leap-year February', () => {
    expect(verdict('efficiency_improved', { months: [month('2027-12', 3.0, 0), month('2028-01', 3.3, -1)], today: d('2028-06-01') })).toBe('2028-01-31')
    expect(verdict('efficiency_improved', { months: [month('2028-01', 3.0, 0), month('2028-02', 3.3, 0)], today: d('2028-06-01') })).toBe('2028-02-29')
  })

  it('judges only complete months with enough data', () => {
    const months = [month('2027-04', 3.0, 10), month('2027-05', 3.5, 11)]
    expect(verdict('efficiency_improved', { months, today: d('2027-05-31') })).toBe(false)
    expect(verdict('efficiency_improved', { months, today: d('2027-06-01') })).toBe('2027-05-31')
    expect(verdict('efficiency_improved', { months: [month('2027-04', 3.0, 10), month('2027-05', 3.5, 11, 19)] })).toBe(false)
  })
})

describe('top efficiency', () => {
  it('uses the group percentile: >= 90 for top 10 %, >= 75 for top 25 %, nothing when not ranked', () => {
    const today = d('2027-06-01')
    expect(judgeBadges(input({ groupPercentile: 90 }))).toEqual(new Map([['top_10_percent', today], ['top_25_percent', today]]))
    expect(judgeBadges(input({ groupPercentile: 80 }))).toEqual(new Map([['top_25_percent', today]]))
    expect(judgeBadges(input({ groupPercentile: 74.9 }))).toEqual(new Map())
    expect(judgeBadges(input({}))).toEqual(new Map())
  })
})
