import type { CommunityGrowth } from '@heatpool/protocol'
import { utcDay } from '../ledger/contribution.js'
import { isoDay } from './analytics-windows.js'

/** The `days` complete UTC days ending yesterday, as the other community windows. */
export function growthWindow (nowMs: number, days: number): { fromDay: number, toDay: number } {
  const toDay = utcDay(nowMs) - 1
  return { fromDay: toDay - days + 1, toDay }
}

/** Pool-wide counts per UTC day, from the ledger and pool_days (store/pool.ts). */
export interface GrowthCounts {
  /** Installations with samples timestamped on the day. */
  readonly active: ReadonlyMap<number, number>
  /** Installations whose first ledger day is the day (any time, also before the window). */
  readonly firsts: ReadonlyMap<number, number>
  /** Samples stored with timestamps on the day. */
  readonly samples: ReadonlyMap<number, number>
}

/**
 * Pool growth per day, oldest first, every day of the window. Counts of installations are
 * aggregates, but the project publishes nothing about fewer than K: a day with more than 0 and
 * fewer than `k` active installations gives `active_installations: null` (withheld, never a
 * made-up zero), and so does its sample count (it could be one home's). The cumulative total is
 * published as it is: it only grows, one installation at a time, like the pool status.
 * Erased installations are gone from every day (their ledger goes with them). Pure.
 */
export function poolGrowth (window: { fromDay: number, toDay: number }, k: number, counts: GrowthCounts): CommunityGrowth {
  let total = 0
  for (const [day, n] of counts.firsts) if (day < window.fromDay) total += n
  const days: CommunityGrowth['days'] = []
  for (let day = window.fromDay; day <= window.toDay; day++) {
    total += counts.firsts.get(day) ?? 0
    const active = counts.active.get(day) ?? 0
    const withheld = active > 0 && active < k
    days.push({
      day: isoDay(day),
      active_installations: withheld ? null : active,
      total_installations: total,
      data_points: withheld ? null : counts.samples.get(day) ?? 0,
    })
  }
  return { from: isoDay(window.fromDay), to: isoDay(window.toDay), k_anonymity: k, days }
}
