import { hasControlCharacters } from './text.js'

const UUID_HEX = /^[0-9a-f]{32}$/

/**
 * Parses an installation id the way upstream's `uuid.UUID()` accepted it (canonical, `{…}`,
 * `urn:uuid:…`, or 32 hex digits, any case) and returns the canonical lowercase
 * 8-4-4-4-12 form, so every spelling of one id is one installation. `null` if it is not a UUID.
 */
export function parseInstallationId (raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > 64) return null
  let text = raw.trim().toLowerCase()
  if (text.startsWith('urn:uuid:')) text = text.slice(9)
  if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1)
  const dashed = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)
  const hex = dashed ? text.replaceAll('-', '') : text
  if (!UUID_HEX.test(hex)) return null
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** The longest heat-pump model name we accept (upstream UI names are under 30 characters). */
export const MAX_MODEL_NAME_LENGTH = 100

/**
 * Names that say "no model chosen": the upstream UI's `Andere / Unbekannt` option and the
 * migration defaults. They are kept as given but never form a comparison group.
 */
const PLACEHOLDER_KEYS = new Set([
  'andere_unbekannt', 'other_unknown', 'unknown', 'unbekannt', 'idm_wärmepumpe', 'idm_wärmepumpe_(migriert)',
])

export interface HeatPumpModel {
  /** The name as the owner chose it, whitespace tidied; `null` when none was sent. */
  readonly name: string | null
  /**
   * The grouping key: lowercase, runs of spaces, `_` and `/` as one `_` (upstream file names
   * used `_` for spaces). `null` for no name or a placeholder such as `Andere / Unbekannt`.
   */
  readonly key: string | null
}

export type HeatPumpModelError = 'not_a_string' | 'too_long' | 'control_characters'

/**
 * Reads the free-text `heatpump_model` exactly as upstream clients send it (`"AERO SLM"`,
 * `"IDM Wärmepumpe"`, `"Andere / Unbekannt"`, `""`, `null`). Only control characters, absurd
 * lengths and non-strings are errors; upstream's ASCII-only regex rejected its own UI's names.
 */
export function parseHeatPumpModel (raw: unknown): HeatPumpModel | HeatPumpModelError {
  if (raw === null || raw === undefined) return { name: null, key: null }
  if (typeof raw !== 'string') return 'not_a_string'
  if (raw.length > MAX_MODEL_NAME_LENGTH * 4) return 'too_long'
  if (hasControlCharacters(raw)) return 'control_characters'
  const name = raw.normalize('NFC').trim().replace(/\s+/g, ' ')
  if (name.length > MAX_MODEL_NAME_LENGTH) return 'too_long'
  if (name === '') return { name: null, key: null }
  const key = name.toLowerCase().replace(/[\s_/]+/g, '_').replace(/^_|_$/g, '')
  return { name, key: key === '' || PLACEHOLDER_KEYS.has(key) ? null : key }
}
