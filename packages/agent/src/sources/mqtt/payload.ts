/**
 * Reading a number out of an MQTT payload, for the shapes publishers use: plain text (`21.5`,
 * HeishaMon), `ON`/`OFF` and `true`/`false` (Home Assistant), JSON numbers, `{"value": 21.5}`,
 * and a value found by a path into a JSON document (`a.b[0].c`).
 */

export type Scalar = number | string | boolean

/** A number, 1/0 for booleans and on/off, or undefined when the value is not one. */
export function asNumber (value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'boolean') return value ? 1 : 0
  if (typeof value !== 'string') return undefined
  const text = value.trim()
  if (/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return Number(text)
  if (/^(on|true)$/i.test(text)) return 1
  if (/^(off|false)$/i.test(text)) return 0
  return undefined
}

/** The payload as JSON, or as its text when it is not JSON. */
export function parsePayload (payload: Buffer): unknown {
  const text = payload.toString('utf8').trim()
  if (text === '') return text
  const first = text[0]
  if (first === '{' || first === '[' || first === '"') {
    try {
      return JSON.parse(text) as unknown
    } catch {
      return text
    }
  }
  return text
}

/** `a.b[0].c` or `a.b.0.c` as path segments; undefined when malformed. */
export function parsePath (path: string): string[] | undefined {
  const segments: string[] = []
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part)
    if (m === null) return undefined
    if (m[1] !== '') segments.push(m[1] as string)
    for (const index of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) segments.push(index[1] as string)
    if (m[1] === '' && m[2] === '') return undefined
  }
  return segments
}

/** The value at `path` in a parsed JSON document, or undefined. */
export function atPath (doc: unknown, path: readonly string[]): unknown {
  let at: unknown = doc
  for (const segment of path) {
    if (Array.isArray(at) && /^\d+$/.test(segment)) at = at[Number(segment)]
    else if (at !== null && typeof at === 'object' && !Array.isArray(at) && Object.hasOwn(at, segment)) at = (at as Record<string, unknown>)[segment]
    else return undefined
  }
  return at
}

/** `{"value": x}` → x (one level: an enum object as upstream's loggers send it); anything else as is. */
export function unwrapValue (v: unknown): unknown {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, 'value') ? (v as { value: unknown }).value : v
}
