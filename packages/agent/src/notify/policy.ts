/**
 * When to try a notification again and how many messages a channel may carry: pure rules, the
 * notifier applies them.
 */

/** Attempts per notification and channel before it is given up (logged as an error). */
export const MAX_ATTEMPTS = 12
/** First wait after a failure; doubled per attempt up to RETRY_MAX_MS (12 attempts span about 6 h). */
export const RETRY_BASE_MS = 60_000
export const RETRY_MAX_MS = 3_600_000
/** A service's own wait (429) is honoured up to this. */
export const MAX_RETRY_AFTER_MS = 6 * 3_600_000
export const HOUR_MS = 3_600_000

/** The wait before attempt `attempts + 1`, never shorter than the service asked for. */
export function retryDelayMs (attempts: number, retryAfterMs?: number): number {
  const backoff = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1))
  return Math.max(backoff, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS))
}

/** Send times within the hour before `nowMs` (the rest are forgotten). */
export function recentSends (times: readonly number[], nowMs: number): number[] {
  return times.filter((t) => t > nowMs - HOUR_MS && t <= nowMs)
}

export interface SendPlan<K> {
  /** Sent one message each. */
  readonly singles: readonly K[]
  /** Sent together as one message (the last the hour allows), or empty. */
  readonly digest: readonly K[]
  /** Nothing may go before this (the hour's messages are used up); null when something goes now. */
  readonly waitUntil: number | null
}

/**
 * At most `maxPerHour` messages per channel in any hour. Notifications due while fewer slots
 * are left go one message each until the last slot, which carries the rest together; with no
 * slot left they wait until the oldest send of the hour is an hour old. Nothing is dropped.
 */
export function planSends<K> (due: readonly K[], sentTimes: readonly number[], maxPerHour: number, nowMs: number): SendPlan<K> {
  const recent = recentSends(sentTimes, nowMs)
  const slots = Math.max(0, maxPerHour - recent.length)
  if (due.length === 0) return { singles: [], digest: [], waitUntil: null }
  if (slots === 0) return { singles: [], digest: [], waitUntil: Math.min(...recent) + HOUR_MS }
  if (due.length <= slots) return { singles: due, digest: [], waitUntil: null }
  return { singles: due.slice(0, slots - 1), digest: due.slice(slots - 1), waitUntil: null }
}
