import type { MetricName } from '@heatpool/protocol'
import type { Kysely } from 'kysely'
import type { Database } from '../schema.js'
import { StoreUnavailableError, type SampleBatch, type SampleStore, type SampleWriteResult, type StoredSample } from '../types.js'
import { VictoriaMetricsClient, type VictoriaMetricsClientOptions } from './client.js'
import { legacyInstallationSelector } from '../../legacy/layout.js'
import { RecentWrites } from './recent-writes.js'
import { encodeJsonLines, heatPumpSelector, IMPORT_PATH, parseExport } from './series.js'
import { collisionRanges, planWrite } from './write-plan.js'

export interface VictoriaMetricsSampleStoreOptions extends VictoriaMetricsClientOptions {
  /** VM_POOL: a `pool` label on every series, required by every selector; '' = none. */
  readonly pool?: string
  /** The relational store, for the recent writes. */
  readonly db: Kysely<Database>
  /** VM_REPLAY_SECONDS in ms; 0 trusts VictoriaMetrics' own durability. */
  readonly replayWindowMs: number
  readonly checkIntervalMs?: number
  /** Wall-clock time (VictoriaMetrics flushes by it, whatever the app's clock says); Date.now by default. */
  readonly clock?: () => number
}

/**
 * Raw samples in VictoriaMetrics (series layout: `series.ts`). Run it with
 * `-dedup.minScrapeInterval=1ms`: a batch re-sent after a lost answer then stores nothing twice.
 *
 * VictoriaMetrics cannot say whether a sample existed, so the write decides it (`write-plan.ts`):
 * rows after the heat pump's newest stored timestamp are new; rows at or before it are checked
 * against an export of just that span. The caller holds the installation's lock for the whole
 * ingest transaction, so no other batch of the installation interleaves between check and write.
 *
 * With `replayWindowMs` > 0 each written body is also kept in the relational store until
 * VictoriaMetrics surely has it on disk (`recent-writes.ts`).
 */
export class VictoriaMetricsSampleStore implements SampleStore {
  readonly kind = 'victoriametrics' as const
  readonly #client: VictoriaMetricsClient
  readonly #pool: string
  readonly #recent: RecentWrites | undefined
  readonly #timer: NodeJS.Timeout | undefined

  constructor (options: VictoriaMetricsSampleStoreOptions) {
    this.#client = new VictoriaMetricsClient(options)
    this.#pool = options.pool ?? ''
    if (options.replayWindowMs > 0) {
      const recent = this.#recent = new RecentWrites(options.db, this.#client, { windowMs: options.replayWindowMs, clock: options.clock ?? Date.now })
      // A failed check leaves the store unsure; the next write checks again first.
      this.#timer = setInterval(() => { recent.check().catch(() => { recent.markUnsure() }) }, options.checkIntervalMs ?? 2000)
      this.#timer.unref()
    }
  }

  async write (batch: SampleBatch, trx: Kysely<Database>): Promise<SampleWriteResult> {
    try {
      return await this.#write(batch, trx)
    } catch (err) {
      if (err instanceof StoreUnavailableError) this.#recent?.markUnsure()
      throw err
    }
  }

  async #write (batch: SampleBatch, trx: Kysely<Database>): Promise<SampleWriteResult> {
    await this.#recent?.beforeWrite(trx)
    const stored = new Map<number, StoredSample[]>()
    for (const [heatPumpId, range] of collisionRanges(batch)) {
      stored.set(heatPumpId, await this.read(heatPumpId, range.fromMs, range.toMs))
    }
    const plan = planWrite(batch, stored)
    if (plan.samples.length > 0) {
      const body = encodeJsonLines(batch.installationId, plan.samples, this.#pool)
      await this.#client.post(IMPORT_PATH, body, 'application/json')
      await this.#recent?.record(trx, body)
    }
    return { stored: plan.stored, duplicate: plan.duplicate, storedPerRow: plan.storedPerRow }
  }

  async read (heatPumpId: number, fromMs: number, toMs: number, metrics?: readonly MetricName[]): Promise<StoredSample[]> {
    if (toMs <= fromMs) return []
    // Samples are searchable only after VictoriaMetrics' next in-memory flush (about a second);
    // reading your own writes needs it now.
    await this.#client.get('/internal/force_flush')
    const text = await this.#client.form('/api/v1/export', {
      'match[]': heatPumpSelector([heatPumpId], metrics, this.#pool),
      start: fromMs / 1000,
      end: (toMs - 1) / 1000,
    })
    return parseExport(text, fromMs, toMs)
  }

  /** VictoriaMetrics expires samples itself (`-retentionPeriod`, set it to RETENTION_DAYS). */
  async deleteOlderThan (): Promise<null> {
    return null
  }

  /** Its heatpool series and the upstream server's series of the same id (in any spelling). */
  async eraseInstallation (installationId: string, heatPumpIds: readonly number[]): Promise<null> {
    // Samples not yet flushed would otherwise outlive the deletion of their series.
    await this.#client.get('/internal/force_flush')
    if (heatPumpIds.length > 0) {
      await this.#client.form('/api/v1/admin/tsdb/delete_series', { 'match[]': heatPumpSelector(heatPumpIds, undefined, this.#pool) })
    }
    await this.#client.form('/api/v1/admin/tsdb/delete_series', { 'match[]': legacyInstallationSelector(installationId) })
    return null
  }

  async sizeBytes (): Promise<number | null> {
    const text = await this.#client.get('/metrics')
    let bytes = 0
    let seen = false
    for (const line of text.split('\n')) {
      if (!line.startsWith('vm_data_size_bytes{')) continue
      const value = Number(line.slice(line.lastIndexOf(' ') + 1))
      if (Number.isFinite(value)) {
        bytes += value
        seen = true
      }
    }
    return seen ? bytes : null
  }

  async ping (): Promise<void> {
    await this.#client.get('/health')
  }

  /** Replays and prunes the recent writes now (tests; the store does it every few seconds). */
  async checkRecentWrites (): Promise<void> {
    await this.#recent?.check()
  }

  async close (): Promise<void> {
    clearInterval(this.#timer)
    await this.#client.close()
  }
}
