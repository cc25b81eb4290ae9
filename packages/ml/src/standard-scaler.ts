/**
 * Streaming standard scaler: per feature, the running count, mean and sum of squared deviations
 * (Welford's algorithm), mapping values to z-scores (value − mean) / standard deviation, with the
 * population standard deviation. Output is unbounded: not a front for Half-Space Trees without
 * `limits`.
 *
 * - A feature with zero spread so far maps to 0.
 * - Values beyond ±1e100 count as missing: their squared deviations would overflow.
 * - A feature never learned, or missing in `x`, is left out of the output (missing downstream).
 * - New features are simply added to the state at their first `learnOne`.
 */
import type { Scaler } from './detector.js'
import { featureNames, readFeature, recordOf } from './features.js'
import type { Features } from './features.js'
import { frozenCopy } from './freeze.js'
import { check, isCount, isFiniteNumber, isRecord, openEnvelope, ModelFormatError } from './serialisation.js'
import type { Serialised } from './serialisation.js'

export type StandardScalerOptions = Record<string, never>

/** Per feature, sorted by name: `[name, count, mean, sum of squared deviations]`. */
export interface StandardScalerState { features: [string, number, number, number][] }

export const STANDARD_SCALER_KIND = 'standard-scaler'
export type SerialisedStandardScaler = Serialised<typeof STANDARD_SCALER_KIND, Readonly<StandardScalerOptions>, StandardScalerState>

interface Moments { n: number, mean: number, m2: number }

const MAX_MAGNITUDE = 1e100

/** The feature's value if it is usable by this scaler (finite, not beyond ±1e100). */
function usable (x: Features, name: string): number | undefined {
  const value = readFeature(x, name)
  return value !== undefined && Math.abs(value) <= MAX_MAGNITUDE ? value : undefined
}

export class StandardScaler implements Scaler {
  readonly options: Readonly<StandardScalerOptions> = frozenCopy({})
  readonly #moments = new Map<string, Moments>()

  learnOne (x: Features): void {
    for (const name of featureNames(x)) {
      const value = usable(x, name)
      if (value === undefined) continue
      let m = this.#moments.get(name)
      if (m === undefined) this.#moments.set(name, (m = { n: 0, mean: 0, m2: 0 }))
      m.n++
      const delta = value - m.mean
      m.mean += delta / m.n
      m.m2 += delta * (value - m.mean)
    }
  }

  transformOne (x: Features): Record<string, number> {
    const out: [string, number][] = []
    for (const name of featureNames(x)) {
      const m = this.#moments.get(name)
      const value = usable(x, name)
      if (m === undefined || value === undefined) continue
      const sd = Math.sqrt(m.m2 / m.n)
      const z = sd > 0 ? (value - m.mean) / sd : 0
      out.push([name, Number.isFinite(z) ? z : 0])
    }
    return recordOf(out)
  }

  toJSON (): SerialisedStandardScaler {
    const features = [...this.#moments].map(([name, m]): [string, number, number, number] => [name, m.n, m.mean, m.m2])
    features.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return { kind: STANDARD_SCALER_KIND, version: 1, options: this.options, state: { features } }
  }

  static fromJSON (json: unknown): StandardScaler {
    const { options, state } = openEnvelope(json, STANDARD_SCALER_KIND, 1)
    if (!isRecord(options) || Object.keys(options).length > 0) throw new ModelFormatError('invalid options')
    const scaler = new StandardScaler()
    check(isRecord(state) && Array.isArray(state.features), 'features')
    for (const entry of state.features as unknown[]) {
      check(Array.isArray(entry) && entry.length === 4, 'feature entry')
      const [name, n, mean, m2] = entry as unknown[]
      check(typeof name === 'string' && !scaler.#moments.has(name), 'feature name')
      check(isCount(n) && n > 0 && isFiniteNumber(mean) && isFiniteNumber(m2) && m2 >= 0, `moments of "${name}"`)
      scaler.#moments.set(name, { n, mean, m2 })
    }
    return scaler
  }
}
