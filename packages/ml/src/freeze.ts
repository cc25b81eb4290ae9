/** Options are kept as a deep-frozen copy: later changes to the caller's object cannot reach the model. */

export type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T

/** A deep copy of plain JSON-like data (records, arrays, primitives), frozen at every level. */
export function frozenCopy<T> (value: T): DeepReadonly<T> {
  return freezeDeep(structuredClone(value)) as DeepReadonly<T>
}

function freezeDeep (value: unknown): unknown {
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) freezeDeep((value as Record<string, unknown>)[key])
    Object.freeze(value)
  }
  return value
}
