import { runSimulation, type RunSummary } from '../run.js'
import { HELP, parseCli } from './args.js'

export interface CliIo {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  readonly now?: () => number
}

const n = (x: number) => x.toLocaleString('en-US')
const counts = (c: Readonly<Record<string, number>>) => Object.entries(c).map(([k, v]) => `${k} ${n(v)}`).join(', ')

/** The human-readable summary of a run. */
export function formatSummary (s: RunSummary): string {
  const lines = [
    s.target === null ? `heatpool-sim: wrote ${s.format} payloads (seed ${s.seed})` : `heatpool-sim: sent ${s.format} records to ${s.target_kind} ${s.target} (seed ${s.seed})`,
    `  installations   ${n(s.installations)}${s.target_kind === 'server' ? ` (registered ${n(s.registered)})` : ''}: ${counts(s.models)}`,
    `  time            ${s.first_record} … ${s.last_record}, every ${s.interval_s} s`,
    `  records         ${n(s.records)} in ${n(s.batches)} batches`,
  ]
  if (s.target !== null) {
    lines.push(`  answers         accepted ${n(s.accepted)}, rejected ${n(s.rejected)}${s.replayed_batches > 0 ? `, ${n(s.replayed_batches)} batches already stored (replayed answers)` : ''}${Object.keys(s.rejected_reasons.records).length > 0 ? ` (${counts(s.rejected_reasons.records)})` : ''}`)
    if (s.target_kind === 'server') {
      lines.push(`  values          stored ${n(s.values.stored)}, duplicate ${n(s.values.duplicate)}, rejected ${n(s.values.rejected)}${Object.keys(s.rejected_reasons.values).length > 0 ? ` (${counts(s.rejected_reasons.values)})` : ''}, ignored ${n(s.values.ignored)}`)
    }
    lines.push(`  retries         ${Object.keys(s.retries).length === 0 ? 'none' : counts(s.retries)}`)
    lines.push(`  failed batches  ${Object.keys(s.failed_batches).length === 0 ? 'none' : counts(s.failed_batches)}`)
  }
  lines.push(`  faults          ${Object.keys(s.faults).length === 0 ? 'none' : counts(s.faults)}${s.labels === null ? '' : ` (labels in ${s.labels})`}`)
  if (s.server !== undefined) lines.push(`  server holds    ${n(s.server.installations)} of these installations, ${n(s.server.samples_total)} samples`)
  lines.push(`  duration        ${s.duration_s} s (${n(s.records_per_s)} records/s)`)
  return `${lines.join('\n')}\n`
}

/** `heatpool-sim …`: runs and prints; resolves with the exit status. */
export async function runCli (argv: readonly string[], io: CliIo): Promise<number> {
  const now = io.now ?? Date.now
  let options
  try {
    options = parseCli(argv, now())
  } catch (err) {
    io.err(`${(err as Error).message}\nRun heatpool-sim --help for the options.\n`)
    return 2
  }
  if (options.help) {
    io.out(HELP)
    return 0
  }
  try {
    const summary = await runSimulation({ ...options, now, progress: (line) => io.err(`${line}\n`) })
    io.out(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary))
    return Object.keys(summary.failed_batches).length > 0 ? 1 : 0
  } catch (err) {
    io.err(`${(err as Error).message}\n`)
    return 1
  }
}
