/**
 * A scaler in front of a detector, itself a detector. `learnOne` first updates the scaler, then
 * teaches the detector the transformed observation; `scoreOne` scores the transformed observation.
 * Missing and new features follow the scaler's rules, then the detector's.
 */
import type { Detector, Scaler } from './detector.js'
import type { Features } from './features.js'
import { HALF_SPACE_TREES_KIND, HalfSpaceTrees } from './half-space-trees.js'
import { MIN_MAX_SCALER_KIND, MinMaxScaler } from './min-max-scaler.js'
import { ModelFormatError, describe, isRecord, openEnvelope } from './serialisation.js'
import type { Serialised } from './serialisation.js'
import { STANDARD_SCALER_KIND, StandardScaler } from './standard-scaler.js'

export const PIPELINE_KIND = 'pipeline'

export interface PipelineSettings {
  readonly scaler: unknown
  readonly detector: unknown
}

export type SerialisedPipeline = Serialised<typeof PIPELINE_KIND, PipelineSettings, { scaler: Serialised, detector: Serialised }>

/** Readers of the parts a pipeline may hold, by kind. */
const SCALERS: Readonly<Record<string, (json: unknown) => Scaler>> = {
  [MIN_MAX_SCALER_KIND]: (json) => MinMaxScaler.fromJSON(json),
  [STANDARD_SCALER_KIND]: (json) => StandardScaler.fromJSON(json),
}
const DETECTORS: Readonly<Record<string, (json: unknown) => Detector>> = {
  [HALF_SPACE_TREES_KIND]: (json) => HalfSpaceTrees.fromJSON(json),
}

export class Pipeline implements Detector {
  readonly options: PipelineSettings
  readonly scaler: Scaler
  readonly detector: Detector

  constructor (scaler: Scaler, detector: Detector) {
    this.scaler = scaler
    this.detector = detector
    this.options = Object.freeze({ scaler: scaler.options, detector: detector.options })
  }

  learnOne (x: Features): void {
    this.scaler.learnOne(x)
    this.detector.learnOne(this.scaler.transformOne(x))
  }

  scoreOne (x: Features): number {
    return this.detector.scoreOne(this.scaler.transformOne(x))
  }

  toJSON (): SerialisedPipeline {
    return {
      kind: PIPELINE_KIND,
      version: 1,
      options: this.options,
      state: { scaler: this.scaler.toJSON(), detector: this.detector.toJSON() },
    }
  }

  static fromJSON (json: unknown): Pipeline {
    const { state } = openEnvelope(json, PIPELINE_KIND, 1)
    if (!isRecord(state)) throw new ModelFormatError('corrupt state: pipeline state must be an object')
    return new Pipeline(part(SCALERS, state.scaler, 'scaler'), part(DETECTORS, state.detector, 'detector'))
  }
}

/** `scaler` → `detector`: the usual front is `new MinMaxScaler()` before `new HalfSpaceTrees()`. */
export function pipeline (scaler: Scaler, detector: Detector): Pipeline {
  return new Pipeline(scaler, detector)
}

function part<T> (readers: Readonly<Record<string, (json: unknown) => T>>, json: unknown, what: string): T {
  const kind = isRecord(json) ? json.kind : undefined
  const read = typeof kind === 'string' && Object.hasOwn(readers, kind) ? readers[kind] : undefined
  if (read === undefined) {
    throw new ModelFormatError(`unknown ${what} kind ${describe(kind)} (known: ${Object.keys(readers).join(', ')})`)
  }
  return read(json)
}
