import { parseArgs } from 'node:util'
import { parseInstallationId } from '@heatpool/protocol'
import { victoriaMetricsBaseUrl, type Config } from '../config.js'
import { SubmitService } from '../ingest/submit-service.js'
import { createMetrics } from '../metrics.js'
import { openStore } from '../store/open.js'
import type { Store } from '../store/types.js'
import { VictoriaMetricsClient } from '../store/victoriametrics/client.js'
import { migrateLegacy, type InstallationReport, type MigrationSummary, type ProgressEvent } from './migrate.js'
import { LegacyReader } from './reader.js'
import { migrationRange, parseDateOption } from './windows.js'

export const MIGRATE_LEGACY_USAGE = `Usage: heatpool-admin migrate-legacy [options]

Moves the history the upstream "IDM Metrics Collector" server wrote to VictoriaMetrics
(series heatpump_metrics_<field>{installation_id,model,version}) into heatpool: samples in
heatpool's own layout in the configured sample store, and the ledger, rollups and pool counts
rebuilt by the same code as live ingest. Reads one installation and one UTC day at a time.
Uses the server's configuration (environment and .env: DATA_DIR or DATABASE_URL,
SAMPLE_STORE, VM_URL, VM_POOL, RETENTION_DAYS, ...). See docs/LEGACY.md.

Re-running is harmless: batches already migrated are answered from their idempotency record
while it is kept (IDEMPOTENCY_TTL_HOURS), and after that their samples are recognised as
already stored; nothing is stored or counted twice.

Options:
  --vm-url URL           VictoriaMetrics holding the upstream series (default: VM_URL, else
                         the base of VM_WRITE_URL / VM_QUERY_URL)
  --from DATE            first UTC day (2025-01-31) or instant (2025-01-31T12:00:00Z) to migrate
                         (default and earliest: RETENTION_DAYS ago)
  --to DATE              last UTC day, inclusive, or instant, exclusive (default: now)
  --installation ID      only this installation (any spelling of its UUID)
  --dry-run              count installations, series, records, values and days; write nothing
  --delete-legacy        after an installation migrated without error, delete its
                         heatpump_metrics_* series (all of their time; not with --from/--to)
  --json                 print the summary as JSON
  -h, --help             show this help

Progress goes to stderr, the summary to stdout. Exit codes: 0 done, 1 failed (the message
says where; re-run to continue), 2 usage or configuration error.
`

export interface CommandIo {
  out (text: string): void
  err (text: string): void
}

export interface CommandDeps {
  /** The server's configuration; called only when the command runs (not for --help). */
  readonly config: () => Config
  readonly io: CommandIo
  /** Milliseconds clock (the retention horizon and "now" of --to). */
  readonly now?: () => number
}

interface Options {
  readonly vmUrl: string
  readonly fromMs: number | undefined
  readonly toMs: number | undefined
  readonly installation: string | undefined
  readonly dryRun: boolean
  readonly deleteLegacy: boolean
  readonly json: boolean
}

class UsageError extends Error {}

/** `heatpool-admin migrate-legacy`: returns the exit code. */
export async function runMigrateLegacy (argv: readonly string[], deps: CommandDeps): Promise<number> {
  const { io } = deps
  let options: Options
  let config: Config
  try {
    const parsed = parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        'vm-url': { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        installation: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        'delete-legacy': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
    const v = parsed.values
    if (v.help) {
      io.out(MIGRATE_LEGACY_USAGE)
      return 0
    }
    const fromMs = v.from === undefined ? undefined : dateOption('from', v.from)
    const toMs = v.to === undefined ? undefined : dateOption('to', v.to)
    if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) throw new UsageError('cannot migrate legacy data: --to must be after --from')
    const installation = v.installation === undefined ? undefined : parseInstallationId(v.installation)
    if (installation === null) throw new UsageError(`cannot use --installation ${JSON.stringify(v.installation)}: it must be a UUID`)
    if (v['delete-legacy'] && v['dry-run']) throw new UsageError('cannot combine --delete-legacy with --dry-run')
    if (v['delete-legacy'] && (fromMs !== undefined || toMs !== undefined)) {
      throw new UsageError('cannot combine --delete-legacy with --from/--to: deleting removes whole series, so it needs the whole history migrated')
    }
    try {
      config = deps.config()
    } catch (err) {
      throw new UsageError(`cannot read the configuration: ${(err as Error).message}`)
    }
    const vmUrl = (v['vm-url'] ?? victoriaMetricsBaseUrl(config)).replace(/\/+$/, '')
    if (vmUrl === '') throw new UsageError('cannot migrate legacy data: no VictoriaMetrics URL; pass --vm-url or set VM_URL (or the upstream VM_WRITE_URL)')
    if (!/^https?:\/\/[^/]/i.test(vmUrl) || !URL.canParse(vmUrl)) throw new UsageError(`cannot use --vm-url ${JSON.stringify(vmUrl)}: it must be an http(s) URL`)
    options = { vmUrl, fromMs, toMs, installation, dryRun: v['dry-run'], deleteLegacy: v['delete-legacy'], json: v.json }
  } catch (err) {
    const message = err instanceof UsageError ? err.message : `cannot read arguments: ${(err as Error).message}`
    io.err(`${message}\n\n${MIGRATE_LEGACY_USAGE}`)
    return 2
  }

  const nowMs = (deps.now ?? Date.now)()
  const range = migrationRange({ fromMs: options.fromMs, toMs: options.toMs }, {
    nowMs,
    retentionDays: config.RETENTION_DAYS,
    futureToleranceMs: config.FUTURE_TOLERANCE_SECONDS * 1000,
  })
  if (range.clippedToRetention) io.err(`reading from ${new Date(range.fromMs).toISOString()} on: older samples are beyond RETENTION_DAYS=${config.RETENTION_DAYS}\n`)
  if (!(range.toMs > range.fromMs)) {
    io.err(`cannot migrate legacy data: nothing to read between ${new Date(range.fromMs).toISOString()} and ${new Date(range.toMs).toISOString()} (RETENTION_DAYS=${config.RETENTION_DAYS})\n`)
    return 2
  }

  const client = new VictoriaMetricsClient({ baseUrl: options.vmUrl, timeoutMs: Math.max(config.VM_TIMEOUT_MS, 60_000), connections: 2 })
  let store: Store | undefined
  let summary: MigrationSummary
  try {
    if (!options.dryRun) {
      try {
        store = await openStore(config)
      } catch (err) {
        io.err(`cannot migrate legacy data: cannot open the store: ${(err as Error).message}\n`)
        return 1
      }
    }
    const submitter = store === undefined ? undefined : new SubmitService(store, config, createMetrics())
    summary = await migrateLegacy({ reader: new LegacyReader(client), submitter }, {
      range,
      installation: options.installation,
      dryRun: options.dryRun,
      deleteLegacy: options.deleteLegacy,
    }, progressPrinter(io, options.dryRun))
  } finally {
    await client.close()
    await store?.close()
  }

  io.out(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary, options.vmUrl))
  if (summary.error !== undefined) {
    const done = summary.installations.migrated
    io.err(`${summary.error}\n${done > 0 ? `${done} installation(s) done before it; ` : ''}re-run to continue (what is done is not stored or counted twice)\n`)
    return 1
  }
  return 0
}

function dateOption (option: 'from' | 'to', text: string): number {
  try {
    return parseDateOption(option, text)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

/** Progress on stderr: the inventory, an installation's days at most every 2 s, each installation's result. */
function progressPrinter (io: CommandIo, dryRun: boolean): (event: ProgressEvent) => void {
  let lastDayLine = 0
  return (event) => {
    if (event.kind === 'listed') {
      const invalid = event.invalid > 0 ? `, ${event.invalid} installation_id label(s) that are not UUIDs (skipped)` : ''
      io.err(event.installations === 0
        ? `no legacy series (heatpump_metrics_*) of a migratable installation in this range${invalid}\n`
        : `found ${event.installations} legacy installation(s)${invalid}\n`)
      return
    }
    if (event.kind === 'day') {
      if (Date.now() - lastDayLine < 2000) return
      lastDayLine = Date.now()
      io.err(`  ${event.report.id}: ${describeProgress(event.report, dryRun)}\n`)
      return
    }
    const r = event.report
    const status = r.status === 'failed' ? `FAILED (${r.error ?? 'unknown error'})` : r.status
    io.err(`${r.id} [${r.model_labels.join(', ') || 'no model'}]: ${status}; ${describeProgress(r, dryRun)}; ${(r.duration_ms / 1000).toFixed(1)} s${r.deleted_legacy ? '; legacy series deleted' : ''}\n`)
  }
}

function describeProgress (r: Readonly<InstallationReport>, dryRun: boolean): string {
  const days = `${r.days} day(s)${r.last_day === null ? '' : ` through ${r.last_day}`}, ${r.records.read} records, ${r.values.read} values`
  if (dryRun) return days
  const rejected = Object.entries(r.rejected_reasons.values).map(([k, n]) => `${k} ${n}`).join(', ')
  return `${days}: ${r.values.stored} stored, ${r.values.duplicate} duplicate, ${r.values.replayed} replayed, ${r.values.rejected} rejected${rejected === '' ? '' : ` (${rejected})`}`
}

function formatSummary (s: MigrationSummary, vmUrl: string): string {
  const reasons = (counts: Record<string, number>): string => Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'
  const lines = [
    `legacy migration${s.dry_run ? ' (dry run: nothing written)' : ''} from ${vmUrl}, ${s.range.from} to ${s.range.to}`,
    `installations: ${s.installations.found} found, ${s.installations.migrated} ${s.dry_run ? 'counted' : 'migrated'}, ${s.installations.failed} failed, ${s.installations.not_started} not started`,
  ]
  if (s.invalid_installation_ids.length > 0) {
    lines.push(`skipped installation_id labels that are not UUIDs: ${s.invalid_installation_ids.map((i) => `${JSON.stringify(i.label)} (${i.series} series)`).join(', ')}`)
  }
  lines.push(`series: ${s.series}, days with data: ${s.days}, records: ${s.records.read}`)
  lines.push(`values: ${s.values.read} read, ${s.values.dropped} text/reserved dropped`)
  if (!s.dry_run) {
    lines.push(`values: ${s.values.accepted} accepted, ${s.values.stored} stored, ${s.values.duplicate} duplicate, ${s.values.replayed} replayed, ${s.values.rejected} rejected, ${s.values.ignored} not in the catalog`)
    lines.push(`rejected values: ${reasons(s.rejected_reasons.values)}; rejected records: ${reasons(s.rejected_reasons.records)}`)
    lines.push(`batches: ${s.batches.submitted} (${s.batches.replayed} replayed); legacy series deleted for ${s.deleted_legacy} installation(s)`)
  }
  lines.push(`time: ${(s.duration_ms / 1000).toFixed(1)} s (${s.records_per_second} records/s)`)
  return `${lines.join('\n')}\n`
}
