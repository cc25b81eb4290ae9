import { DAY_MS } from '../ledger/contribution.js'

/**
 * UTC calendar arithmetic for the badge rules. Days are UTC day numbers (days since
 * 1970-01-01, as in the ledger); a month is `year × 12 + month index` (0 = January), so
 * consecutive months are consecutive numbers across year boundaries.
 */

export function monthOfDay (day: number): number {
  const d = new Date(day * DAY_MS)
  return d.getUTCFullYear() * 12 + d.getUTCMonth()
}

export function firstDayOfMonth (month: number): number {
  return Date.UTC(Math.floor(month / 12), month % 12, 1) / DAY_MS
}

export function lastDayOfMonth (month: number): number {
  return firstDayOfMonth(month + 1) - 1
}

/** `YYYY-MM-DD` of a UTC day number. */
export function isoDate (day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10)
}

/** The UTC day number of `YYYY-MM-DD`. */
export function dayOfDate (date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS
}

/** Days in ascending order without duplicates. */
export function uniqueSorted (days: readonly number[]): number[] {
  return [...new Set(days)].sort((a, b) => a - b)
}

export interface Run {
  readonly first: number
  readonly last: number
  readonly length: number
}

/** Runs of consecutive days (a streak is a run), oldest first. */
export function runsOf (days: readonly number[]): Run[] {
  const runs: Run[] = []
  let first: number | undefined
  let last = 0
  for (const day of uniqueSorted(days)) {
    if (first !== undefined && day === last + 1) {
      last = day
      continue
    }
    if (first !== undefined) runs.push({ first, last, length: last - first + 1 })
    first = day
    last = day
  }
  if (first !== undefined) runs.push({ first, last, length: last - first + 1 })
  return runs
}

/** Median of non-empty `values`. */
export function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
