import type { SubmitInput, SubmitOutcome } from '../ingest/submit-service.js'
import { planBatches } from './batches.js'
import { emptyJoinTally } from './join.js'
import type { LegacyInstallation, LegacyReader } from './reader.js'
import { dayLabel, splitByDays, type TimeRange } from './windows.js'

/** What the migration feeds batches to: `SubmitService`, the one ingest path. */
export interface Submitter {
  submit (input: SubmitInput): Promise<SubmitOutcome>
}

export interface MigrationOptions {
  readonly range: TimeRange
  /** Only this installation (canonical id). */
  readonly installation?: string | undefined
  /** Read and count only; no submitter is needed. */
  readonly dryRun: boolean
  /** After an installation migrated without error, delete its legacy series. */
  readonly deleteLegacy: boolean
  /** Days per index probe: spans without legacy series are skipped without reading samples. */
  readonly probeDays?: number
  /** Milliseconds clock, for durations and rates only. */
  readonly clock?: () => number
}

type Counts = Record<string, number>

export interface InstallationReport {
  id: string
  labels: readonly string[]
  model_labels: readonly string[]
  series: number
  status: 'running' | 'counted' | 'migrated' | 'failed'
  error?: string
  /** UTC days with legacy records. */
  days: number
  /** The last day with records done so far. */
  last_day: string | null
  records: { read: number, accepted: number, rejected: number }
  values: {
    /** Legacy points (one field of one record) read. */
    read: number
    /** `*_str` text and reserved fields: nothing to migrate. */
    dropped: number
    accepted: number
    /** New samples written in heatpool's layout. */
    stored: number
    /** Already stored (an earlier run, or live ingest): not written or counted again. */
    duplicate: number
    /** In batches an earlier run stored, answered from the idempotency record. */
    replayed: number
    rejected: number
    /** Not in the metric catalog: not stored by design. */
    ignored: number
  }
  rejected_reasons: { records: Counts, values: Counts }
  batches: { submitted: number, replayed: number }
  deleted_legacy: boolean
  duration_ms: number
}

export interface MigrationSummary {
  dry_run: boolean
  range: { from: string, to: string }
  installations: { found: number, migrated: number, failed: number, not_started: number }
  /** `installation_id` labels that are not UUIDs: skipped. */
  invalid_installation_ids: readonly { label: string, series: number }[]
  series: number
  days: number
  records: InstallationReport['records']
  values: InstallationReport['values']
  rejected_reasons: InstallationReport['rejected_reasons']
  batches: InstallationReport['batches']
  deleted_legacy: number
  duration_ms: number
  records_per_second: number
  error?: string
  per_installation: InstallationReport[]
}

export type ProgressEvent =
  | { readonly kind: 'listed', readonly installations: number, readonly invalid: number }
  | { readonly kind: 'day', readonly report: Readonly<InstallationReport> }
  | { readonly kind: 'installation', readonly report: Readonly<InstallationReport> }

/**
 * Moves the upstream server's history into heatpool: installation by installation, one UTC day
 * at a time, rebuilds the records (`reader.ts`, `join.ts`) and submits them in batches of at
 * most 500 through `SubmitService` — so samples, ledger, rollups and pool counts come from the
 * same code as live ingest — with idempotency keys that make a re-run store nothing twice
 * (`batches.ts`). Stops at the first failure (the summary says where); a re-run continues
 * harmlessly. With `dryRun`, reads and counts and writes nothing.
 */
export async function migrateLegacy (
  deps: { readonly reader: LegacyReader, readonly submitter?: Submitter | undefined },
  options: MigrationOptions,
  onProgress: (event: ProgressEvent) => void = () => {},
): Promise<MigrationSummary> {
  const clock = options.clock ?? Date.now
  const started = clock()
  const summary = emptySummary(options)
  if (!options.dryRun && deps.submitter === undefined) throw new Error('cannot migrate legacy data: no submitter given (only a dry run needs none)')
  try {
    const inventory = await deps.reader.listInstallations(options.range, options.installation)
    summary.invalid_installation_ids = inventory.invalid
    summary.installations.found = inventory.installations.length
    summary.installations.not_started = inventory.installations.length
    onProgress({ kind: 'listed', installations: inventory.installations.length, invalid: inventory.invalid.length })
    for (const installation of inventory.installations) {
      const report = emptyReport(installation)
      summary.per_installation.push(report)
      summary.installations.not_started--
      const t0 = clock()
      try {
        await migrateInstallation(deps, options, installation, report, onProgress)
        report.status = options.dryRun ? 'counted' : 'migrated'
        if (options.deleteLegacy && !options.dryRun) {
          await deps.reader.deleteSeries(installation)
          report.deleted_legacy = true
        }
      } catch (err) {
        report.status = 'failed'
        report.error = `cannot migrate installation ${installation.id}: ${(err as Error).message}`
        summary.error = report.error
      }
      report.duration_ms = clock() - t0
      addReport(summary, report)
      onProgress({ kind: 'installation', report })
      if (report.status === 'failed') break
    }
  } catch (err) {
    summary.error = `cannot list legacy installations: ${(err as Error).message}`
  }
  summary.duration_ms = clock() - started
  summary.records_per_second = summary.duration_ms > 0 ? Math.round(summary.records.read / (summary.duration_ms / 1000)) : 0
  return summary
}

async function migrateInstallation (
  deps: { readonly reader: LegacyReader, readonly submitter?: Submitter | undefined },
  options: MigrationOptions,
  installation: LegacyInstallation,
  report: InstallationReport,
  onProgress: (event: ProgressEvent) => void,
): Promise<void> {
  for (const span of splitByDays(options.range, options.probeDays ?? 30)) {
    if (!(await deps.reader.hasData(installation, span))) continue
    for (const window of splitByDays(span, 1)) {
      const tally = emptyJoinTally()
      const records = await deps.reader.readRecords(installation, window, tally)
      report.values.read += tally.points
      report.values.dropped += tally.dropped
      if (records.length === 0) continue
      report.days++
      report.last_day = dayLabel(window.fromMs)
      report.records.read += records.length
      if (deps.submitter !== undefined && !options.dryRun) {
        for (const batch of planBatches(records, window)) {
          const outcome = await deps.submitter.submit({
            installationId: installation.id,
            model: batch.model,
            data: batch.data,
            bodyHash: batch.bodyHash,
            idempotencyKey: batch.idempotencyKey,
            receivedAt: batch.receivedAt,
          })
          addOutcome(report, outcome)
        }
      }
      onProgress({ kind: 'day', report })
    }
  }
}

function addOutcome (report: InstallationReport, outcome: SubmitOutcome): void {
  const body = outcome.body
  report.batches.submitted++
  report.records.accepted += body.records.accepted
  report.records.rejected += body.records.rejected
  report.values.accepted += body.values.accepted
  report.values.rejected += body.values.rejected
  report.values.ignored += body.values.ignored
  if (outcome.replayed) {
    // The first run's answer: what it stored then is not stored again now.
    report.batches.replayed++
    report.values.replayed += body.values.accepted
  } else {
    report.values.stored += body.values.stored
    report.values.duplicate += body.values.duplicate
  }
  addCounts(report.rejected_reasons.records, body.rejected_reasons.records)
  addCounts(report.rejected_reasons.values, body.rejected_reasons.values)
}

function addCounts (into: Counts, from: Readonly<Record<string, number | undefined>>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + (n ?? 0)
}

function zeroCounts (): Pick<InstallationReport, 'series' | 'days' | 'records' | 'values' | 'rejected_reasons' | 'batches'> {
  return {
    series: 0,
    days: 0,
    records: { read: 0, accepted: 0, rejected: 0 },
    values: { read: 0, dropped: 0, accepted: 0, stored: 0, duplicate: 0, replayed: 0, rejected: 0, ignored: 0 },
    rejected_reasons: { records: {}, values: {} },
    batches: { submitted: 0, replayed: 0 },
  }
}

function emptyReport (installation: LegacyInstallation): InstallationReport {
  return {
    id: installation.id,
    labels: installation.labels,
    model_labels: installation.modelLabels,
    status: 'running',
    last_day: null,
    ...zeroCounts(),
    series: installation.series,
    deleted_legacy: false,
    duration_ms: 0,
  }
}

function emptySummary (options: MigrationOptions): MigrationSummary {
  return {
    dry_run: options.dryRun,
    range: { from: new Date(options.range.fromMs).toISOString(), to: new Date(options.range.toMs).toISOString() },
    installations: { found: 0, migrated: 0, failed: 0, not_started: 0 },
    invalid_installation_ids: [],
    ...zeroCounts(),
    deleted_legacy: 0,
    duration_ms: 0,
    records_per_second: 0,
    per_installation: [],
  }
}

function addReport (summary: MigrationSummary, report: InstallationReport): void {
  if (report.status === 'failed') summary.installations.failed++
  else summary.installations.migrated++
  summary.series += report.series
  summary.days += report.days
  for (const key of Object.keys(summary.records) as (keyof InstallationReport['records'])[]) summary.records[key] += report.records[key]
  for (const key of Object.keys(summary.values) as (keyof InstallationReport['values'])[]) summary.values[key] += report.values[key]
  addCounts(summary.rejected_reasons.records, report.rejected_reasons.records)
  addCounts(summary.rejected_reasons.values, report.rejected_reasons.values)
  summary.batches.submitted += report.batches.submitted
  summary.batches.replayed += report.batches.replayed
  if (report.deleted_legacy) summary.deleted_legacy++
}
