import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { AnomalyAlert, Contribution, HeatPumpScoreState, Scorer } from '@heatpool/ml'
import type { normaliseSubmission } from '@heatpool/protocol/normalise'
import type { Logger } from 'pino'
import type { CurrentModel, ModelUpdater } from './updater.js'

/** An anomaly event as the agent records, shows and announces it. */
export interface AnomalyEvent {
  /** End of the window that completed the run, ISO 8601. */
  readonly at: string
  readonly installation_id: string
  readonly heat_pump: string
  readonly mode: string
  readonly score: number
  readonly threshold: number
  readonly top_features: readonly Contribution[]
  readonly model: { readonly name: string, readonly version: number }
}

export interface AnomalyStatus {
  /** The model scoring, or null (none installed, expired, or signed by a key no longer trusted). */
  readonly model: { readonly name: string, readonly version: number, readonly features: readonly string[] } | null
  readonly error: string | null
  readonly heat_pumps: Readonly<Record<string, HeatPumpScoreState>>
  readonly alerts: number
  /** The latest events, newest first. */
  readonly events: readonly AnomalyEvent[]
}

/** Events kept in memory (and in the status); the file keeps this many after a restart. */
const RECENT_EVENTS = 50
const EVENTS_FILE = 'anomalies.jsonl'
/** Records older than this are not scored (a flush of old history says nothing about now). */
const SCORE_HORIZON_MS = 7 * 86_400_000
const FUTURE_TOLERANCE_MS = 3_600_000

/**
 * Runs the community model on the records the agent relays, as they arrive: the relay hands
 * each committed body over, the records are normalised to canonical metrics (as the server
 * would), and `Scorer` cuts them into windows per heat pump, scores them and applies the alert
 * rule. An alert is logged, appended to `anomalies.jsonl` and passed to listeners
 * (notifications). Scoring starts when a verified model is installed and stops when it expires;
 * a new model starts afresh.
 */
/**
 * The model code and the normaliser, loaded when a model is first installed: an agent without a
 * model (most of them, for their first 30 days) keeps its memory small.
 */
async function scoringModules () {
  const [ml, normalise] = await Promise.all([import('@heatpool/ml'), import('@heatpool/protocol/normalise')])
  return { CommunityModel: ml.CommunityModel, Scorer: ml.Scorer, normaliseSubmission: normalise.normaliseSubmission }
}

export class AnomalyDetector {
  #scorer: Scorer | null = null
  #normalise: typeof normaliseSubmission | null = null
  /** Settles when the model in force has been loaded (or refused). */
  ready: Promise<void>
  #model: AnomalyStatus['model'] = null
  #error: string | null = null
  #alerts = 0
  #events: AnomalyEvent[]
  readonly #file: string
  readonly #listeners = new Set<(event: AnomalyEvent) => void>()
  readonly #unsubscribe: () => void

  constructor (
    private readonly updater: Pick<ModelUpdater, 'currentModel' | 'onInstalled'>,
    dataDir: string,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.#file = join(dataDir, EVENTS_FILE)
    this.#events = readEvents(this.#file)
    this.ready = this.#load(updater.currentModel())
    this.#unsubscribe = updater.onInstalled((model) => { this.ready = this.#load(model) })
  }

  /** Scores the records of one relayed body of `installationId` (v1 or v2 records). */
  observe (installationId: string, records: readonly unknown[]): void {
    if (this.#scorer !== null && this.updater.currentModel() === null) this.#unload()
    const scorer = this.#scorer
    const normalise = this.#normalise
    if (scorer === null || normalise === null) return
    const nowMs = this.clock()
    const { records: normalised } = normalise(records, { nowMs, oldestMs: nowMs - SCORE_HORIZON_MS, futureToleranceMs: FUTURE_TOLERANCE_MS })
    for (const r of normalised) {
      const { alert } = scorer.push(`${installationId}/${r.heatPump.key}`, { ts: r.ts, values: r.values })
      if (alert !== undefined) this.#raise(installationId, alert)
    }
  }

  /** Calls `listener` for each anomaly event; returns the unsubscribe. */
  onAnomaly (listener: (event: AnomalyEvent) => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  get status (): AnomalyStatus {
    return { model: this.#model, error: this.#error, heat_pumps: this.#scorer?.state ?? {}, alerts: this.#alerts, events: this.#events }
  }

  close (): void {
    this.#unsubscribe()
  }

  #unload (): void {
    this.#scorer = null
    this.#model = null
    this.#error = null
  }

  async #load (current: CurrentModel | null): Promise<void> {
    this.#unload()
    if (current === null) return
    try {
      const { CommunityModel, Scorer, normaliseSubmission } = await scoringModules()
      const model = CommunityModel.fromJSON(JSON.parse(current.payload.toString('utf8')))
      this.#normalise = normaliseSubmission
      this.#scorer = new Scorer(model)
      this.#model = { name: current.manifest.name, version: current.manifest.version, features: model.features }
      this.log.info({ model: this.#model.name, version: this.#model.version }, 'scoring local data with the community model')
    } catch (err) {
      this.#error = `cannot use the community model: ${(err as Error).message}`
      this.log.error({ err }, 'cannot use the community model')
    }
  }

  #raise (installationId: string, alert: AnomalyAlert): void {
    const [, heatPump = alert.heatPump] = alert.heatPump.split(/\/(.*)/s)
    const event: AnomalyEvent = {
      at: new Date(alert.atMs).toISOString(),
      installation_id: installationId,
      heat_pump: heatPump,
      mode: alert.mode,
      score: alert.score,
      threshold: alert.threshold,
      top_features: alert.top,
      model: { name: this.#model?.name ?? '', version: this.#model?.version ?? 0 },
    }
    this.#alerts++
    this.#events = [event, ...this.#events].slice(0, RECENT_EVENTS)
    this.log.warn({ anomaly: event }, `anomaly detected on heat pump ${heatPump}: ${event.top_features.map((f) => f.feature).join(', ')}`)
    try {
      appendFileSync(this.#file, `${JSON.stringify(event)}\n`, { mode: 0o600 })
      trimEvents(this.#file)
    } catch (err) {
      this.log.error({ err }, 'cannot record the anomaly event')
    }
    for (const listener of this.#listeners) {
      try {
        listener(event)
      } catch (err) {
        this.log.error({ err }, 'an anomaly listener failed')
      }
    }
  }
}

/** The recorded events, newest first (unreadable lines are skipped). */
function readEvents (file: string): AnomalyEvent[] {
  if (!existsSync(file)) return []
  const out: AnomalyEvent[] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue
    try {
      out.push(JSON.parse(line) as AnomalyEvent)
    } catch {
      // A line cut by a crash mid-append.
    }
  }
  return out.reverse().slice(0, RECENT_EVENTS)
}

/** Keeps the file to the latest events once it holds four times as many. */
function trimEvents (file: string): void {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '')
  if (lines.length <= 4 * RECENT_EVENTS) return
  writeFileSync(file, `${lines.slice(-RECENT_EVENTS).join('\n')}\n`, { mode: 0o600 })
}
