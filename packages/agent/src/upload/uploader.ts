import type { Logger } from 'pino'
import type { AgentConfig } from '../config.js'
import type { Batch, Outbox } from '../outbox/outbox.js'
import type { ServerAnswer, ServerClient } from '../server-client.js'
import { describeProblem, type Credentials } from './credentials.js'
import { backoffMs, classify, MAX_RETRY_AFTER_MS, nextUploadAt, parseRetryAfter, uploadOffsetMs } from './policy.js'
import { LogThrottle } from './throttle.js'

export interface UploadResult {
  readonly at: string
  readonly installationId: string
  readonly outcome: 'acknowledged' | 'retry' | 'auth' | 'quarantine' | 'no_credential'
  readonly status: number | null
  readonly records: number
  readonly detail?: string
}

export interface UploaderHooks {
  readonly uploaded?: (records: number) => void
  readonly retried?: () => void
  readonly quarantined?: () => void
}

/** Installations uploading at once: enough to keep a single-threaded server busy. */
export const UPLOAD_CONCURRENCY = 3

/**
 * Most bytes of records in one batch (besides AGENT_BATCH_RECORDS): 500 v2 records would be
 * 2.7 MB of JSON, held as text, as a body and gzipped at once, twice while pipelined.
 */
export const BATCH_MAX_BYTES = 1024 * 1024

/** Batches created in one transaction (one fsync) while uploading. */
const BATCHES_AHEAD = 8

interface PreparedBatch {
  readonly batch: Batch
  readonly records: number
  readonly gzipped: Buffer
}

interface InstallationState {
  nextScheduled: number
  /** Our own backoff: a manual flush may cut it short. */
  retryAt: number
  /** The server's Retry-After: honoured even by a manual flush. */
  notBefore: number
  attempts: number
  problem?: string
}

/**
 * Sends the outbox to the server: per installation at its daily slot (a fixed random offset in
 * AGENT_UPLOAD_INTERVAL), at once when AGENT_FLUSH_RECORDS wait or on `flush`. One batch at a
 * time, oldest first; a failure stops that installation until its backoff (or Retry-After)
 * ends, retrying forever; a permanent refusal quarantines the batch and the next goes out.
 */
export class Uploader {
  readonly #perInstallation = new Map<string, InstallationState>()
  readonly #throttle: LogThrottle
  #lastResult: UploadResult | undefined
  #running = false
  #stopped = false
  #wake: (() => void) | undefined
  /** When the earliest installation skipped by the last pass (backing off) comes due. */
  #dueAt = Infinity
  #flushRequested = false
  #pass: Promise<void> | undefined

  constructor (
    private readonly config: AgentConfig,
    private readonly outbox: Outbox,
    private readonly client: ServerClient,
    private readonly credentials: Credentials,
    private readonly log: Logger,
    private readonly hooks: UploaderHooks = {},
    private readonly clock: () => number = Date.now,
    private readonly random: () => number = Math.random,
    private readonly tickMs = 1000,
  ) {
    this.#throttle = new LogThrottle(60_000, clock)
  }

  get lastResult (): UploadResult | undefined {
    return this.#lastResult
  }

  /** Per installation: when it uploads next, and why it is waiting, if it is. */
  schedule (): { installationId: string, nextScheduled: string, retryAt: string | null, attempts: number, problem: string | null }[] {
    return [...this.#perInstallation].map(([id, s]) => ({
      installationId: id,
      nextScheduled: new Date(s.nextScheduled).toISOString(),
      retryAt: Math.max(s.retryAt, s.notBefore) > this.clock() ? new Date(Math.max(s.retryAt, s.notBefore)).toISOString() : null,
      attempts: s.attempts,
      problem: s.problem ?? null,
    }))
  }

  /** Starts the background loop. */
  start (): void {
    if (this.#running) return
    this.#running = true
    void this.#loop()
  }

  /** Stops the loop after the request in flight (its batch stays in the outbox if unanswered). */
  async stop (): Promise<void> {
    this.#stopped = true
    this.#wake?.()
    await this.#pass
  }

  /** Something arrived: check thresholds now rather than at the next tick. */
  nudge (): void {
    this.#wake?.()
  }

  /**
   * Uploads everything now, cutting our own backoff short but never the server's Retry-After;
   * resolves when that pass is over.
   */
  async flush (): Promise<UploadResult | undefined> {
    this.#flushRequested = true
    if (!this.#running) await this.#runPass()
    else {
      this.#wake?.()
      // Wait for a pass that started after the request.
      while (this.#flushRequested && !this.#stopped) await new Promise((r) => setTimeout(r, 20))
      await this.#pass
    }
    return this.#lastResult
  }

  async #loop (): Promise<void> {
    while (!this.#stopped) {
      this.#pass = this.#runPass()
      await this.#pass
      if (this.#stopped) break
      // Next pass at the tick, or sooner when an installation's backoff ends before it (after
      // an outage every installation comes due at its own moment; waiting for the tick would
      // leave the server idle in between).
      const wait = Math.max(0, Math.min(this.tickMs, this.#dueAt - this.clock()))
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait)
        this.#wake = () => { clearTimeout(timer); resolve() }
      })
      this.#wake = undefined
    }
  }

  #stateOf (installationId: string, now: number): InstallationState {
    let s = this.#perInstallation.get(installationId)
    if (s === undefined) {
      const interval = this.config.AGENT_UPLOAD_INTERVAL * 1000
      s = { nextScheduled: nextUploadAt(now, interval, uploadOffsetMs(installationId, interval)), retryAt: 0, notBefore: 0, attempts: 0 }
      this.#perInstallation.set(installationId, s)
    } else {
      this.#afterClockSetBack(installationId, s, now)
    }
    return s
  }

  /**
   * A clock set back (a device that ran years ahead until NTP corrected it) leaves times no
   * forward-running clock can produce: a slot more than one interval ahead, a wait longer than
   * the longest backoff or Retry-After. They are made again from now; otherwise the
   * installation would upload nothing until the wrong clock's time came round again, while its
   * outbox filled up to the cap and dropped data.
   */
  #afterClockSetBack (installationId: string, s: InstallationState, now: number): void {
    const interval = this.config.AGENT_UPLOAD_INTERVAL * 1000
    if (s.nextScheduled > now + interval) s.nextScheduled = nextUploadAt(now, interval, uploadOffsetMs(installationId, interval))
    if (s.retryAt > now + Math.max(this.config.AGENT_RETRY_MAX_MS, MAX_RETRY_AFTER_MS)) s.retryAt = now
    if (s.notBefore > now + MAX_RETRY_AFTER_MS) s.notBefore = now
  }

  async #runPass (): Promise<void> {
    const forced = this.#flushRequested
    this.#flushRequested = false
    this.#dueAt = Infinity
    const queue = this.outbox.installations()
    // A few installations at a time: while the agent handles one's answer the server has
    // another's batch to store, so after an outage the server, not the agent, sets the pace.
    const worker = async (): Promise<void> => {
      for (let installationId = queue.shift(); installationId !== undefined; installationId = queue.shift()) {
        if (this.#stopped) return
        const now = this.clock()
        const s = this.#stateOf(installationId, now)
        if (s.notBefore > now || (s.retryAt > now && !forced)) {
          this.#dueAt = Math.min(this.#dueAt, Math.max(s.notBefore, forced ? 0 : s.retryAt))
          continue
        }
        const due = forced || now >= s.nextScheduled || s.attempts > 0 || this.outbox.waiting(installationId) >= this.config.AGENT_FLUSH_RECORDS
        if (!due) continue
        await this.#uploadInstallation(installationId, s)
      }
    }
    await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, queue.length) }, worker))
  }

  async #uploadInstallation (installationId: string, s: InstallationState): Promise<void> {
    const max = this.config.AGENT_BATCH_RECORDS
    const first = this.outbox.nextBatch(installationId, max, 0, BATCH_MAX_BYTES)
    if (first === undefined) return
    const credential = await this.credentials.for(installationId, first.envelope.heatpump_model ?? null)
    if ('problem' in credential) {
      s.problem = credential.problem
      if (credential.problem !== 'no_consent') this.#backOff(installationId, s, null, describeProblem(credential))
      this.#lastResult = { at: new Date(this.clock()).toISOString(), installationId, outcome: 'no_credential', status: null, records: 0, detail: describeProblem(credential) }
      return
    }
    s.problem = undefined
    // Pipelined: while one batch is in flight the next is read and compressed (on libuv's
    // pool), so the agent's work overlaps the server's instead of adding to it. Batches are
    // created BATCHES_AHEAD at a time (one fsync), acknowledged without one.
    const ahead: Batch[] = []
    let prepared: Promise<PreparedBatch> | undefined = this.#prepare(installationId, first)
    while (prepared !== undefined && !this.#stopped) {
      const current: PreparedBatch = await prepared
      const answer = this.client.submitCompressed(current.gzipped, credential.kind === 'none' ? '' : credential.token, current.batch.idempotencyKey)
      if (ahead.length === 0) ahead.push(...this.outbox.nextBatches(installationId, max, current.batch.id, BATCHES_AHEAD, BATCH_MAX_BYTES))
      const following = ahead.shift()
      prepared = following === undefined ? undefined : this.#prepare(installationId, following)
      if (!this.#handle(installationId, s, current, await answer)) {
        await prepared?.catch(() => undefined)
        return
      }
    }
    const interval = this.config.AGENT_UPLOAD_INTERVAL * 1000
    s.nextScheduled = nextUploadAt(this.clock(), interval, uploadOffsetMs(installationId, interval))
  }

  /** Reads a batch's records and compresses its body (the same bytes on every attempt). */
  async #prepare (installationId: string, batch: Batch): Promise<PreparedBatch> {
    const { records, json } = this.outbox.batchJson(batch.id)
    const gzipped = await this.client.compress(batchBodyOf(installationId, batch, json))
    return { batch, records, gzipped }
  }

  /** Acts on the answer to one batch; false when this installation must wait (backoff). */
  #handle (installationId: string, s: InstallationState, prepared: PreparedBatch, answer: ServerAnswer): boolean {
    const { batch } = prepared
    const outcome = classify(answer.status)
    const detail = answer.error ?? describe(answer.body)
    const at = new Date(this.clock()).toISOString()
    this.#lastResult = { at, installationId, outcome, status: answer.status, records: prepared.records, ...(outcome === 'acknowledged' ? {} : { detail }) }
    switch (outcome) {
      case 'acknowledged':
        this.outbox.acknowledge(batch.id)
        s.attempts = 0
        this.hooks.uploaded?.(prepared.records)
        return true
      case 'quarantine':
        this.outbox.quarantine(batch.id, answer.status, detail)
        this.hooks.quarantined?.()
        this.log.warn({ installation: installationId, batch: batch.id, status: answer.status, detail }, 'batch refused by the server: quarantined')
        return true
      default: {
        this.outbox.recordFailure(batch.id, answer.status, detail)
        this.hooks.retried?.()
        this.#backOff(installationId, s, parseRetryAfter(answer.headers?.get('retry-after') ?? null, this.clock()), detail, answer.status)
        return false
      }
    }
  }

  #backOff (installationId: string, s: InstallationState, retryAfterMs: number | null, detail: string, status: number | null = null): void {
    const delay = backoffMs(s.attempts, this.config.AGENT_RETRY_MIN_MS, this.config.AGENT_RETRY_MAX_MS, retryAfterMs, this.random())
    s.attempts++
    s.retryAt = this.clock() + delay
    s.notBefore = retryAfterMs === null ? 0 : this.clock() + Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)
    const key = `retry:${installationId}`
    if (this.#throttle.allow(key)) {
      this.log.warn({ installation: installationId, status, detail, retryInMs: delay, attempts: s.attempts, suppressed: this.#throttle.suppressed(key) }, 'cannot upload batch: will retry')
    }
  }
}

/** The request body of a batch: the envelope, the installation, and the records exactly as received. */
export function batchBody (installationId: string, batch: Batch, records: readonly string[]): string {
  return batchBodyOf(installationId, batch, records.join(','))
}

/** As `batchBody`, the records already joined with commas. */
function batchBodyOf (installationId: string, batch: Batch, recordsJson: string): string {
  const e = batch.envelope
  let head = `{"installation_id":${JSON.stringify(installationId)},"heatpump_model":${JSON.stringify(e.heatpump_model ?? null)},"version":${JSON.stringify(e.version ?? null)}`
  if (e.data_version != null) head += `,"data_version":${JSON.stringify(e.data_version)}`
  return `${head},"data":[${recordsJson}]}`
}

function describe (body: unknown): string {
  if (body !== null && typeof body === 'object') {
    const b = body as { code?: unknown, detail?: unknown }
    if (typeof b.detail === 'string') return typeof b.code === 'string' ? `${b.code}: ${b.detail}` : b.detail
  }
  return typeof body === 'string' ? body.slice(0, 200) : ''
}
