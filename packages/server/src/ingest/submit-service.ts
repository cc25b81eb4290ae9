import { createHash } from 'node:crypto'
import {
  normaliseSubmission,
  type HeatPumpModel,
  type SubmissionTally,
  type SubmitResponse,
} from '@heatpool/protocol'
import type { Config } from '../config.js'
import { httpError } from '../errors.js'
import { DAY_MS, onTimeSamplesByDay, samplesByDay } from '../ledger/contribution.js'
import type { Metrics } from '../metrics.js'
import { upsertHeatPumps } from '../store/heat-pumps.js'
import { findResponse, saveResponse, type StoredResponse } from '../store/idempotency.js'
import { ensureInstallation, recordSubmission } from '../store/installations.js'
import { addContributions } from '../store/ledger.js'
import { recordIngest } from '../store/ingest-stats.js'
import { addPoolSamples } from '../store/pool.js'
import { batchFigures } from './ingest-figures.js'
import { readTails, updateRollups } from './rollup-updater.js'
import type { SampleRow, SampleWriteResult, Store } from '../store/types.js'

export interface SubmitInput {
  /** Canonical installation id, already authorised. */
  readonly installationId: string
  readonly model: HeatPumpModel
  readonly data: readonly unknown[]
  /** sha256 (hex) of the request body as received (after decompression). */
  readonly bodyHash: string
  /** The client's `Idempotency-Key`, if it sent one. */
  readonly idempotencyKey: string | undefined
  readonly receivedAt: number
}

export interface SubmitOutcome {
  readonly statusCode: number
  readonly body: SubmitResponse
  /** True when this answers a retry with the first response. */
  readonly replayed: boolean
}

/**
 * Ingests one submit batch: normalise (pure), then one transaction that stores the samples,
 * updates the heat pumps, the contribution ledger, the installation and the ingest statistics,
 * and keeps the response for replay. The transaction commits (durably, per `SQLITE_SYNCHRONOUS`) before the caller
 * answers. A retry with the same idempotency key (or, for clients without one, the same body)
 * gets the first response and stores nothing again.
 */
export class SubmitService {
  /** Idempotency keys of batches being processed right now (IETF draft: 409 for a concurrent retry). */
  readonly #inFlight = new Set<string>()

  constructor (
    private readonly store: Store,
    private readonly config: Config,
    private readonly metrics: Metrics,
  ) {}

  async submit (input: SubmitInput): Promise<SubmitOutcome> {
    const keyHash = createHash('sha256')
      .update(`${input.installationId}\n${input.idempotencyKey ?? `body:${input.bodyHash}`}`)
      .digest('hex')
    if (this.#inFlight.has(keyHash)) throw httpError('HP_ERR_IDEMPOTENCY_IN_FLIGHT')
    this.#inFlight.add(keyHash)
    try {
      const ttlStart = input.receivedAt - this.config.IDEMPOTENCY_TTL_HOURS * 3_600_000
      const previous = await findResponse(this.store.db, keyHash, ttlStart)
      if (previous !== undefined) return this.#replay(previous, input)
      const outcome = await this.#ingest(input, keyHash, ttlStart)
      if (!outcome.replayed) this.metrics.batches.inc({ outcome: 'stored' })
      return outcome
    } finally {
      this.#inFlight.delete(keyHash)
    }
  }

  #replay (previous: StoredResponse, input: SubmitInput): SubmitOutcome {
    if (previous.bodyHash !== input.bodyHash) throw httpError('HP_ERR_IDEMPOTENCY_KEY_REUSED')
    this.metrics.batches.inc({ outcome: 'replayed' })
    return { statusCode: previous.statusCode, body: JSON.parse(previous.response) as SubmitResponse, replayed: true }
  }

  async #ingest (input: SubmitInput, keyHash: string, ttlStart: number): Promise<SubmitOutcome> {
    const endTimer = this.metrics.batchDuration.startTimer()
    const { records, tally } = normaliseSubmission(input.data, {
      nowMs: input.receivedAt,
      oldestMs: input.receivedAt - this.config.RETENTION_DAYS * DAY_MS,
      futureToleranceMs: this.config.FUTURE_TOLERANCE_SECONDS * 1000,
    })
    const { store, config } = this
    const result = await store.transaction<SubmitOutcome | SubmitResponse>(async (trx) => {
      // Batches of one installation go one at a time, across server replicas too: the sample
      // store decides what is new from the heat pumps' tails, and the ledger adds to itself.
      await store.lockInstallation(trx, input.installationId)
      // Another replica may have stored the same batch while this one waited for the lock.
      const previous = await findResponse(trx, keyHash, ttlStart)
      if (previous !== undefined) return this.#replay(previous, input)
      await ensureInstallation(trx, input.installationId, input.receivedAt, { modelName: input.model.name, modelKey: input.model.key })
      const ids = await upsertHeatPumps(trx, input.installationId, records.map((r) => r.heatPump), input.model, input.receivedAt, config.MAX_HEAT_PUMPS_PER_INSTALLATION)
      const rows: SampleRow[] = []
      for (const r of records) {
        const heatPumpId = ids.get(r.heatPump.key)
        if (heatPumpId !== undefined) {
          rows.push({ heatPumpId, ts: r.ts, values: r.values })
          continue
        }
        // Like an invalid heat-pump entry: counted once as an entry, its values not at all.
        tally.records.reasons.too_many_heatpumps = (tally.records.reasons.too_many_heatpumps ?? 0) + 1
        tally.values.accepted -= Object.keys(r.values).length
      }
      const tails = await readTails(trx, rows.map((r) => r.heatPumpId))
      const lastSampleTs = new Map([...tails].map(([id, t]) => [id, t.lastSampleTs]))
      const written = await store.samples.write({ installationId: input.installationId, rows, lastSampleTs }, trx)
      const onTime = onTimeSamplesByDay(rows, written.storedPerRow, input.receivedAt, config.CONTRIBUTION_GRACE_DAYS)
      const all = samplesByDay(rows, written.storedPerRow)
      await addContributions(trx, input.installationId, onTime, all, config.CONTRIBUTION_MIN_SAMPLES)
      await addPoolSamples(trx, all)
      await updateRollups(trx, store.samples, rows, written.storedPerRow, tails, config.ROLLUP_MAX_GAP_SECONDS * 1000)
      let newestTs: number | null = null
      for (let i = 0; i < rows.length; i++) {
        if ((written.storedPerRow[i] ?? 0) > 0) newestTs = Math.max(newestTs ?? 0, (rows[i] as SampleRow).ts)
      }
      await recordSubmission(trx, input.installationId, {
        receivedAt: input.receivedAt,
        stored: written.stored,
        lastSampleTs: newestTs,
        modelName: input.model.name,
        modelKey: input.model.key,
      })
      const response = submitResponse(input.installationId, tally, written)
      // The dashboard's figures commit with the batch: a crash before the commit loses both, a
      // replayed retry adds neither.
      await recordIngest(trx, { installationId: input.installationId, receivedAt: input.receivedAt, ...batchFigures(response) })
      await saveResponse(trx, {
        keyHash,
        installationId: input.installationId,
        bodyHash: input.bodyHash,
        statusCode: 200,
        response: JSON.stringify(response),
        createdAt: input.receivedAt,
      })
      return response
    })
    endTimer()
    if ('replayed' in result) return result
    this.#count(tally, result)
    return { statusCode: 200, body: result, replayed: false }
  }

  #count (tally: SubmissionTally, body: SubmitResponse): void {
    const m = this.metrics
    m.records.inc({ result: 'accepted' }, tally.records.accepted)
    m.records.inc({ result: 'rejected' }, tally.records.rejected)
    m.samples.inc({ result: 'stored' }, body.values.stored)
    m.samples.inc({ result: 'duplicate' }, body.values.duplicate)
    m.ignoredValues.inc(tally.values.ignored)
    for (const [reason, n] of Object.entries(tally.values.reasons)) m.rejectedValues.inc({ reason }, n)
    for (const [reason, n] of Object.entries(tally.records.reasons)) m.rejectedRecords.inc({ reason }, n)
  }
}

function submitResponse (installationId: string, tally: SubmissionTally, written: SampleWriteResult): SubmitResponse {
  return {
    status: 'success',
    processed: tally.records.accepted,
    installation_id: installationId,
    records: {
      received: tally.records.received,
      accepted: tally.records.accepted,
      rejected: tally.records.rejected,
    },
    values: {
      accepted: tally.values.accepted,
      stored: written.stored,
      duplicate: written.duplicate,
      rejected: tally.values.rejected,
      ignored: tally.values.ignored,
    },
    rejected_reasons: {
      records: { ...tally.records.reasons } as Record<string, number>,
      values: { ...tally.values.reasons } as Record<string, number>,
    },
  }
}

