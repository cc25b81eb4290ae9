import type { QualityInstallation, QualityReport } from '@heatpool/protocol'
import { isoDay } from '../community/analytics-windows.js'
import { utcDay } from '../ledger/contribution.js'
import { HOUR_MS } from '../rollups/rollup.js'
import { emptyFigures, type IngestFigures, type ReasonCount } from '../store/ingest-stats.js'

/** Value reasons that mean "outside the catalog's plausible range" (protocol catalog.ts `range`). */
export const IMPLAUSIBLE_REASONS: readonly string[] = ['out_of_range']

/** Hours the hourly series covers, the current one included. */
export const QUALITY_HOURS = 48

export interface QualityWindow {
  readonly nowMs: number
  /** First and last UTC day (both included); the last is today. */
  readonly fromDay: number
  readonly toDay: number
  /** The hourly series: `fromHour <= hour < toHour`. */
  readonly fromHour: number
  readonly toHour: number
}

/** The `days` UTC days ending today, and the last QUALITY_HOURS hours. */
export function qualityWindow (nowMs: number, days: number): QualityWindow {
  const toDay = utcDay(nowMs)
  const toHour = Math.floor(nowMs / HOUR_MS) + 1
  return { nowMs, fromDay: toDay - days + 1, toDay, fromHour: toHour - QUALITY_HOURS, toHour }
}

/** What the store holds for the window (store/ingest-stats.ts, store/ledger.ts). */
export interface QualityData {
  readonly byDay: ReadonlyMap<number, IngestFigures>
  readonly byHour: ReadonlyMap<number, IngestFigures>
  readonly rejectionsByDay: readonly (ReasonCount & { readonly day: number })[]
  /** Per installation: ledger days in the window and the values they stored. */
  readonly ledger: readonly { readonly installationId: string, readonly days: number, readonly stored: number }[]
  /** Per installation and reason: drops from batches that arrived in the window. */
  readonly rejections: readonly (ReasonCount & { readonly installationId: string })[]
  /** Each installation's first ledger day, and its first day with anything dropped (any time). */
  readonly firstLedgerDays: ReadonlyMap<string, number>
  readonly firstRejectionDays: ReadonlyMap<string, number>
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The admin data-quality report: every day and hour of the window (zeros included), drops by
 * reason, and per installation what it stored and what was dropped, with its gaps. Pure.
 *
 * `gap_days` counts the window's days without stored samples from the installation's first day
 * with data — its first ledger day, or, if it never stored anything, its first day with drops —
 * to `to`. Stored values and data days count by sample timestamp (the ledger); drops by day of
 * arrival (a dropped value may have no usable timestamp).
 */
export function qualityReport (w: QualityWindow, data: QualityData): QualityReport {
  const rejectedByDay = new Map<number, Record<string, number>>()
  const reasonTotals = new Map<string, { records: number, values: number }>()
  for (const r of data.rejectionsByDay) {
    const day = rejectedByDay.get(r.day) ?? {}
    day[r.reason] = (day[r.reason] ?? 0) + r.records + r.values
    rejectedByDay.set(r.day, day)
    const total = reasonTotals.get(r.reason) ?? { records: 0, values: 0 }
    reasonTotals.set(r.reason, { records: total.records + r.records, values: total.values + r.values })
  }

  const daily: QualityReport['daily'] = []
  for (let day = w.fromDay; day <= w.toDay; day++) {
    const f = data.byDay.get(day) ?? emptyFigures()
    daily.push({
      day: isoDay(day),
      batches: f.batches,
      records_accepted: f.records_accepted,
      records_rejected: f.records_rejected,
      values_stored: f.values_stored,
      values_rejected: f.values_rejected,
      rejected: sortedRecord(rejectedByDay.get(day) ?? {}),
    })
  }

  const hourly: QualityReport['hourly'] = []
  for (let hour = w.fromHour; hour < w.toHour; hour++) {
    const f = data.byHour.get(hour) ?? emptyFigures()
    hourly.push({
      hour: new Date(hour * HOUR_MS).toISOString(),
      batches: f.batches,
      records_accepted: f.records_accepted,
      values_stored: f.values_stored,
      records_rejected: f.records_rejected,
      values_rejected: f.values_rejected,
    })
  }

  const reasons = [...reasonTotals]
    .map(([reason, t]) => ({ reason, records: t.records, values: t.values }))
    .sort((a, b) => (b.records + b.values) - (a.records + a.values) || byName(a.reason, b.reason))

  return {
    generated_at: new Date(w.nowMs).toISOString(),
    from: isoDay(w.fromDay),
    to: isoDay(w.toDay),
    daily,
    hourly,
    reasons,
    installations: installationRows(w, data),
  }
}

function installationRows (w: QualityWindow, data: QualityData): QualityInstallation[] {
  const rows = new Map<string, { stored: number, days: number, rejected: number, implausible: number }>()
  const row = (id: string) => {
    let r = rows.get(id)
    if (r === undefined) rows.set(id, r = { stored: 0, days: 0, rejected: 0, implausible: 0 })
    return r
  }
  for (const l of data.ledger) Object.assign(row(l.installationId), { stored: l.stored, days: l.days })
  for (const r of data.rejections) {
    const target = row(r.installationId)
    target.rejected += r.values
    if (IMPLAUSIBLE_REASONS.includes(r.reason)) target.implausible += r.values
  }
  const out: QualityInstallation[] = []
  for (const [id, r] of rows) {
    const firstData = data.firstLedgerDays.get(id)
    const first = firstData ?? data.firstRejectionDays.get(id)
    const span = first === undefined ? 0 : Math.max(0, w.toDay - Math.max(first, w.fromDay) + 1)
    out.push({
      installation_id: id,
      values_stored: r.stored,
      values_rejected: r.rejected,
      implausible_values: r.implausible,
      days_with_data: r.days,
      gap_days: Math.max(0, span - r.days),
      first_day: firstData === undefined ? null : isoDay(firstData),
    })
  }
  return out.sort((a, b) => b.values_rejected - a.values_rejected || b.gap_days - a.gap_days || byName(a.installation_id, b.installation_id))
}

function sortedRecord (counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => byName(a, b)))
}
