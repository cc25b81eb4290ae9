import { DAY_MS } from '../ledger/contribution.js'

/** Longest span read from the sample store at once: a week of one heat pump is the most an export holds in memory. */
export const EXPORT_CHUNK_DAYS = 7

/**
 * The time ranges to read an installation's samples in, from its ledger days (every UTC day that
 * stored a sample has a ledger row): consecutive days merged into ranges of at most `maxDays`,
 * oldest first, so that an export reads only days with data and never more than `maxDays` of one
 * heat pump at a time. Pure.
 */
export function sampleRanges (days: readonly number[], maxDays = EXPORT_CHUNK_DAYS): { fromMs: number, toMs: number }[] {
  const sorted = [...new Set(days)].sort((a, b) => a - b)
  const ranges: { from: number, to: number }[] = []
  for (const day of sorted) {
    const last = ranges.at(-1)
    if (last !== undefined && last.to === day && last.to - last.from < maxDays) last.to = day + 1
    else ranges.push({ from: day, to: day + 1 })
  }
  return ranges.map((r) => ({ fromMs: r.from * DAY_MS, toMs: r.to * DAY_MS }))
}

/** Characters that make a spreadsheet read a cell as a formula (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; text a
 * spreadsheet would run as a formula (a model name such as `=HYPERLINK(…)`) gets a leading `'`.
 * Numbers are written as they are. Pure.
 */
export function csvField (value: string | number | null): string {
  if (value === null) return ''
  if (typeof value === 'number') return String(value)
  const text = FORMULA_START.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}
