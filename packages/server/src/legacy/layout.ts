import { parseHeatPumpModel, parseInstallationId, type HeatPumpModel } from '@heatpool/protocol'

/**
 * The series layout the upstream server left in VictoriaMetrics (upstream.md §1.1, §1.5). It
 * POSTed Influx line protocol to `VM_WRITE_URL`, one line per record:
 *
 *   heatpump_metrics,installation_id=<id>,model=<heatpump_model, spaces→_>,version=<v> k=v,… <ns>
 *
 * and VictoriaMetrics stores one series per field, `heatpump_metrics_<field>{installation_id,
 * model,version}`, with the logger's raw field names (iDM `temp_outside`, `power_current`, …),
 * ints and booleans as floats (True → 1), and string fields (`*_str` enum text) as a meaningless 0.
 */
export const LEGACY_MEASUREMENT = 'heatpump_metrics'
export const LEGACY_PREFIX = `${LEGACY_MEASUREMENT}_`

/**
 * Every legacy series of one installation, whatever spelling of its id the logger sent (any case,
 * with or without dashes, braces or `urn:uuid:`, as `parseInstallationId` accepts them).
 */
export function legacyInstallationSelector (canonicalId: string): string {
  const hex = canonicalId.replaceAll('-', '')
  const groups = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)]
  const body = groups.map((g) => g.replace(/[a-f]/g, (c) => `[${c}${c.toUpperCase()}]`)).join('-?')
  return `{__name__=~"${LEGACY_PREFIX}.+",installation_id=~"[ ]*([uU][rR][nN]:[uU][uU][iI][dD]:)?[{]?${body}[}]?[ ]*"}`
}

/** Every legacy series, optionally of one raw `installation_id` label value. */
export function legacySelector (rawInstallationId?: string): string {
  const name = `__name__=~"${LEGACY_PREFIX}.+"`
  return rawInstallationId === undefined ? `{${name}}` : `{${name},installation_id="${quoteLabelValue(rawInstallationId)}"}`
}

/** A label value inside a MetricsQL double-quoted string. */
function quoteLabelValue (value: string): string {
  return value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')
}

/** The raw field of a legacy series name (`heatpump_metrics_temp_outside` → `temp_outside`); null for other names. */
export function legacyField (seriesName: string): string | null {
  if (!seriesName.startsWith(LEGACY_PREFIX) || seriesName.length === LEGACY_PREFIX.length) return null
  return seriesName.slice(LEGACY_PREFIX.length)
}

/**
 * Fields whose legacy values carry no information: `*_str` enum text (upstream dropped strings,
 * and VictoriaMetrics stores any string field as 0), and the names that would change what a v1
 * record means (`timestamp` is the record's own time, `heatpumps` makes it a v2 record).
 */
export function isDroppedField (field: string): boolean {
  return field.endsWith('_str') || field === 'timestamp' || field === 'heatpumps'
}

/**
 * The model name a `model` label stands for. Upstream replaced spaces by `_` and did no other
 * escaping, so `AERO_SLM` was `AERO SLM` (an original `_` cannot be told apart; the grouping key
 * is the same either way, since it treats `_` and spaces alike). A missing label is no model.
 */
export function decodeModelLabel (label: string | undefined): HeatPumpModel {
  const parsed = parseHeatPumpModel(label === undefined ? null : label.replace(/_/g, ' '))
  // A label that cannot be a model name (control characters, absurd length) counts as none.
  return typeof parsed === 'string' ? { name: null, key: null } : parsed
}

/** The canonical installation id of an `installation_id` label value, or null when it is not a UUID. */
export function canonicalInstallationId (label: string): string | null {
  return parseInstallationId(label)
}
