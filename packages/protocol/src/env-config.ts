import type { Static, TObject } from 'typebox'
import Value from 'typebox/value'

/** A configuration that cannot be used; the message names every bad key. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError'
}

interface KeySchema {
  type?: unknown
  anyOf?: { const?: unknown }[]
}

/** Why `value` is no `schema` value even before conversion (TypeBox's Convert reads "" as 0, true as 1, 8.5 as 8). */
function strictProblem (schema: KeySchema, value: unknown): string | undefined {
  const text = typeof value === 'string' ? value.trim() : undefined
  if (schema.type === 'integer' && !(Number.isInteger(value) || (text !== undefined && /^-?\d+$/.test(text)))) return 'must be a whole number'
  if (schema.type === 'number' && !(typeof value === 'number' || (text !== undefined && text !== '' && Number.isFinite(Number(text))))) return 'must be a number'
  if (schema.type === 'boolean' && !(typeof value === 'boolean' || (text !== undefined && /^(true|false|1|0)$/i.test(text)))) return 'must be true or false'
  return undefined
}

/**
 * Reads one deployable's configuration from its sources (the first that has a key wins; e.g.
 * the environment, then a file), converting text to the schema's types, applying defaults and
 * validating. Unknown keys in `strictSource` (a config file) are an error; unknown environment
 * variables are not. Throws ConfigurationError listing every bad key: fail fast at boot.
 */
export function readConfiguration<T extends TObject> (
  schema: T,
  sources: readonly Readonly<Record<string, unknown>>[],
  what: string,
  strictSource?: Readonly<Record<string, unknown>>,
): Static<T> {
  const properties = schema.properties as Record<string, KeySchema>
  const problems = new Map<string, string>()
  for (const key of Object.keys(strictSource ?? {})) {
    if (!(key in properties)) problems.set(key, `${key}: unknown setting`)
  }
  const raw: Record<string, unknown> = {}
  for (const [key, keySchema] of Object.entries(properties)) {
    const value = sources.map((s) => s[key]).find((v) => v !== undefined)
    if (value === undefined) continue
    raw[key] = value
    const problem = strictProblem(keySchema, value)
    if (problem !== undefined) problems.set(key, `${key}=${JSON.stringify(value)}: ${problem}`)
  }
  const converted = Value.Default(schema, Value.Convert(schema, { ...raw }))
  if (problems.size === 0 && Value.Check(schema, converted)) return converted as Static<T>
  for (const e of Value.Errors(schema, converted)) {
    const key = e.instancePath.replace(/^\//, '') || '(config)'
    if (problems.has(key)) continue
    const allowed = properties[key]?.anyOf?.map((s) => String(s.const)).join(', ')
    problems.set(key, `${key}=${JSON.stringify(raw[key] ?? null)}: ${allowed ? `must be one of ${allowed}` : e.message}`)
  }
  throw new ConfigurationError(`cannot load ${what}: ${[...problems.values()].join('; ')}`)
}
