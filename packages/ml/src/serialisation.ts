/**
 * The versioned serialisation format shared by every model of this package:
 * `{ kind, version, options, state }`, plain JSON (numbers are finite doubles, which JSON
 * round-trips exactly). Readers check the kind and version first and refuse anything else with a
 * `ModelFormatError`, then validate the state before trusting a single index in it.
 */

export interface Serialised<K extends string = string, O = unknown, S = unknown> {
  readonly kind: K
  readonly version: number
  readonly options: O
  readonly state: S
}

/** A serialised model that this build cannot read: wrong kind, unknown version or corrupt state. */
export class ModelFormatError extends Error {
  override readonly name = 'ModelFormatError'
}

export function isRecord (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/** Checks the envelope of `json` and returns its options and state, still unvalidated. */
export function openEnvelope (json: unknown, kind: string, version: number): { options: unknown, state: unknown } {
  if (!isRecord(json)) throw new ModelFormatError(`expected a serialised "${kind}" object, got ${describe(json)}`)
  if (json.kind !== kind) {
    throw new ModelFormatError(`expected kind "${kind}", got ${describe(json.kind)}`)
  }
  if (json.version !== version) {
    throw new ModelFormatError(`unsupported version ${describe(json.version)} of "${kind}" (this build reads version ${version})`)
  }
  if (!('options' in json) || !('state' in json)) {
    throw new ModelFormatError(`serialised "${kind}" lacks options or state`)
  }
  return { options: json.options, state: json.state }
}

/** Throws a `ModelFormatError` about `what` unless `ok`. */
export function check (ok: boolean, what: string): asserts ok {
  if (!ok) throw new ModelFormatError(`corrupt state: ${what}`)
}

export function isFiniteNumber (value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}

/** A non-negative safe integer. */
export function isCount (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

export function describe (value: unknown): string {
  if (typeof value === 'string') return `"${value}"`
  if (value === null || typeof value !== 'object') return String(value)
  return Array.isArray(value) ? 'an array' : 'an object'
}
