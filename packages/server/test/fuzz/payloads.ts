import { gzipSync, deflateSync } from 'node:zlib'
import fc from 'fast-check'

/**
 * Submit bodies for the fuzz properties: valid v1 and v2 uploads as the loggers (and
 * packages/sim) build them, then mutated — fields dropped, duplicated and retyped, values
 * swapped for huge numbers, NaN-like text, -0 and deep nesting, `__proto__`/`constructor` keys
 * spliced into the JSON text, bytes flipped into invalid UTF-8, the body truncated, sent under
 * a wrong content type or a wrong or broken encoding.
 */

export const NOW_S = Date.UTC(2026, 10, 27, 12) / 1000

/** A small pool of installations (drawn half of the time), so retries, idempotent replays and shared heat pumps happen. */
export const INSTALLATIONS = [
  '7d3f8a52-3c1e-4b6a-9f0e-2a1b3c4d5e6f',
  'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d',
  '0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f',
] as const

/** iDM Navigator 2.0 values with plausible readings (driver ids of protocol/drivers/idm-navigator.ts). */
const idmValues = fc.record({
  temp_outside: fc.double({ min: -25, max: 40, noNaN: true }),
  temp_heat_pump_flow: fc.double({ min: 15, max: 65, noNaN: true }),
  temp_heat_pump_return: fc.double({ min: 15, max: 60, noNaN: true }),
  temp_water_heater_top: fc.double({ min: 10, max: 70, noNaN: true }),
  power_current: fc.double({ min: 0, max: 15, noNaN: true }),
  power_current_draw: fc.double({ min: 0, max: 5, noNaN: true }),
  energy_heat_total: fc.double({ min: 0, max: 100_000, noNaN: true }),
  status_heat_pump: fc.constantFrom(0, 1, 4, 8),
}, { requiredKeys: ['temp_outside'] })

/** Catalog names and units, as a non-iDM unit's v1 record or the canonical fallback carries them. */
const canonicalValues = fc.record({
  temp_outdoor: fc.double({ min: -25, max: 40, noNaN: true }),
  temp_flow: fc.double({ min: 15, max: 65, noNaN: true }),
  temp_return: fc.double({ min: 15, max: 60, noNaN: true }),
  power_heat: fc.integer({ min: 0, max: 15_000 }),
  power_electric: fc.integer({ min: 0, max: 5000 }),
  energy_electric_total: fc.double({ min: 0, max: 50_000, noNaN: true }),
  compressor_frequency: fc.integer({ min: 0, max: 120 }),
}, { requiredKeys: ['temp_outdoor'] })

/** Seconds around the fake clock: the last ten days and a little into the future. */
const timestamp = fc.integer({ min: NOW_S - 10 * 86_400, max: NOW_S + 7200 })

const v1Record = fc.tuple(timestamp, fc.oneof(idmValues, canonicalValues)).map(([t, values]) => ({ timestamp: t, ...values }))

const heatPumpIdentity = fc.constantFrom(
  { id: 'hp-legacy', manufacturer: 'idm', model: 'navigator_2_0' },
  { id: 'hp-1a2b3c4d', manufacturer: 'nibe', model: 's_series' },
  { id: 'hp-9f8e7d6c', manufacturer: 'unknown', model: 'unknown' },
)

const v2Record = fc.tuple(timestamp, fc.array(fc.tuple(heatPumpIdentity, fc.oneof(idmValues, canonicalValues)), { minLength: 1, maxLength: 3 }))
  .map(([t, hps]) => ({
    timestamp: t,
    heatpumps: hps.map(([hp, values]) => ({ ...hp, values: { ...values, ...('status_heat_pump' in values ? { status_heat_pump: { value: values.status_heat_pump, text: 'HEATING' } } : {}) } })),
  }))

const installationId = fc.oneof(fc.constantFrom(...INSTALLATIONS), fc.uuid({ version: 4 }))

const model = fc.constantFrom('AERO SLM', 'NIBE S1255', 'Daikin Altherma 3', 'Andere / Unbekannt', 'LWD 70')

/** A valid v1 (flat) or v2 (nested) upload of up to 20 records. */
export const validPayload: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({
    installation_id: installationId,
    heatpump_model: model,
    version: fc.constant('1.0.2'),
    data: fc.array(v1Record, { maxLength: 20 }),
  }),
  fc.record({
    installation_id: installationId,
    heatpump_model: model,
    version: fc.constant('v1.0.2-31-gc1a7aca'),
    data_version: fc.constant('2.0'),
    batch_index: fc.nat(600),
    total_records: fc.nat(600),
    data: fc.array(v2Record, { maxLength: 20 }),
  }, { requiredKeys: ['installation_id', 'heatpump_model', 'version', 'data_version', 'data'] }),
)

/** Placeholders swapped for raw number literals in the JSON text. */
const LITERAL = { negativeZero: '@@-0@@', overflow: '@@1e400@@', tiny: '@@-1e-400@@' } as const

/** The JSON text with the placeholders as the number literals they stand for. */
export function literal (json: string): string {
  return json.replaceAll('"@@-0@@"', '-0').replaceAll('"@@1e400@@"', '1e400').replaceAll('"@@-1e-400@@"', '-1e-400')
}

/** Values that break parsers and range checks: huge, tiny, negative zero, NaN-like text, wrong types. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, -0, 2 ** 53 + 1, 2 ** 64, -(2 ** 63), 0.1 + 0.2),
  fc.constantFrom('NaN', 'nan', 'Infinity', '-Infinity', 'inf', '1e400', '-0', '0x10', ' 12.5 ', '', '\u0000', '１２', '5,5', 'null', 'true'),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.double(), { maxLength: 3 }),
  fc.record({ value: fc.double(), text: fc.string({ maxLength: 8 }) }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 3 }),
  fc.nat(400).map((depth) => nested(depth)),
  // Number literals JSON.stringify cannot write: -0, and 1e400 (Infinity once parsed); see `literal`.
  fc.constantFrom(LITERAL.negativeZero, LITERAL.overflow, LITERAL.tiny),
  fc.nat(100_000).map((n) => 'x'.repeat(n)),
)

/** `[[[…]]]` or `{"a":{"a":…}}` `depth` levels deep. */
export function nested (depth: number, kind: 'array' | 'object' = depth % 2 === 0 ? 'array' : 'object'): unknown {
  let v: unknown = 1
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v }
  return v
}

/** A path into a JSON value: object keys and array indices, taken modulo what is there. */
type Step = number
type Mutation =
  | { readonly kind: 'drop', readonly path: readonly Step[] }
  | { readonly kind: 'retype', readonly path: readonly Step[], readonly value: unknown }
  | { readonly kind: 'duplicate', readonly path: readonly Step[] }
  | { readonly kind: 'rename', readonly path: readonly Step[], readonly name: string }

const path = fc.array(fc.nat(50), { minLength: 1, maxLength: 5 })
const keyName = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'timestamp', 'heatpumps', 'values', 'data', 'installation_id', 'temp_outside', 'status_heat_pump_str', 'value', 'text'),
  fc.string({ maxLength: 12 }),
)

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), path }),
  fc.record({ kind: fc.constant('retype' as const), path, value: hostileValue }),
  fc.record({ kind: fc.constant('duplicate' as const), path }),
  fc.record({ kind: fc.constant('rename' as const), path, name: keyName }),
)

/** Applies a mutation to a deep copy; the path walks containers, choosing a child by index modulo their count. */
export function mutate (value: unknown, m: Mutation): unknown {
  const copy = clone(value)
  let parent: unknown = copy
  for (let i = 0; i < m.path.length; i++) {
    if (parent === null || typeof parent !== 'object') return copy
    const keys = Object.keys(parent)
    if (keys.length === 0) return copy
    const key = keys[(m.path[i] as number) % keys.length] as string
    const child = (parent as Record<string, unknown>)[key]
    const last = i === m.path.length - 1 || child === null || typeof child !== 'object'
    if (!last) { parent = child; continue }
    const container = parent as Record<string, unknown>
    if (m.kind === 'drop') {
      if (Array.isArray(container)) container.splice(Number(key), 1)
      else delete container[key]
    } else if (m.kind === 'retype') {
      container[key] = m.value
    } else if (m.kind === 'duplicate') {
      if (Array.isArray(container)) container.splice(Number(key), 0, clone(child))
      else container[`${key}_dup`] = clone(child)
    } else if (!Array.isArray(container)) {
      // Defined as an own property, so a `__proto__` name becomes a key of the JSON text.
      Object.defineProperty(container, m.name, { value: child, enumerable: true, writable: true, configurable: true })
      if (m.name !== key) delete container[key]
    }
    return copy
  }
  return copy
}

/** A deep copy (JSON keeps own `__proto__` keys as data, and copes with deep nesting). */
function clone<T> (value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

/** Text-level damage that an object cannot express: duplicate keys, poisoned keys, bad bytes, truncation. */
type TextDamage =
  | { readonly kind: 'none' }
  | { readonly kind: 'duplicate-key', readonly at: number }
  | { readonly kind: 'proto-key', readonly at: number, readonly key: '__proto__' | 'constructor' }
  | { readonly kind: 'invalid-utf8', readonly at: number, readonly bytes: readonly number[] }
  | { readonly kind: 'truncate', readonly at: number }

export const textDamage: fc.Arbitrary<TextDamage> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate-key' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('proto-key' as const), at: fc.nat(), key: fc.constantFrom('__proto__' as const, 'constructor' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalid-utf8' as const), at: fc.nat(), bytes: fc.array(fc.constantFrom(0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf4, 0xf8, 0xfe, 0xff), { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
)

/** The JSON text as bytes, damaged: splices go right after an opening brace, where a key may stand. */
export function damage (json: string, d: TextDamage): Buffer {
  const braces = [...json.matchAll(/\{/g)].map((m) => m.index)
  const brace = braces.length === 0 ? -1 : braces[(d.kind === 'none' ? 0 : d.at) % braces.length] as number
  switch (d.kind) {
    case 'none':
      return Buffer.from(json)
    case 'duplicate-key': {
      // The first key of that object again, with a different value: JSON.parse keeps the last.
      if (brace < 0) return Buffer.from(json)
      const rest = json.slice(brace + 1)
      const key = /^"((?:[^"\\]|\\.)*)":/.exec(rest)
      return Buffer.from(key === null ? json : `${json.slice(0, brace + 1)}"${key[1]}":1e308,${rest}`)
    }
    case 'proto-key': {
      if (brace < 0) return Buffer.from(json)
      const body = d.key === '__proto__' ? '{"polluted":true}' : '{"prototype":{"polluted":true}}'
      const rest = json.slice(brace + 1)
      return Buffer.from(`${json.slice(0, brace + 1)}"${d.key}":${body}${rest.startsWith('}') ? '' : ','}${rest}`)
    }
    case 'invalid-utf8': {
      const bytes = Buffer.from(json)
      const at = d.at % (bytes.length + 1)
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(d.bytes), bytes.subarray(at)])
    }
    case 'truncate': {
      const bytes = Buffer.from(json)
      return bytes.subarray(0, d.at % Math.max(1, bytes.length))
    }
  }
}

/** How the bytes are sent: content type and content encoding, some of them wrong or broken. */
export interface Framing {
  readonly contentType: string | undefined
  readonly encoding: 'identity' | 'gzip' | 'deflate' | 'truncated-gzip' | 'mislabelled-gzip' | 'br'
}

export const framing: fc.Arbitrary<Framing> = fc.record({
  contentType: fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json; charset=latin1', 'APPLICATION/JSON', '', 'application/jsonx', undefined) },
  ),
  encoding: fc.oneof(
    { weight: 6, arbitrary: fc.constant('identity' as const) },
    { weight: 2, arbitrary: fc.constant('gzip' as const) },
    { weight: 1, arbitrary: fc.constantFrom('deflate' as const, 'truncated-gzip' as const, 'mislabelled-gzip' as const, 'br' as const) },
  ),
})

/** The request's body and headers for a framing. */
export function frame (bytes: Buffer, f: Framing): { body: Buffer, headers: Record<string, string> } {
  const headers: Record<string, string> = f.contentType === undefined ? {} : { 'content-type': f.contentType }
  switch (f.encoding) {
    case 'identity':
      return { body: bytes, headers }
    case 'gzip':
      return { body: gzipSync(bytes), headers: { ...headers, 'content-encoding': 'gzip' } }
    case 'deflate':
      return { body: deflateSync(bytes), headers: { ...headers, 'content-encoding': 'deflate' } }
    case 'truncated-gzip': {
      const z = gzipSync(bytes)
      return { body: z.subarray(0, Math.max(1, Math.floor(z.length / 2))), headers: { ...headers, 'content-encoding': 'gzip' } }
    }
    case 'mislabelled-gzip':
      return { body: bytes, headers: { ...headers, 'content-encoding': 'gzip' } }
    case 'br':
      return { body: bytes, headers: { ...headers, 'content-encoding': 'br' } }
  }
}

/** A whole hostile submission: a valid upload, mutated, damaged as text, framed. */
export const hostileSubmission = fc.record({
  payload: validPayload,
  mutations: fc.array(mutation, { maxLength: 4 }),
  damage: textDamage,
  framing,
}).map((s) => {
  const mutated = s.mutations.reduce<unknown>((v, m) => mutate(v, m), s.payload)
  const { body, headers } = frame(damage(literal(JSON.stringify(mutated)), s.damage), s.framing)
  return { ...s, mutated, body, headers }
})
