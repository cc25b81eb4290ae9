import { parseHeatPumpModel } from '@heatpool/protocol'
import { payloadKeyFrom } from '@heatpool/protocol/model-manifest'
import type { ModeSummary, WindowMode } from '@heatpool/ml'
import type { Kysely } from 'kysely'
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.js'
import type { ModelRegistry } from '../models/registry.js'
import type { SigningKey } from '../models/signing-key.js'
import type { Database } from '../store/schema.js'
import {
  finishTrainingRun, heatPumpsOfModel, reportTrainingProgress, startTrainingRun, trainingCandidates,
  type TrainingStatus, type TrainingTrigger,
} from '../store/training-runs.js'
import type { SampleStore } from '../store/types.js'
import { packageModel } from './package-model.js'
import { trainInWorker, type TrainedModel } from './train-in-worker.js'
import { collectWindows } from './windows.js'

const DAY_MS = 86_400_000

export type TrainingConfig = Pick<Config,
  'TARGET_MODELS' | 'TRAINING_LOOKBACK_DAYS' | 'TRAINING_MIN_INSTALLATIONS' | 'TRAINING_MIN_DATA_POINTS' | 'K_ANONYMITY' |
  'MODEL_EXPIRY_DAYS' | 'MODEL_ENCRYPTION_KEY'>

export interface TrainingDeps {
  readonly db: Kysely<Database>
  readonly samples: SampleStore
  readonly registry: ModelRegistry
  readonly signingKey: SigningKey
  readonly config: TrainingConfig
  readonly clock: () => number
  readonly log: FastifyBaseLogger
  /** Trains a model (default: in a worker thread). */
  readonly train?: typeof trainInWorker
}

/** What a finished run learnt, or why it did not train: stored as the run's summary. */
export interface TrainingSummary {
  readonly samples: number
  readonly windows: number
  readonly installations: number
  readonly heat_pumps: number
  readonly lookback_days: number
  readonly duration_ms: number
  readonly features?: readonly string[]
  readonly modes?: Readonly<Partial<Record<WindowMode, ModeSummary>>>
  readonly model?: { readonly name: string, readonly version: number, readonly sha256: string, readonly size_bytes: number, readonly expires: string, readonly encrypted: boolean, readonly key_fingerprint: string }
  /** Why a skipped run did not train. */
  readonly reason?: string
}

export interface TrainingResult {
  readonly runId: number
  readonly modelKey: string
  readonly modelName: string
  readonly status: Exclude<TrainingStatus, 'running'>
  readonly summary: TrainingSummary | null
  readonly error: string | null
}

/** The heat-pump models a training covers: TARGET_MODELS or one asked for, else every model with samples. */
async function targetsOf (deps: TrainingDeps, sinceMs: number, only: string | undefined): Promise<{ modelKey: string, modelName: string }[]> {
  const candidates = await trainingCandidates(deps.db, sinceMs)
  const wanted = only !== undefined ? [only] : deps.config.TARGET_MODELS.split(',').map((m) => m.trim()).filter((m) => m !== '')
  if (wanted.length === 0) return candidates
  const out: { modelKey: string, modelName: string }[] = []
  for (const name of wanted) {
    const parsed = parseHeatPumpModel(name)
    const key = typeof parsed === 'string' ? null : parsed.key
    if (key === null) throw new TrainingInputError(`cannot train heat-pump model ${JSON.stringify(name)}: not a heat-pump model name`)
    const found = candidates.find((c) => c.modelKey === key)
    out.push(found ?? { modelKey: key, modelName: typeof parsed === 'string' || parsed.name === null ? name : parsed.name })
  }
  return out
}

/** A training asked for something that cannot be trained (unknown model name): the admin's input, not a failure. */
export class TrainingInputError extends Error {
  override readonly name = 'TrainingInputError'
}

/** Installations a model needs: TRAINING_MIN_INSTALLATIONS, never below K_ANONYMITY (a model's statistics are community figures). */
export function minInstallations (config: Pick<TrainingConfig, 'TRAINING_MIN_INSTALLATIONS' | 'K_ANONYMITY'>): number {
  return Math.max(config.TRAINING_MIN_INSTALLATIONS, config.K_ANONYMITY)
}

/**
 * Trains one heat-pump model: reads the lookback's samples of its heat pumps into feature
 * windows, checks the minimums, trains in a worker thread, signs and publishes the model into the
 * registry (atomically, as the next version), and records progress and the outcome in
 * `training_runs`. Never throws for a failed run: the run row says what went wrong.
 */
export async function trainOne (deps: TrainingDeps, target: { modelKey: string, modelName: string }, trigger: TrainingTrigger): Promise<TrainingResult> {
  const { db, config } = deps
  const started = deps.clock()
  const wallStart = Date.now()
  const fromMs = started - config.TRAINING_LOOKBACK_DAYS * DAY_MS
  const runId = await startTrainingRun(db, { modelKey: target.modelKey, modelName: target.modelName, trigger, startedAt: started })
  const log = deps.log.child({ training: { run: runId, model: target.modelKey } })
  const finish = async (status: Exclude<TrainingStatus, 'running'>, summary: TrainingSummary | null, error: string | null): Promise<TrainingResult> => {
    await finishTrainingRun(db, runId, { status, finishedAt: deps.clock(), ...(summary === null ? {} : { summary }), ...(error === null ? {} : { error }) })
    return { runId, modelKey: target.modelKey, modelName: target.modelName, status, summary, error }
  }
  try {
    const heatPumps = await heatPumpsOfModel(db, target.modelKey, fromMs)
    await reportTrainingProgress(db, runId, { phase: 'reading', heat_pumps_done: 0, heat_pumps: heatPumps.length, samples: 0 })
    let lastReport = 0
    const collected = await collectWindows(deps.samples, heatPumps, { fromMs, toMs: started }, async (done, total, samples) => {
      if (done === total || Date.now() - lastReport > 1000) {
        lastReport = Date.now()
        await reportTrainingProgress(db, runId, { phase: 'reading', heat_pumps_done: done, heat_pumps: total, samples })
      }
    })
    const base = {
      samples: collected.samples,
      windows: collected.windows.length,
      installations: collected.installations,
      heat_pumps: collected.heatPumps,
      lookback_days: config.TRAINING_LOOKBACK_DAYS,
    }
    const needInstallations = minInstallations(config)
    const shortfall = collected.installations < needInstallations
      ? `${collected.installations} installations gave data, ${needInstallations} are needed (TRAINING_MIN_INSTALLATIONS, at least K_ANONYMITY)`
      : collected.samples < config.TRAINING_MIN_DATA_POINTS
        ? `${collected.samples} samples in the last ${config.TRAINING_LOOKBACK_DAYS} days, ${config.TRAINING_MIN_DATA_POINTS} are needed (TRAINING_MIN_DATA_POINTS)`
        : undefined
    if (shortfall !== undefined) {
      log.info({ reason: shortfall }, 'training skipped: not enough data')
      return await finish('skipped', { ...base, duration_ms: Date.now() - wallStart, reason: shortfall }, null)
    }

    await reportTrainingProgress(db, runId, { phase: 'training', windows: collected.windows.length })
    let trained: TrainedModel
    try {
      trained = await (deps.train ?? trainInWorker)(collected.windows, { seed: 42 })
    } catch (err) {
      // Too few windows in every mode is a shortfall of data, not a failure.
      if (err instanceof RangeError) {
        return await finish('skipped', { ...base, duration_ms: Date.now() - wallStart, reason: (err as Error).message }, null)
      }
      throw err
    }

    await reportTrainingProgress(db, runId, { phase: 'publishing' })
    const encryptionKey = config.MODEL_ENCRYPTION_KEY.trim() === '' ? undefined : payloadKeyFrom(config.MODEL_ENCRYPTION_KEY)
    const training = { ...base, modes: trained.modes }
    let expires = ''
    const row = await deps.registry.put({
      heatpumpModel: target.modelName,
      bytes: (file) => {
        const expiresMs = file.createdAt + config.MODEL_EXPIRY_DAYS * DAY_MS
        expires = new Date(expiresMs).toISOString()
        return packageModel({
          name: file.name,
          heatpumpModel: file.key,
          version: file.version,
          createdMs: file.createdAt,
          expiresMs,
          modelJson: trained.json,
          features: trained.features,
          training,
          privateKey: deps.signingKey.privateKey,
          ...(encryptionKey === undefined ? {} : { encryptionKey }),
        })
      },
    })
    const summary: TrainingSummary = {
      ...base,
      duration_ms: Date.now() - wallStart,
      features: trained.features,
      modes: trained.modes,
      model: {
        name: row.name,
        version: row.version,
        sha256: row.sha256,
        size_bytes: Number(row.size_bytes),
        expires,
        encrypted: encryptionKey !== undefined,
        key_fingerprint: deps.signingKey.fingerprint,
      },
    }
    log.info({ model: summary.model, windows: base.windows, samples: base.samples }, 'community model trained and published')
    return await finish('succeeded', summary, null)
  } catch (err) {
    log.error({ err }, 'cannot train the community model')
    return await finish('failed', null, (err as Error).message)
  }
}

/** Trains every target one after the other (upstream trained them in sequence too). */
export async function runTraining (deps: TrainingDeps, options: { readonly model?: string, readonly trigger: TrainingTrigger }): Promise<TrainingResult[]> {
  const sinceMs = deps.clock() - deps.config.TRAINING_LOOKBACK_DAYS * DAY_MS
  const targets = await targetsOf(deps, sinceMs, options.model)
  const results: TrainingResult[] = []
  for (const target of targets) results.push(await trainOne(deps, target, options.trigger))
  return results
}

/** One training at a time: a run requested while one is going waits for it, then runs. */
export class TrainingJob {
  #queue: Promise<unknown> = Promise.resolve()
  #running = 0

  constructor (private readonly deps: TrainingDeps) {}

  run (options: { readonly model?: string, readonly trigger: TrainingTrigger }): Promise<TrainingResult[]> {
    this.#running++
    const run = this.#queue.then(() => runTraining(this.deps, options)).finally(() => { this.#running-- })
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** Whether a training is going or waiting. */
  get busy (): boolean {
    return this.#running > 0
  }

  /** Resolves when no training is going (for shutdown). */
  async idle (): Promise<void> {
    await this.#queue
  }
}
