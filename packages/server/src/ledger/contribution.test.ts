import { describe, expect, it } from 'vitest'
import { DAY_MS, daysCrossingThreshold, isOnTime, onTimeSamplesByDay, utcDay } from './contribution.js'

describe('contribution days', () => {
  const day = utcDay(Date.UTC(2026, 10, 1))

  it.each([
    ['during the day itself', Date.UTC(2026, 10, 1, 23, 59), true],
    ['on day D+1', Date.UTC(2026, 10, 2, 12), true],
    ['at the last millisecond of D+2', Date.UTC(2026, 10, 3, 23, 59, 59, 999), true],
    ['at the start of D+3', Date.UTC(2026, 10, 4), false],
    ['a month later', Date.UTC(2026, 11, 1), false],
  ])('a sample of day D received %s counts: %s', (_name, receivedMs, expected) => {
    expect(isOnTime(day, receivedMs, 2)).toBe(expected)
  })

  it('counts only new, on-time samples per UTC day', () => {
    const received = Date.UTC(2026, 10, 3, 12)
    const rows = [
      { ts: Date.UTC(2026, 10, 3, 1) },
      { ts: Date.UTC(2026, 10, 2, 23, 59) },
      { ts: Date.UTC(2026, 10, 1, 0, 0) },
      { ts: Date.UTC(2026, 9, 31, 23, 0) }, // D+3 already: late
      { ts: Date.UTC(2026, 10, 3, 2) }, // nothing new stored
    ]
    const byDay = onTimeSamplesByDay(rows, [5, 4, 3, 7, 0], received, 2)
    expect(Object.fromEntries(byDay)).toEqual({
      [utcDay(Date.UTC(2026, 10, 3))]: 5,
      [utcDay(Date.UTC(2026, 10, 2))]: 4,
      [utcDay(Date.UTC(2026, 10, 1))]: 3,
    })
  })

  it('reports the days that reach the threshold with this batch, once', () => {
    const before = new Map([[10, 90], [11, 100], [12, 0]])
    const added = new Map([[10, 10], [11, 50], [12, 99], [13, 100]])
    expect(daysCrossingThreshold(before, added, 100)).toEqual([10, 13])
  })

  it('uses UTC days', () => {
    expect(utcDay(0)).toBe(0)
    expect(utcDay(DAY_MS - 1)).toBe(0)
    expect(utcDay(DAY_MS)).toBe(1)
  })
})
