/**
 * Feature vectors: a plain record from feature name to number, as river's `dict`. Every module
 * reads them through `readFeature`, so one rule holds everywhere: a feature counts only when it
 * is an own property holding a finite number. Absent keys, `undefined`, `null`, `NaN`,
 * `±Infinity` and non-numbers are all "missing", never an error.
 */

export type Features = Readonly<Record<string, number>>

/** The value of `name` in `x` if it is an own, finite number; otherwise `undefined` (missing). */
export function readFeature (x: Features, name: string): number | undefined {
  if (!Object.hasOwn(x, name)) return undefined
  const value: unknown = x[name]
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

/** The names of the usable (own, finite) features of `x`, sorted by code unit: key order never matters. */
export function featureNames (x: Features): string[] {
  return Object.keys(x).filter((name) => readFeature(x, name) !== undefined).sort()
}

/** A new record built from entries, safe for any name (including `__proto__`). */
export function recordOf (entries: Iterable<readonly [string, number]>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [name, value] of entries) {
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true })
  }
  return out
}
