import type { AdminQuality, QualityDay, QualityHour, QualityInstallation } from '../../admin-api'

/**
 * Share of an installation's (or the pool's) catalog values that were stored rather than
 * rejected; null when it sent none, which is "no data", not 0 %.
 */
export function qualityRatio (stored: number, rejected: number): number | null {
  const total = stored + rejected
  return total > 0 ? stored / total : null
}

export interface QualityTotals {
  readonly batches: number
  readonly recordsAccepted: number
  readonly recordsRejected: number
  readonly valuesStored: number
  readonly valuesRejected: number
  readonly ratio: number | null
  readonly implausibleValues: number
  /** Installations with at least one day without data inside their active span. */
  readonly installationsWithGaps: number
  readonly gapDays: number
}

const sum = <T>(rows: readonly T[], pick: (row: T) => number): number => rows.reduce((s, r) => s + pick(r), 0)

export function qualityTotals (q: AdminQuality): QualityTotals {
  const valuesStored = sum(q.daily, (d) => d.values_stored)
  const valuesRejected = sum(q.daily, (d) => d.values_rejected)
  return {
    batches: sum(q.daily, (d) => d.batches),
    recordsAccepted: sum(q.daily, (d) => d.records_accepted),
    recordsRejected: sum(q.daily, (d) => d.records_rejected),
    valuesStored,
    valuesRejected,
    ratio: qualityRatio(valuesStored, valuesRejected),
    implausibleValues: sum(q.installations, (i) => i.implausible_values),
    installationsWithGaps: q.installations.filter((i) => i.gap_days > 0).length,
    gapDays: sum(q.installations, (i) => i.gap_days),
  }
}

/** Did anything arrive in the window? A pool with no batches shows "no data", not a flat chart of zeros. */
export function hasIngest (rows: readonly (QualityDay | QualityHour)[]): boolean {
  return rows.some((r) => r.batches > 0 || r.records_accepted > 0 || r.records_rejected > 0 || r.values_rejected > 0)
}

export interface ReasonSeries {
  readonly reason: string
  /** Rejections per day, in the order of `days`; a day without this reason is a real 0. */
  readonly counts: number[]
}

/**
 * The stacked bars of rejections: one series per reason, the most frequent first (the order of
 * the totals, then any reason only the days mention), over every day of the window.
 */
export function rejectionSeries (q: Pick<AdminQuality, 'daily' | 'reasons'>): { days: string[], series: ReasonSeries[] } {
  const days = [...q.daily].sort((a, b) => a.day.localeCompare(b.day))
  const order = [...q.reasons].sort((a, b) => (b.records + b.values) - (a.records + a.values)).map((r) => r.reason)
  for (const d of days) for (const reason of Object.keys(d.rejected)) if (!order.includes(reason)) order.push(reason)
  const series = order
    .map((reason) => ({ reason, counts: days.map((d) => d.rejected[reason] ?? 0) }))
    .filter((s) => s.counts.some((c) => c > 0))
  return { days: days.map((d) => d.day), series }
}

/** The window's figures per installation id, for the installations table. */
export function qualityByInstallation (q: Pick<AdminQuality, 'installations'>): Map<string, QualityInstallation> {
  return new Map(q.installations.map((i) => [i.installation_id, i]))
}
