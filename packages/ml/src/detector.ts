/**
 * The detector contract (river's `AnomalyDetector`, in TypeScript):
 *
 * - `learnOne(x)` updates the model with one observation; `scoreOne(x)` scores one without
 *   learning. A higher score means more anomalous; every detector of this package scores in
 *   [0, 1]. Whether a score is an alarm is decided elsewhere (`threshold.ts`).
 * - `options` is a deep-frozen copy of the options passed, defaults filled in.
 * - All randomness comes from `options.seed`: same seed and same stream, same scores.
 * - Inputs are never mutated, and key order never matters.
 * - Missing and new features never throw (see each detector for how they count).
 * - `toJSON()` gives `{ kind, version, options, state }`; the class's static `fromJSON` revives a
 *   model whose state, scores and further learning are identical to the original's.
 */
import type { Features } from './features.js'
import type { Serialised } from './serialisation.js'

export interface Detector {
  readonly options: unknown
  learnOne (x: Features): void
  scoreOne (x: Features): number
  toJSON (): Serialised
}

/** Streaming preprocessing, same shape: learn one observation, transform one without learning. */
export interface Scaler {
  readonly options: unknown
  learnOne (x: Features): void
  transformOne (x: Features): Record<string, number>
  toJSON (): Serialised
}
