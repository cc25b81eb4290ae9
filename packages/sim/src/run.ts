import { createHash } from 'node:crypto'
import { createWriteStream, writeFileSync, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { DEFAULT_RETRY, detectTargetKind, registerInstallation, request, type RetryPolicy, type TargetKind } from './client.js'
import type { FaultSpec } from './faults.js'
import { buildFleet, faultLabels, recordsOf, submitPayload, type ClimateChoice, type SimInstallation } from './fleet.js'
import type { HeatPumpModel } from './models.js'
import type { PayloadFormat } from './records.js'
import { DAY_MS } from './time.js'

export interface RunOptions {
  /** Base URL of a server or an agent; undefined with `out` only. */
  readonly target?: string
  readonly targetKind: TargetKind | 'auto'
  readonly installations: number
  readonly days: number
  readonly seed: number
  readonly format: PayloadFormat
  readonly faults: readonly FaultSpec[]
  readonly climate: ClimateChoice
  readonly models?: readonly HeatPumpModel[]
  readonly intervalS: number
  /** First record, ms; undefined: the run ends at the current interval. */
  readonly startMs?: number
  /** Simulated seconds per wall-clock second, or as fast as answered. */
  readonly speed: number | 'max'
  readonly labelsPath?: string
  /** Writes every payload body as one JSON line (in addition to or instead of posting). */
  readonly outPath?: string
  readonly concurrency: number
  readonly batchSize: number
  readonly consentVersion: string
  readonly adminToken?: string
  readonly retry?: RetryPolicy
  /** Progress lines (stderr in the CLI). */
  readonly progress?: (line: string) => void
  readonly now?: () => number
}

export interface RunSummary {
  target: string | null
  target_kind: TargetKind | null
  format: PayloadFormat
  seed: number
  installations: number
  registered: number
  models: Record<string, number>
  first_record: string
  last_record: string
  interval_s: number
  records: number
  batches: number
  /** Batches the server had already stored (same Idempotency-Key): their answers are the first ones, replayed. */
  replayed_batches: number
  /** From the answers: records the server (or agent) accepted, and rejected. */
  accepted: number
  rejected: number
  values: { stored: number, duplicate: number, rejected: number, ignored: number }
  rejected_reasons: { records: Record<string, number>, values: Record<string, number> }
  retries: Record<string, number>
  /** Batches given up on (permanent 4xx, or retries exhausted), by status. */
  failed_batches: Record<string, number>
  faults: Record<string, number>
  labels: string | null
  duration_s: number
  records_per_s: number
  /** With `--admin-token` against a server: what its installations list says about ours. */
  server?: { installations: number, samples_total: number }
}

interface SubmitAnswerBody {
  processed?: number
  records?: { accepted?: number, rejected?: number }
  values?: { stored?: number, duplicate?: number, rejected?: number, ignored?: number }
  rejected_reasons?: { records?: Record<string, number>, values?: Record<string, number> }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

function add (into: Record<string, number>, from: Readonly<Record<string, number>> | undefined): void {
  for (const [k, v] of Object.entries(from ?? {})) into[k] = (into[k] ?? 0) + v
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function pool<T> (items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T)
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
}

/** Time span of a run: `count` records every `intervalMs` from `startMs`. */
export function runWindow (o: Pick<RunOptions, 'days' | 'intervalS' | 'startMs'>, nowMs: number): { startMs: number, intervalMs: number, count: number, endMs: number } {
  const intervalMs = o.intervalS * 1000
  const count = Math.floor(o.days * DAY_MS / intervalMs)
  const startMs = o.startMs ?? Math.floor(nowMs / intervalMs) * intervalMs - (count - 1) * intervalMs
  return { startMs, intervalMs, count, endMs: startMs + count * intervalMs }
}

/**
 * Generates the fleet's records and posts them: registers each installation (server) or relays
 * through an agent, in time slices of `batchSize` records per installation, so the whole fleet
 * advances together; paced to `speed` when it is finite. Resolves with what was sent and what
 * the answers said.
 */
export async function runSimulation (o: RunOptions): Promise<RunSummary> {
  const now = o.now ?? Date.now
  const log = o.progress ?? (() => {})
  const retry = o.retry ?? DEFAULT_RETRY
  const window = runWindow(o, now())
  const fleet = buildFleet({
    seed: o.seed,
    installations: o.installations,
    climate: o.climate,
    ...(o.models === undefined ? {} : { models: o.models }),
    faults: o.faults,
    startMs: window.startMs,
    endMs: window.endMs,
  })
  const base = o.target?.replace(/\/+$/, '')
  const summary: RunSummary = {
    target: base ?? null,
    target_kind: null,
    format: o.format,
    seed: o.seed,
    installations: fleet.length,
    registered: 0,
    models: {},
    first_record: new Date(window.startMs).toISOString(),
    last_record: new Date(window.endMs - window.intervalMs).toISOString(),
    interval_s: o.intervalS,
    records: 0,
    batches: 0,
    replayed_batches: 0,
    accepted: 0,
    rejected: 0,
    values: { stored: 0, duplicate: 0, rejected: 0, ignored: 0 },
    rejected_reasons: { records: {}, values: {} },
    retries: {},
    failed_batches: {},
    faults: {},
    labels: o.labelsPath ?? null,
    duration_s: 0,
    records_per_s: 0,
  }
  for (const inst of fleet) summary.models[inst.model.name] = (summary.models[inst.model.name] ?? 0) + 1
  const labels = faultLabels(fleet)
  for (const l of labels) summary.faults[l.fault] = (summary.faults[l.fault] ?? 0) + 1
  if (o.labelsPath !== undefined) writeFileSync(o.labelsPath, labels.map((l) => `${JSON.stringify(l)}\n`).join(''))

  const started = performance.now()
  const tokens = new Map<number, string>()
  if (base !== undefined) {
    summary.target_kind = o.targetKind === 'auto' ? await detectTargetKind(base) : o.targetKind
    if (summary.target_kind === 'server') {
      await pool(fleet, o.concurrency, async (inst) => {
        tokens.set(inst.index, await registerInstallation(base, inst, o.consentVersion, retry))
      })
      summary.registered = tokens.size
      log(`registered ${tokens.size} installations at ${base}`)
    }
  }

  let out: WriteStream | undefined
  if (o.outPath !== undefined) out = createWriteStream(o.outPath)

  // With a finite speed, batches are as long as about ten wall seconds of simulated time.
  const batchSize = o.speed === 'max' ? o.batchSize : Math.max(1, Math.min(o.batchSize, Math.floor(o.speed * 10 / o.intervalS)))
  const streams = fleet.map((inst) => recordsOf(inst, { format: o.format, startMs: window.startMs, intervalMs: window.intervalMs, count: window.count }))
  const wallStart = performance.now()
  let lastProgress = wallStart

  const send = async (inst: SimInstallation, body: string, records: number): Promise<void> => {
    summary.batches++
    summary.records += records
    if (out !== undefined && !out.write(`${body}\n`)) await once(out, 'drain')
    if (base === undefined) return
    const token = tokens.get(inst.index)
    const key = `sim-${createHash('sha256').update(body).digest('hex').slice(0, 40)}`
    const answer = await request('POST', `${base}/api/v1/submit`, {
      body,
      headers: { 'idempotency-key': key, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    }, retry)
    add(summary.retries, answer.retries)
    if (answer.status !== 200) {
      const key = answer.status === null ? (answer.error ?? 'network') : String(answer.status)
      summary.failed_batches[key] = (summary.failed_batches[key] ?? 0) + 1
      log(`batch of ${inst.installationId} failed: ${key} ${answer.text.slice(0, 200)}`)
      return
    }
    if (answer.replayed) summary.replayed_batches++
    const a = answer.body as SubmitAnswerBody
    summary.accepted += a.records?.accepted ?? a.processed ?? 0
    summary.rejected += a.records?.rejected ?? 0
    summary.values.stored += a.values?.stored ?? 0
    summary.values.duplicate += a.values?.duplicate ?? 0
    summary.values.rejected += a.values?.rejected ?? 0
    summary.values.ignored += a.values?.ignored ?? 0
    add(summary.rejected_reasons.records, a.rejected_reasons?.records)
    add(summary.rejected_reasons.values, a.rejected_reasons?.values)
  }

  for (let first = 0; first < window.count; first += batchSize) {
    const n = Math.min(batchSize, window.count - first)
    if (o.speed !== 'max') {
      // The slice's last record is due when its simulated time has passed at `speed`.
      const dueMs = (first + n - 1) * o.intervalS * 1000 / o.speed
      const wait = dueMs - (performance.now() - wallStart)
      if (wait > 0) await sleep(wait)
    }
    await pool(fleet, o.concurrency, async (inst) => {
      const stream = streams[inst.index] as Generator<Record<string, unknown>>
      const data: unknown[] = []
      for (let k = 0; k < n; k++) data.push(stream.next().value)
      await send(inst, JSON.stringify(submitPayload(inst, o.format, data)), n)
    })
    if (performance.now() - lastProgress > 5000) {
      lastProgress = performance.now()
      const simDay = (first + n) * o.intervalS / 86_400
      log(`day ${simDay.toFixed(1)}/${o.days}: ${summary.records} records in ${summary.batches} batches, ${Math.round(summary.records / ((lastProgress - started) / 1000))} records/s`)
    }
  }
  if (out !== undefined) {
    out.end()
    await once(out, 'finish')
  }

  summary.duration_s = Math.round((performance.now() - started) / 10) / 100
  summary.records_per_s = summary.duration_s > 0 ? Math.round(summary.records / summary.duration_s) : summary.records

  if (base !== undefined && summary.target_kind === 'server' && o.adminToken !== undefined) {
    summary.server = await serverView(base, o.adminToken, new Set(fleet.map((i) => i.installationId)), retry)
  }
  return summary
}

/** What the server's admin installation list says about the simulated installations. */
async function serverView (base: string, adminToken: string, ours: ReadonlySet<string>, retry: RetryPolicy): Promise<{ installations: number, samples_total: number }> {
  let installations = 0
  let samples = 0
  for (let offset = 0; ; offset += 1000) {
    const answer = await request('GET', `${base}/api/v2/admin/installations?limit=1000&offset=${offset}`, { headers: { authorization: `Bearer ${adminToken}` } }, retry)
    if (answer.status !== 200) throw new Error(`cannot list installations at ${base}: ${answer.status ?? answer.error} ${answer.text.slice(0, 200)}`)
    const page = answer.body as { installations: { installation_id: string, samples_total: number }[] }
    for (const i of page.installations) {
      if (!ours.has(i.installation_id)) continue
      installations++
      samples += i.samples_total
    }
    if (page.installations.length < 1000) break
  }
  return { installations, samples_total: samples }
}
