import { DAY_MS, utcDay } from '../ledger/contribution.js'

/**
 * The only windows community comparisons use: the last 7, 30 or 365 complete UTC days, ending
 * with yesterday (UTC). No arbitrary from/to: every caller on a day sees the same window, so
 * two answers never cover two overlapping periods chosen by the caller (docs/PRIVACY.md).
 */
export const ANALYTICS_WINDOWS = { '7d': 7, '30d': 30, '365d': 365 } as const
export type AnalyticsWindowName = keyof typeof ANALYTICS_WINDOWS

export interface AlignedWindow {
  readonly name: AnalyticsWindowName
  /** First and last UTC day (days since the epoch), both included. */
  readonly fromDay: number
  readonly toDay: number
  /** The same as hours since the epoch: [fromHour, toHour). */
  readonly fromHour: number
  readonly toHour: number
}

export function alignedWindow (name: AnalyticsWindowName, nowMs: number): AlignedWindow {
  const toDay = utcDay(nowMs) - 1
  const fromDay = toDay - ANALYTICS_WINDOWS[name] + 1
  return { name, fromDay, toDay, fromHour: fromDay * 24, toHour: (toDay + 1) * 24 }
}

export const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10)

/** The window as the answers show it. */
export function windowJson (w: AlignedWindow): { name: AnalyticsWindowName, from: string, to: string } {
  return { name: w.name, from: isoDay(w.fromDay), to: isoDay(w.toDay) }
}
