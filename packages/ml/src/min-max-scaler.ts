/**
 * Streaming min-max scaler: remembers the smallest and largest finite value seen of each feature
 * and maps values linearly onto [0, 1] — the input Half-Space Trees expects.
 *
 * - Values outside the seen range are clipped to [0, 1] (`clip: true`, the default).
 * - A feature seen with a single value so far maps to 0.5.
 * - A feature never learned, or missing in `x`, is left out of the output (missing downstream).
 * - New features are simply added to the state at their first `learnOne`.
 */
import type { Scaler } from './detector.js'
import { featureNames, readFeature, recordOf } from './features.js'
import type { Features } from './features.js'
import { frozenCopy } from './freeze.js'
import type { DeepReadonly } from './freeze.js'
import { check, isFiniteNumber, isRecord, openEnvelope, ModelFormatError } from './serialisation.js'
import type { Serialised } from './serialisation.js'

export interface MinMaxScalerOptions {
  /** Clip transformed values to [0, 1] (default true). */
  clip?: boolean
}

export type MinMaxScalerSettings = DeepReadonly<Required<MinMaxScalerOptions>>

/** Per feature, sorted by name: `[name, min, max]`. */
export interface MinMaxScalerState { features: [string, number, number][] }

export const MIN_MAX_SCALER_KIND = 'min-max-scaler'
export type SerialisedMinMaxScaler = Serialised<typeof MIN_MAX_SCALER_KIND, MinMaxScalerSettings, MinMaxScalerState>

export class MinMaxScaler implements Scaler {
  readonly options: MinMaxScalerSettings
  readonly #ranges = new Map<string, { min: number, max: number }>()

  constructor (options: MinMaxScalerOptions = {}) {
    const { clip = true, ...unknown } = options
    const [extra] = Object.keys(unknown)
    if (extra !== undefined) throw new TypeError(`unknown MinMaxScaler option "${extra}"`)
    if (typeof clip !== 'boolean') throw new TypeError('clip must be a boolean')
    this.options = frozenCopy({ clip })
  }

  learnOne (x: Features): void {
    for (const name of featureNames(x)) {
      const value = readFeature(x, name) as number
      const range = this.#ranges.get(name)
      if (range === undefined) this.#ranges.set(name, { min: value, max: value })
      else {
        range.min = Math.min(range.min, value)
        range.max = Math.max(range.max, value)
      }
    }
  }

  transformOne (x: Features): Record<string, number> {
    const out: [string, number][] = []
    for (const name of featureNames(x)) {
      const range = this.#ranges.get(name)
      if (range === undefined) continue
      const value = readFeature(x, name) as number
      // Halves first: the difference of two finite doubles can overflow, the difference of their halves cannot.
      let scaled = range.max > range.min ? (value / 2 - range.min / 2) / (range.max / 2 - range.min / 2) : 0.5
      if (this.options.clip) scaled = Math.min(1, Math.max(0, scaled))
      out.push([name, scaled])
    }
    return recordOf(out)
  }

  toJSON (): SerialisedMinMaxScaler {
    const features = [...this.#ranges].map(([name, { min, max }]): [string, number, number] => [name, min, max])
    features.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return { kind: MIN_MAX_SCALER_KIND, version: 1, options: this.options, state: { features } }
  }

  static fromJSON (json: unknown): MinMaxScaler {
    const { options, state } = openEnvelope(json, MIN_MAX_SCALER_KIND, 1)
    if (!isRecord(options)) throw new ModelFormatError('invalid options')
    const scaler = new MinMaxScaler(options as MinMaxScalerOptions)
    check(isRecord(state) && Array.isArray(state.features), 'features')
    for (const entry of state.features as unknown[]) {
      check(Array.isArray(entry) && entry.length === 3, 'feature entry')
      const [name, min, max] = entry as unknown[]
      check(typeof name === 'string' && !scaler.#ranges.has(name), 'feature name')
      check(isFiniteNumber(min) && isFiniteNumber(max) && min <= max, `range of "${name}"`)
      scaler.#ranges.set(name, { min, max })
    }
    return scaler
  }
}
