import type { VictoriaMetricsClient } from '../store/victoriametrics/client.js'
import { parseExportLines } from './export-lines.js'
import { emptyJoinTally, joinLegacySeries, type JoinTally, type LegacyRecord } from './join.js'
import { canonicalInstallationId, legacyField, legacySelector } from './layout.js'
import type { TimeRange } from './windows.js'

/** One installation as the upstream server stored it, under one or more spellings of its id. */
export interface LegacyInstallation {
  /** Canonical installation id (lowercase 8-4-4-4-12). */
  readonly id: string
  /** The `installation_id` label values that spell it (upstream did not canonicalise). */
  readonly labels: readonly string[]
  /** Distinct raw `model` labels, sorted. */
  readonly modelLabels: readonly string[]
  /** Legacy series (one per field, model and version). */
  readonly series: number
  /** Distinct raw field names, sorted. */
  readonly fields: readonly string[]
}

export interface LegacyInventory {
  /** Sorted by id. */
  readonly installations: readonly LegacyInstallation[]
  /** `installation_id` label values that are not UUIDs, with their series count: never migrated. */
  readonly invalid: readonly { readonly label: string, readonly series: number }[]
}

interface SeriesAnswer {
  readonly data?: readonly Record<string, string>[]
}

interface LabelValuesAnswer {
  readonly data?: readonly string[]
}

/**
 * Reads the series the upstream server wrote to VictoriaMetrics (`layout.ts`), for the migration
 * and for anything else that needs upstream history (training). Every query names its time
 * range: VictoriaMetrics 1.79's `/api/v1/series` and label APIs otherwise look at the last five
 * minutes only. Errors are `StoreUnavailableError`s from the client, naming the endpoint.
 */
export class LegacyReader {
  constructor (private readonly client: VictoriaMetricsClient) {}

  /**
   * Lists the installations with legacy samples in `range` — cheaply, from the index (label
   * values, then each id's series), without reading samples. With `only` (a canonical id), lists
   * just that installation, if it has legacy series.
   */
  async listInstallations (range: TimeRange, only?: string): Promise<LegacyInventory> {
    // Samples written in the last second are searchable only after the next in-memory flush.
    await this.client.get('/internal/force_flush')
    const params = new URLSearchParams({ 'match[]': legacySelector(), ...seconds(range) })
    const answer = JSON.parse(await this.client.get(`/api/v1/label/installation_id/values?${params.toString()}`)) as LabelValuesAnswer
    const byId = new Map<string, { labels: string[], models: Set<string>, fields: Set<string>, series: number }>()
    const invalid: { label: string, series: number }[] = []
    for (const label of [...(answer.data ?? [])].sort()) {
      const id = canonicalInstallationId(label)
      if (only !== undefined && id !== only) continue
      const series = await this.#series(label, range)
      if (series.length === 0) continue
      if (id === null) {
        invalid.push({ label, series: series.length })
        continue
      }
      let entry = byId.get(id)
      if (entry === undefined) byId.set(id, entry = { labels: [], models: new Set(), fields: new Set(), series: 0 })
      entry.labels.push(label)
      entry.series += series.length
      for (const s of series) {
        if (s.model !== undefined) entry.models.add(s.model)
        const field = legacyField(s.__name__ ?? '')
        if (field !== null) entry.fields.add(field)
      }
    }
    const installations = [...byId].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([id, e]) => ({
      id,
      labels: e.labels,
      modelLabels: [...e.models].sort(),
      series: e.series,
      fields: [...e.fields].sort(),
    }))
    return { installations, invalid }
  }

  /** Whether the installation has any legacy sample in `range`, from the index (a cheap probe). */
  async hasData (installation: Pick<LegacyInstallation, 'labels'>, range: TimeRange): Promise<boolean> {
    for (const label of installation.labels) {
      if ((await this.#series(label, range)).length > 0) return true
    }
    return false
  }

  /**
   * The installation's upstream records with `fromMs <= ts < toMs`, rebuilt from its per-field
   * series (`join.ts`), oldest first. Keep windows short (a day): the whole window is in memory.
   */
  async readRecords (installation: Pick<LegacyInstallation, 'labels'>, window: TimeRange, tally: JoinTally = emptyJoinTally()): Promise<LegacyRecord[]> {
    if (!(window.toMs > window.fromMs)) return []
    const series = []
    for (const label of installation.labels) {
      const text = await this.client.form('/api/v1/export', { 'match[]': legacySelector(label), ...seconds(window) })
      series.push(...parseExportLines(text))
    }
    return joinLegacySeries(series, window.fromMs, window.toMs, tally)
  }

  /**
   * Deletes every legacy series of the installation — all of their samples, whatever their
   * time: VictoriaMetrics deletes whole series.
   */
  async deleteSeries (installation: Pick<LegacyInstallation, 'labels'>): Promise<void> {
    // Samples not yet flushed would otherwise outlive the deletion of their series.
    await this.client.get('/internal/force_flush')
    for (const label of installation.labels) {
      await this.client.form('/api/v1/admin/tsdb/delete_series', { 'match[]': legacySelector(label) })
    }
  }

  async #series (label: string, range: TimeRange): Promise<Record<string, string>[]> {
    const answer = JSON.parse(await this.client.form('/api/v1/series', { 'match[]': legacySelector(label), ...seconds(range) })) as SeriesAnswer
    return [...(answer.data ?? [])]
  }
}

/** VictoriaMetrics' `start` and `end` (seconds, both inclusive) of `fromMs <= t < toMs`. */
function seconds (range: TimeRange): { start: string, end: string } {
  return { start: String(Math.max(0, range.fromMs) / 1000), end: String(Math.max(0, range.toMs - 1) / 1000) }
}
