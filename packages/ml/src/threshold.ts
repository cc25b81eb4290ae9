/**
 * Thresholds, kept apart from scoring (river's `ThresholdFilter` / `QuantileFilter` idea): a
 * detector only ranks observations; whether a score is an alarm is decided here. Every function is
 * pure — states are immutable values and updates return new ones. The alarm rule is always
 * `score > threshold`.
 */

function assertScores (scores: readonly number[]): void {
  if (scores.length === 0) throw new RangeError('need at least one score')
  if (!scores.every(Number.isFinite)) throw new RangeError('scores must be finite numbers')
}

/** The `q`-quantile of `sample` (linear interpolation between order statistics); `sample` is not reordered. */
export function quantile (sample: readonly number[], q: number): number {
  assertScores(sample)
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`)
  const sorted = sample.slice().sort((a, b) => a - b)
  const position = q * (sorted.length - 1)
  const below = Math.floor(position)
  const lower = sorted[below] as number
  const upper = sorted[Math.min(below + 1, sorted.length - 1)] as number
  return lower + (upper - lower) * (position - below)
}

/**
 * The lowest threshold at which at most a fraction `rate` of `scores` (scores of normal operation)
 * would raise an alarm (`score > threshold`): the false-alarm rate on that sample is ≤ `rate`.
 * One of the scores, so ties are never split.
 */
export function thresholdForFalseAlarmRate (scores: readonly number[], rate: number): number {
  assertScores(scores)
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`false-alarm rate must be in [0, 1), got ${rate}`)
  const sorted = scores.slice().sort((a, b) => a - b)
  const allowed = Math.floor(rate * sorted.length)
  return sorted[sorted.length - 1 - allowed] as number
}

/** `score > threshold`: the one alarm rule. */
export const isAlarm = (score: number, threshold: number): boolean => score > threshold

export interface AdaptiveThresholdOptions {
  /** Weight of the newest score in the moving mean and variance, in (0, 1] (default 0.01). */
  readonly alpha?: number
  /** Threshold = mean + k · standard deviation (default 3). */
  readonly k?: number
  /** Scores to see before the threshold is finite: no alarm during warm-up (default 100). */
  readonly warmUp?: number
}

export interface AdaptiveThresholdState {
  readonly n: number
  readonly mean: number
  readonly variance: number
}

export const ADAPTIVE_THRESHOLD_START: AdaptiveThresholdState = Object.freeze({ n: 0, mean: 0, variance: 0 })

function settings (options: AdaptiveThresholdOptions): Required<AdaptiveThresholdOptions> {
  const { alpha = 0.01, k = 3, warmUp = 100 } = options
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${alpha}`)
  if (!Number.isFinite(k)) throw new RangeError(`k must be finite, got ${k}`)
  if (!(Number.isSafeInteger(warmUp) && warmUp >= 0)) throw new RangeError(`warmUp must be a non-negative integer, got ${warmUp}`)
  return { alpha, k, warmUp }
}

/**
 * The state after one more score: an exponentially weighted mean and variance. The weight is
 * max(alpha, 1/n), so the first 1/alpha scores give the plain running mean and (population)
 * variance and later ones forget the past at rate alpha. Non-finite scores are ignored. Feeding
 * only scores that were not alarms keeps an anomaly from raising its own threshold.
 */
export function updateAdaptiveThreshold (state: AdaptiveThresholdState, score: number, options: AdaptiveThresholdOptions = {}): AdaptiveThresholdState {
  const { alpha } = settings(options)
  if (!Number.isFinite(score)) return state
  const n = state.n + 1
  const weight = Math.max(alpha, 1 / n)
  const diff = score - state.mean
  const step = weight * diff
  return Object.freeze({ n, mean: state.mean + step, variance: (1 - weight) * (state.variance + diff * step) })
}

/** The current threshold: mean + k · sd, or `Infinity` during warm-up. */
export function adaptiveThreshold (state: AdaptiveThresholdState, options: AdaptiveThresholdOptions = {}): number {
  const { k, warmUp } = settings(options)
  if (state.n < Math.max(1, warmUp)) return Number.POSITIVE_INFINITY
  return state.mean + k * Math.sqrt(Math.max(0, state.variance))
}
