/**
 * The community model: what the server trains per heat-pump model and an eligible agent runs at
 * home. One Half-Space Trees detector per operating mode (upstream's ML service expected exactly
 * that shape, `{heating, cooling, water, standby}`, and its trainer shipped a single pipeline:
 * upstream.md §3.6, M2), each with the threshold chosen on the training data and the feature
 * statistics that explain an alarm.
 *
 * Training is offline over the whole pool, so the scaling is fitted on all of it at once: each
 * feature's robust range (0.5th to 99.5th percentile) widened by its own width on each side
 * becomes the trees' `limits` — a min-max scaling that one outlier cannot squash, and a work
 * space three times the normal range, so that values far outside normal (a collapsed COP) fall
 * into cells of their own instead of the outermost cells normal windows fill. Windows are learnt in a
 * seeded random order with one detector window covering half of them, so the reference profile
 * the trees keep is a sample of the whole fleet, not the last heat pump read.
 */
import type { Features } from './features.js'
import { readFeature, recordOf } from './features.js'
import { HalfSpaceTrees } from './half-space-trees.js'
import { DEFAULT_MIN_SAMPLES, DEFAULT_WINDOW_MS, WINDOW_MODES, type FeatureWindow, type WindowFeature, type WindowMode } from './heat-pump-windows.js'
import { Random } from './random.js'
import { ModelFormatError, isRecord } from './serialisation.js'
import { quantile, thresholdForFalseAlarmRate } from './threshold.js'

export const COMMUNITY_MODEL_FORMAT = 'heatpool-anomaly/1'

/**
 * The features a community model learns by default: those that tell a fault from normal
 * operation of the same model, and not the ones that only say how cold it is or how big the
 * house is (every extra feature dilutes the random splits of the trees). Efficiency against
 * Carnot (refrigerant loss, frost), starts per hour and time running (short cycling), the
 * flow/return spread, and how far the flow and return temperatures moved (a stuck
 * sensor does not move).
 */
export const MODEL_FEATURES: readonly WindowFeature[] = [
  'carnot_efficiency', 'starts_per_hour', 'running_fraction', 'spread',
  'temp_outdoor', 'power_electric', 'temp_flow_range', 'temp_return_range',
]

export interface CommunityTrainingOptions {
  /** Trees per mode (default 50, as upstream's community model). */
  readonly nTrees?: number
  /** Tree height (default 8). */
  readonly height?: number
  readonly seed?: number
  /**
   * Fraction of the training runs of `consecutive` windows of a mode (one heat pump, back to back)
   * allowed to be all above its threshold, i.e. to raise an alert (default 0.0005: about one false alert per heat pump and two months of 15-minute windows, before the cooldown). Modes with
   * fewer than 100 such runs fall back to 1 % of their single windows.
   */
  readonly falseAlarmRate?: number
  /** A mode needs this many windows to get a detector (default 200). */
  readonly minWindows?: number
  /** A feature is used in a mode when at least this fraction of its windows have it (default 0.9). */
  readonly featureCoverage?: number
  /** Candidate features (default `MODEL_FEATURES`); a mode uses those its windows have (`featureCoverage`). */
  readonly features?: readonly WindowFeature[]
  /** Window length the windows were cut with, ms (recorded for the scorer). */
  readonly windowMs?: number
  readonly minSamples?: number
}

/** The rule that turns window scores into alerts at home (upstream ML service's constants). */
export interface AlertRule {
  /** Samples the scorer must have seen before any alarm counts (upstream: 120 updates). */
  readonly warmupSamples: number
  /** Consecutive windows above the threshold that make an alert (upstream: 3). */
  readonly consecutive: number
  /** No new alert this soon after the last, ms (upstream: 1 h). */
  readonly cooldownMs: number
}

/** Each feature's work space: its normal range widened by this many times its width on each side. */
const LIMIT_PADDING = 1

export const DEFAULT_ALERT_RULE: AlertRule = Object.freeze({ warmupSamples: 120, consecutive: 3, cooldownMs: 3_600_000 })

export interface ScoreSummary {
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
}

export interface ModeSummary {
  readonly windows: number
  readonly features: readonly string[]
  readonly threshold: number
  readonly scores: ScoreSummary
}

interface ModeModel {
  readonly features: readonly string[]
  readonly detector: HalfSpaceTrees
  readonly threshold: number
  readonly windows: number
  readonly scores: ScoreSummary
  /** Per feature: median and robust spread (scaled MAD, or sd when the MAD is 0) of normal operation. */
  readonly stats: Readonly<Record<string, readonly [number, number]>>
}

export interface Contribution {
  readonly feature: string
  readonly value: number
  /** Typical value in normal operation of this mode (median). */
  readonly typical: number
  /** Robust z-score: how many typical spreads away. */
  readonly z: number
}

export interface WindowVerdict {
  readonly mode: WindowMode
  readonly score: number
  readonly threshold: number
  readonly anomalous: boolean
  /** Features furthest from normal, largest first (at most 3). */
  readonly top: readonly Contribution[]
}

export class CommunityModel {
  readonly windowMs: number
  readonly minSamples: number
  readonly alert: AlertRule
  readonly #modes: ReadonlyMap<WindowMode, ModeModel>

  private constructor (modes: ReadonlyMap<WindowMode, ModeModel>, windowMs: number, minSamples: number, alert: AlertRule) {
    this.#modes = modes
    this.windowMs = windowMs
    this.minSamples = minSamples
    this.alert = alert
  }

  /** Modes with a detector, each with what it learnt. */
  get modes (): Readonly<Partial<Record<WindowMode, ModeSummary>>> {
    const out: Partial<Record<WindowMode, ModeSummary>> = {}
    for (const [mode, m] of this.#modes) out[mode] = { windows: m.windows, features: m.features, threshold: m.threshold, scores: m.scores }
    return out
  }

  /** Every feature any mode uses, sorted. */
  get features (): string[] {
    return [...new Set([...this.#modes.values()].flatMap((m) => m.features))].sort()
  }

  /** The verdict on one window; undefined when the model has no detector for its mode. */
  score (window: Pick<FeatureWindow, 'mode' | 'features'>): WindowVerdict | undefined {
    const m = this.#modes.get(window.mode)
    if (m === undefined) return undefined
    const score = m.detector.scoreOne(completed(m.stats, window.features))
    return { mode: window.mode, score, threshold: m.threshold, anomalous: score > m.threshold, top: contributions(m, window.features) }
  }

  /** Trains one detector per mode with enough windows; throws when no mode has enough. */
  static train (windows: readonly FeatureWindow[], options: CommunityTrainingOptions = {}): CommunityModel {
    const o = {
      nTrees: options.nTrees ?? 50,
      height: options.height ?? 8,
      seed: options.seed ?? 42,
      falseAlarmRate: options.falseAlarmRate ?? 0.0005,
      minWindows: options.minWindows ?? 200,
      featureCoverage: options.featureCoverage ?? 0.9,
      features: options.features ?? MODEL_FEATURES,
    }
    const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS
    const alert = DEFAULT_ALERT_RULE
    const trained = new Map<WindowMode, Trained>()
    const scores = new Map<FeatureWindow, number>()
    for (const mode of WINDOW_MODES) {
      const own = windows.filter((w) => w.mode === mode)
      if (own.length < o.minWindows) continue
      const t = trainMode(own, o)
      if (t === undefined) continue
      trained.set(mode, t)
      own.forEach((w, i) => scores.set(w, t.scores[i] as number))
    }
    if (trained.size === 0) throw new RangeError(`cannot train a community model: no operating mode has ${o.minWindows} windows with features (got ${windows.length} windows in all)`)
    const runs = runMinima(windows, scores, windowMs, alert.consecutive)
    const modes = new Map<WindowMode, ModeModel>()
    for (const [mode, t] of trained) {
      const own = runs.get(mode) ?? []
      const threshold = own.length >= MIN_RUNS ? thresholdForFalseAlarmRate(own, o.falseAlarmRate) : thresholdForFalseAlarmRate(t.scores, SINGLE_WINDOW_RATE)
      modes.set(mode, { ...t.model, threshold })
    }
    return new CommunityModel(modes, windowMs, options.minSamples ?? DEFAULT_MIN_SAMPLES, alert)
  }

  toJSON (): SerialisedCommunityModel {
    const modes: Record<string, SerialisedMode> = {}
    for (const [mode, m] of this.#modes) {
      modes[mode] = { features: [...m.features], threshold: m.threshold, windows: m.windows, scores: m.scores, stats: m.stats, detector: m.detector.toJSON() }
    }
    return { format: COMMUNITY_MODEL_FORMAT, window_ms: this.windowMs, min_samples: this.minSamples, alert: this.alert, modes }
  }

  /** Revives a model from `toJSON()` output (parsed JSON); throws `ModelFormatError` otherwise. */
  static fromJSON (json: unknown): CommunityModel {
    if (!isRecord(json) || json.format !== COMMUNITY_MODEL_FORMAT) throw new ModelFormatError(`not a ${COMMUNITY_MODEL_FORMAT} model`)
    const { window_ms: windowMs, min_samples: minSamples, alert, modes } = json
    if (typeof windowMs !== 'number' || !Number.isInteger(windowMs) || windowMs < 1000) throw new ModelFormatError('corrupt model: window_ms')
    if (typeof minSamples !== 'number' || !Number.isInteger(minSamples) || minSamples < 1) throw new ModelFormatError('corrupt model: min_samples')
    if (!isRecord(alert) || !isCountField(alert.warmupSamples) || !isCountField(alert.consecutive) || !isCountField(alert.cooldownMs)) throw new ModelFormatError('corrupt model: alert')
    if (!isRecord(modes)) throw new ModelFormatError('corrupt model: modes')
    const out = new Map<WindowMode, ModeModel>()
    for (const [mode, raw] of Object.entries(modes)) {
      if (!(WINDOW_MODES as readonly string[]).includes(mode)) throw new ModelFormatError(`corrupt model: unknown mode ${JSON.stringify(mode)}`)
      if (!isRecord(raw) || !Array.isArray(raw.features) || !raw.features.every((f) => typeof f === 'string') ||
        typeof raw.threshold !== 'number' || !isCountField(raw.windows) || !isRecord(raw.scores) || !isRecord(raw.stats)) {
        throw new ModelFormatError(`corrupt model: mode ${mode}`)
      }
      const stats: Record<string, readonly [number, number]> = {}
      for (const [name, pair] of Object.entries(raw.stats)) {
        if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new ModelFormatError(`corrupt model: stats of ${name}`)
        stats[name] = [pair[0] as number, pair[1] as number]
      }
      const s = raw.scores
      out.set(mode as WindowMode, {
        features: raw.features as string[],
        detector: HalfSpaceTrees.fromJSON(raw.detector),
        threshold: raw.threshold,
        windows: raw.windows,
        scores: { p50: Number(s.p50), p90: Number(s.p90), p99: Number(s.p99), max: Number(s.max) },
        stats,
      })
    }
    return new CommunityModel(out, windowMs, minSamples, { warmupSamples: alert.warmupSamples as number, consecutive: alert.consecutive as number, cooldownMs: alert.cooldownMs as number })
  }
}

interface SerialisedMode {
  features: string[]
  threshold: number
  windows: number
  scores: ScoreSummary
  stats: Readonly<Record<string, readonly [number, number]>>
  detector: unknown
}

export interface SerialisedCommunityModel {
  format: typeof COMMUNITY_MODEL_FORMAT
  window_ms: number
  min_samples: number
  alert: AlertRule
  modes: Record<string, SerialisedMode>
}

function isCountField (x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0
}

/** Below this many runs of consecutive windows, a mode's threshold comes from single windows. */
const MIN_RUNS = 100
/** The single-window false-alarm rate of that fallback. */
const SINGLE_WINDOW_RATE = 0.01

interface Trained {
  readonly model: Omit<ModeModel, 'threshold'>
  /** Score of each training window, in input order. */
  readonly scores: readonly number[]
}

/**
 * Per mode, the lowest score of every run of `length` windows back to back (same heat pump: the
 * windows arrive one heat pump after the other, in time order) in that mode: the run alerts
 * exactly when this minimum is above the threshold.
 */
function runMinima (windows: readonly FeatureWindow[], scores: ReadonlyMap<FeatureWindow, number>, windowMs: number, length: number): Map<WindowMode, number[]> {
  const out = new Map<WindowMode, number[]>()
  let run: number[] = []
  let previous: FeatureWindow | undefined
  for (const w of windows) {
    const score = scores.get(w)
    const continues = previous !== undefined && w.startMs === previous.startMs + windowMs && w.mode === previous.mode
    if (!continues) run = []
    previous = w
    if (score === undefined) {
      run = []
      continue
    }
    run.push(score)
    if (run.length > length) run.shift()
    if (run.length === length) {
      let list = out.get(w.mode)
      if (list === undefined) out.set(w.mode, list = [])
      list.push(Math.min(...run))
    }
  }
  return out
}

function trainMode (windows: readonly FeatureWindow[], o: { nTrees: number, height: number, seed: number, featureCoverage: number, features: readonly WindowFeature[] }): Trained | undefined {
  const limits: Record<string, [number, number]> = {}
  const stats: Record<string, readonly [number, number]> = {}
  for (const name of o.features) {
    const values: number[] = []
    for (const w of windows) {
      const v = readFeature(w.features, name)
      if (v !== undefined) values.push(v)
    }
    if (values.length < o.featureCoverage * windows.length) continue
    values.sort((a, b) => a - b)
    const lo = quantile(values, 0.005)
    const hi = quantile(values, 0.995)
    const pad = Math.max((hi - lo) * LIMIT_PADDING, 1e-6)
    limits[name] = [lo - pad, hi + pad]
    const median = quantile(values, 0.5)
    const mad = quantile(values.map((v) => Math.abs(v - median)).sort((a, b) => a - b), 0.5) * 1.4826
    stats[name] = [median, mad > 0 ? mad : Math.max(sd(values), 1e-6)]
  }
  const features = Object.keys(limits).sort()
  if (features.length === 0) return undefined

  const order = shuffled(windows.length, o.seed)
  const windowSize = Math.max(1, Math.floor(windows.length / 2))
  const detector = new HalfSpaceTrees({ nTrees: o.nTrees, height: o.height, windowSize, seed: o.seed, limits })
  const inputs = windows.map((w) => completed(stats, w.features))
  for (const i of order) detector.learnOne(inputs[i] as Features)
  const scores = inputs.map((x) => detector.scoreOne(x))
  const sorted = [...scores].sort((a, b) => a - b)
  return {
    scores,
    model: {
      features,
      detector,
      windows: windows.length,
      scores: { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] as number },
      stats,
    },
  }
}

/**
 * The window with each feature it lacks set to that feature's median in normal operation. A
 * window where the compressor barely ran has no COP; left missing, the trees would stop its path
 * early and score it as an anomaly for what it does not say.
 */
function completed (stats: Readonly<Record<string, readonly [number, number]>>, x: Features): Features {
  let out: Record<string, number> | undefined
  for (const [name, [median]] of Object.entries(stats)) {
    if (readFeature(x, name) !== undefined) continue
    out ??= recordOf(Object.entries(x))
    out[name] = median
  }
  return out ?? x
}

function sd (values: readonly number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length)
}

/** A seeded Fisher–Yates permutation of 0..n−1. */
function shuffled (n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i)
  const random = new Random(seed)
  for (let i = n - 1; i > 0; i--) {
    const j = random.below(i + 1)
    const t = order[i] as number
    order[i] = order[j] as number
    order[j] = t
  }
  return order
}

function contributions (m: ModeModel, x: Features): Contribution[] {
  const out: Contribution[] = []
  for (const feature of m.features) {
    const value = readFeature(x, feature)
    const s = m.stats[feature]
    if (value === undefined || s === undefined) continue
    out.push({ feature, value, typical: s[0], z: (value - s[0]) / s[1] })
  }
  return out.sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || (a.feature < b.feature ? -1 : 1)).slice(0, 3)
}
