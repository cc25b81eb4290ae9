import { DAY_MS } from '../ledger/contribution.js'

/** `fromMs <= t < toMs`, milliseconds since the epoch. */
export interface TimeRange {
  readonly fromMs: number
  readonly toMs: number
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/

/**
 * Reads `--from` / `--to`: a UTC date (`2025-01-31`) means that whole day — its start for
 * `--from`, the start of the next day for `--to`, so `--to` includes the day it names — and an
 * ISO date-time with a zone (`2025-01-31T12:00:00Z`) means that instant. Throws a message
 * naming the option otherwise.
 */
export function parseDateOption (option: 'from' | 'to', text: string): number {
  const value = text.trim()
  const date = DATE_ONLY.exec(value)
  if (date !== null) {
    const ms = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]))
    if (new Date(ms).toISOString().slice(0, 10) !== value) throw new Error(`cannot use --${option} ${JSON.stringify(text)}: no such date`)
    return option === 'from' ? ms : ms + DAY_MS
  }
  if (DATE_TIME.test(value)) {
    const ms = Date.parse(value)
    if (Number.isFinite(ms)) return ms
  }
  throw new Error(`cannot use --${option} ${JSON.stringify(text)}: it must be a date (2025-01-31) or an ISO date-time with a zone (2025-01-31T12:00:00Z)`)
}

export interface MigrationRange extends TimeRange {
  /** True when `--from` (or its default) was moved forward to the retention horizon. */
  readonly clippedToRetention: boolean
  /** True when `--to` (or its default) was moved back to now plus the future tolerance. */
  readonly clippedToNow: boolean
}

/**
 * The span a migration reads: what the operator asked for, within what live ingest would accept
 * — no older than `RETENTION_DAYS` (the retention job would delete it again, and the server
 * promises not to keep raw samples longer) and no later than now plus `FUTURE_TOLERANCE_SECONDS`.
 * Pure: `nowMs` is passed in.
 */
export function migrationRange (
  asked: { readonly fromMs?: number | undefined, readonly toMs?: number | undefined },
  limits: { readonly nowMs: number, readonly retentionDays: number, readonly futureToleranceMs: number },
): MigrationRange {
  const oldest = limits.nowMs - limits.retentionDays * DAY_MS
  const latest = limits.nowMs + limits.futureToleranceMs + 1
  const fromMs = asked.fromMs ?? oldest
  const toMs = asked.toMs ?? latest
  return {
    fromMs: Math.max(fromMs, oldest),
    toMs: Math.min(toMs, latest),
    clippedToRetention: fromMs < oldest,
    clippedToNow: toMs > latest,
  }
}

/**
 * Splits a range at UTC midnights into pieces of at most `days` days, each starting on a day
 * boundary except possibly the first and ending on one except possibly the last. One day at a
 * time bounds the memory of a migration whatever the length of the history. Pure.
 */
export function splitByDays (range: TimeRange, days = 1): TimeRange[] {
  if (!(range.toMs > range.fromMs)) return []
  const step = Math.max(1, Math.floor(days)) * DAY_MS
  const out: TimeRange[] = []
  let from = range.fromMs
  while (from < range.toMs) {
    const to = Math.min(range.toMs, (Math.floor(from / DAY_MS) * DAY_MS) + step)
    out.push({ fromMs: from, toMs: to })
    from = to
  }
  return out
}

/** `2025-01-31` of the UTC day a time falls in. */
export function dayLabel (ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}
