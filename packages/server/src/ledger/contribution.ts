/**
 * Contribution days (design brief "Eligibility", ADR-003/004): a UTC day D counts for an
 * installation when at least N valid samples timestamped in D were received before the end of
 * day D + grace (2 by default). Back-dating a month of data in one upload earns nothing.
 */

export const DAY_MS = 86_400_000

/** ISO 8601 of a time in ms as stored (PostgreSQL may hand back a numeric string), null for none. */
export const isoTime = (ms: number | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString())

/** UTC day number (days since 1970-01-01) of a time in ms. */
export function utcDay (ms: number): number {
  return Math.floor(ms / DAY_MS)
}

/** True when a sample of day `day` received at `receivedMs` still counts towards that day. */
export function isOnTime (day: number, receivedMs: number, graceDays: number): boolean {
  return receivedMs < (day + graceDays + 1) * DAY_MS
}

/**
 * New samples per UTC day that arrived on time, from the rows of one batch and how many new
 * values each row stored.
 */
export function onTimeSamplesByDay (
  rows: readonly { readonly ts: number }[],
  storedPerRow: ArrayLike<number>,
  receivedMs: number,
  graceDays: number,
): Map<number, number> {
  const byDay = new Map<number, number>()
  for (let i = 0; i < rows.length; i++) {
    const stored = storedPerRow[i] ?? 0
    if (stored === 0) continue
    const day = utcDay((rows[i] as { ts: number }).ts)
    if (!isOnTime(day, receivedMs, graceDays)) continue
    byDay.set(day, (byDay.get(day) ?? 0) + stored)
  }
  return byDay
}

/** New samples per UTC day, late ones included. */
export function samplesByDay (rows: readonly { readonly ts: number }[], storedPerRow: ArrayLike<number>): Map<number, number> {
  const byDay = new Map<number, number>()
  for (let i = 0; i < rows.length; i++) {
    const stored = storedPerRow[i] ?? 0
    if (stored === 0) continue
    const day = utcDay((rows[i] as { ts: number }).ts)
    byDay.set(day, (byDay.get(day) ?? 0) + stored)
  }
  return byDay
}

/** Whether a day whose count is `total` after adding `added` reached `threshold` with that addition. */
export function crossesThreshold (total: number, added: number, threshold: number): boolean {
  return total - added < threshold && total >= threshold
}

/** Days that reach `threshold` with this batch (were below it before). */
export function daysCrossingThreshold (
  before: ReadonlyMap<number, number>,
  added: ReadonlyMap<number, number>,
  threshold: number,
): number[] {
  const crossed: number[] = []
  for (const [day, n] of added) {
    if (crossesThreshold((before.get(day) ?? 0) + n, n, threshold)) crossed.push(day)
  }
  return crossed.sort((a, b) => a - b)
}
