import { describe, expect, it } from 'vitest'
import { badgeWrites } from './awards.js'
import { contributorRanks } from './job.js'
import { monthlyEnergy } from './months.js'
import { dayOfDate, monthOfDay } from './calendar.js'

describe('badge writes', () => {
  it('adds new badges, moves earned days only earlier, and keeps badges no longer earned', () => {
    const stored = [{ badge: 'streak_30', earnedDay: 100 }, { badge: 'data_quality_95', earnedDay: 90 }, { badge: 'top_25_percent', earnedDay: 50 }]
    const earned = new Map([['streak_30', 120], ['data_quality_95', 80], ['full_year', 400]])
    expect(badgeWrites(stored, earned)).toEqual([
      { badge: 'data_quality_95', earnedDay: 80, isNew: false },
      { badge: 'full_year', earnedDay: 400, isNew: true },
    ])
    expect(badgeWrites(stored, new Map())).toEqual([])
  })
})

describe('contributor ranks', () => {
  it('orders installations by first contribution day; the same day shares a place', () => {
    const ranks = contributorRanks(new Map([['a', 10], ['b', 12], ['c', 10], ['d', 11]]))
    expect(ranks).toEqual(new Map([['a', 1], ['c', 1], ['d', 3], ['b', 4]]))
  })
})

describe('monthly energy', () => {
  it('sums heat pumps per calendar month and counts days with electricity once', () => {
    const day = (iso: string, electricWh: number) => ({ day: dayOfDate(iso), heatWh: 3 * electricWh, electricWh, outdoorH: 3 * electricWh, outdoorHw: 6 * electricWh })
    const months = monthlyEnergy([day('2028-02-29', 100), day('2028-02-29', 50), day('2028-03-01', 10), day('2028-02-01', 0)])
    expect(months).toEqual([
      { month: monthOfDay(dayOfDate('2028-02-01')), heatWh: 450, electricWh: 150, outdoorH: 450, outdoorHw: 900, energyDays: 1 },
      { month: monthOfDay(dayOfDate('2028-03-01')), heatWh: 30, electricWh: 10, outdoorH: 30, outdoorHw: 60, energyDays: 1 },
    ])
  })
})
