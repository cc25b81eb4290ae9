/** One series of a VictoriaMetrics `/api/v1/export` answer (JSON lines). */
export interface ExportedSeries {
  readonly labels: Readonly<Record<string, string>>
  /** Numbers, ±Infinity included (VictoriaMetrics keeps them; it drops NaN at ingest). */
  readonly values: readonly number[]
  /** Milliseconds since the epoch, same length as `values`. */
  readonly timestamps: readonly number[]
}

const VALUES_KEY = '"values":['
/** Bare non-finite numbers VictoriaMetrics prints into the values array, which JSON has no words for. */
const NON_FINITE = /([[,])\s*([+-]?Inf|NaN)\s*(?=[,\]])/g
const NON_FINITE_VALUE: Readonly<Record<string, number>> = { Inf: Infinity, '+Inf': Infinity, '-Inf': -Infinity, NaN }

/**
 * Parses `/api/v1/export` output. VictoriaMetrics writes `+Inf`, `-Inf` and `NaN` unquoted into
 * `values`, which is not JSON; they are quoted before parsing and read back as numbers. Only the
 * part after `"values":[` is touched: inside a label value every quote is escaped, so that
 * sequence cannot occur there.
 */
export function parseExportLines (text: string): ExportedSeries[] {
  const out: ExportedSeries[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '') continue
    const at = line.lastIndexOf(VALUES_KEY)
    const json = at < 0 ? line : line.slice(0, at) + line.slice(at).replace(NON_FINITE, '$1"$2"')
    let entry: { metric?: unknown, values?: unknown, timestamps?: unknown }
    try {
      entry = JSON.parse(json) as typeof entry
    } catch (err) {
      throw new Error(`cannot read VictoriaMetrics export line ${JSON.stringify(line.slice(0, 120))}: ${(err as Error).message}`)
    }
    const labels = typeof entry.metric === 'object' && entry.metric !== null ? entry.metric as Record<string, string> : {}
    const values = Array.isArray(entry.values) ? entry.values.map(toNumber) : []
    const timestamps = Array.isArray(entry.timestamps) ? entry.timestamps.map(Number) : []
    if (values.length !== timestamps.length) {
      throw new Error(`cannot read VictoriaMetrics export of ${labels.__name__ ?? 'a series'}: ${values.length} values for ${timestamps.length} timestamps`)
    }
    out.push({ labels, values, timestamps })
  }
  return out
}

function toNumber (v: unknown): number {
  if (typeof v === 'number') return v
  if (typeof v === 'string') return NON_FINITE_VALUE[v] ?? Number(v)
  return NaN
}
