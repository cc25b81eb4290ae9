import type { ExportedSeries } from './export-lines.js'
import { isDroppedField, legacyField } from './layout.js'

/** One upstream record rebuilt from the per-field legacy series: everything one line carried. */
export interface LegacyRecord {
  /** Milliseconds since the epoch. */
  readonly ts: number
  /** The raw `model` label (`AERO_SLM`); null when the series had none. */
  readonly modelLabel: string | null
  /** Raw field → value, as VictoriaMetrics holds it (booleans as 0/1, ±Infinity possible). */
  readonly values: Readonly<Record<string, number>>
}

export interface JoinTally {
  /** Legacy series read. */
  series: number
  /** Points (field values) read inside the window. */
  points: number
  /** Points of fields that carry nothing (`*_str` text stored as 0, reserved names): not migrated. */
  dropped: number
}

export function emptyJoinTally (): JoinTally {
  return { series: 0, points: 0, dropped: 0 }
}

/**
 * Joins per-field legacy series back into records by timestamp, `fromMs <= ts < toMs`, oldest
 * first — the step upstream's exporter missed (S9: it saw one field per window). Series of one
 * installation under several label spellings (`installation_id` case, `version`) merge into the
 * same records. Deterministic whatever order VictoriaMetrics answers in: series are visited in
 * label order, the first value of a field at a timestamp wins, and a timestamp whose fields name
 * different models takes the smallest label. Pure.
 */
export function joinLegacySeries (series: readonly ExportedSeries[], fromMs: number, toMs: number, tally: JoinTally = emptyJoinTally()): LegacyRecord[] {
  const byTs = new Map<number, { modelLabel: string | null, values: Record<string, number> }>()
  for (const s of [...series].sort(compareSeries)) {
    const field = legacyField(s.labels.__name__ ?? '')
    if (field === null) continue
    tally.series++
    const dropped = isDroppedField(field)
    const modelLabel = s.labels.model ?? null
    for (let i = 0; i < s.timestamps.length; i++) {
      const ts = s.timestamps[i] as number
      if (!(ts >= fromMs && ts < toMs)) continue
      tally.points++
      if (dropped) {
        tally.dropped++
        continue
      }
      let record = byTs.get(ts)
      if (record === undefined) {
        byTs.set(ts, record = { modelLabel, values: Object.create(null) as Record<string, number> })
      } else if (modelLabel !== null && (record.modelLabel === null || modelLabel < record.modelLabel)) {
        record.modelLabel = modelLabel
      }
      if (!(field in record.values)) record.values[field] = s.values[i] as number
    }
  }
  return [...byTs]
    .filter(([, r]) => Object.keys(r.values).length > 0)
    .sort((a, b) => a[0] - b[0])
    .map(([ts, r]) => ({ ts, modelLabel: r.modelLabel, values: { ...r.values } }))
}

function compareSeries (a: ExportedSeries, b: ExportedSeries): number {
  for (const key of ['__name__', 'model', 'version', 'installation_id']) {
    const x = a.labels[key] ?? ''
    const y = b.labels[key] ?? ''
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

/**
 * The upstream v1 flat record a legacy record came from, as a v1.0.2 logger sent it:
 * `{timestamp: <seconds>, <field>: value, …}`. Non-finite values become the text the ingest
 * normaliser counts as `not_finite` (JSON has no number for them).
 */
export function toV1Record (record: LegacyRecord): Record<string, unknown> {
  return Object.fromEntries([
    ['timestamp', record.ts / 1000],
    ...Object.entries(record.values).map(([field, v]) => [field, Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity']),
  ]) as Record<string, unknown>
}
