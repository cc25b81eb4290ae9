/** Revives any serialised detector or scaler of this package from its `kind`. */
import type { Detector, Scaler } from './detector.js'
import { HALF_SPACE_TREES_KIND, HalfSpaceTrees } from './half-space-trees.js'
import { MIN_MAX_SCALER_KIND, MinMaxScaler } from './min-max-scaler.js'
import { PIPELINE_KIND, Pipeline } from './pipeline.js'
import { ModelFormatError, describe, isRecord } from './serialisation.js'
import { STANDARD_SCALER_KIND, StandardScaler } from './standard-scaler.js'

export const DETECTOR_KINDS = [HALF_SPACE_TREES_KIND, PIPELINE_KIND] as const
export const SCALER_KINDS = [MIN_MAX_SCALER_KIND, STANDARD_SCALER_KIND] as const

/** A detector from its `toJSON()` output (parsed); `ModelFormatError` for anything else. */
export function loadDetector (json: unknown): Detector {
  const kind = isRecord(json) ? json.kind : undefined
  if (kind === HALF_SPACE_TREES_KIND) return HalfSpaceTrees.fromJSON(json)
  if (kind === PIPELINE_KIND) return Pipeline.fromJSON(json)
  throw new ModelFormatError(`unknown detector kind ${describe(kind)} (known: ${DETECTOR_KINDS.join(', ')})`)
}

/** A scaler from its `toJSON()` output (parsed); `ModelFormatError` for anything else. */
export function loadScaler (json: unknown): Scaler {
  const kind = isRecord(json) ? json.kind : undefined
  if (kind === MIN_MAX_SCALER_KIND) return MinMaxScaler.fromJSON(json)
  if (kind === STANDARD_SCALER_KIND) return StandardScaler.fromJSON(json)
  throw new ModelFormatError(`unknown scaler kind ${describe(kind)} (known: ${SCALER_KINDS.join(', ')})`)
}
