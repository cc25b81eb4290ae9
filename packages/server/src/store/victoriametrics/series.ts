import { METRIC_NAMES, type MetricName, type MetricValues } from '@heatpool/protocol'
import type { StoredSample } from '../types.js'

/**
 * heatpool's series layout in VictoriaMetrics (docs/STORAGE.md): one series per heat pump and
 * canonical metric, `heatpool_<metric>{installation_id="<uuid>",heat_pump_id="<id>"}`, values in
 * the catalog's units, millisecond timestamps. No `version` or model label: a client upgrade or
 * a renamed model must not start new series. `heat_pump_id` is the relational store's id. With
 * `VM_POOL` set, every series also carries `pool="<VM_POOL>"` and every selector requires it.
 */
export const SERIES_PREFIX = 'heatpool_'
/** The Influx line-protocol measurement; VictoriaMetrics names each field's series `<measurement>_<field>`. */
export const MEASUREMENT = 'heatpool'

const METRIC_SET: ReadonlySet<string> = new Set(METRIC_NAMES)

/** A sample row holding only the values a write adds. */
export interface NewSample {
  readonly heatPumpId: number
  readonly ts: number
  readonly values: MetricValues
}

/**
 * Influx line protocol (`/write?precision=ms`; what the benchmark compares JSON import with), one line per heat pump and timestamp with a field
 * per metric: `heatpool,installation_id=…,heat_pump_id=7 temp_outdoor=5.5,temp_flow=35 1764… `.
 * Installation ids are canonical UUIDs, so tag values need no escaping.
 */
export function encodeLineProtocol (installationId: string, samples: readonly NewSample[], pool = ''): string {
  const tags = `${MEASUREMENT}${pool === '' ? '' : `,pool=${pool}`},installation_id=${installationId},heat_pump_id=`
  let out = ''
  for (const s of samples) {
    let fields = ''
    for (const m in s.values) {
      const v = s.values[m as MetricName]
      if (v === undefined) continue
      fields += `${fields === '' ? '' : ','}${m}=${formatNumber(v)}`
    }
    if (fields === '') continue
    out += `${tags}${s.heatPumpId} ${fields} ${s.ts}\n`
  }
  return out
}

/** Where heatpool writes: JSON lines cost VictoriaMetrics ~25 % less CPU per sample than line protocol (docs/BENCHMARKS.md). */
export const IMPORT_PATH = '/api/v1/import'

/** VictoriaMetrics' JSON-lines import (`/api/v1/import`): one line per series with all its points. */
export function encodeJsonLines (installationId: string, samples: readonly NewSample[], pool = ''): string {
  const series = new Map<string, { heatPumpId: number, metric: string, values: number[], timestamps: number[] }>()
  for (const s of samples) {
    for (const m in s.values) {
      const v = s.values[m as MetricName]
      if (v === undefined) continue
      const key = `${s.heatPumpId}\u0000${m}`
      let entry = series.get(key)
      if (entry === undefined) series.set(key, entry = { heatPumpId: s.heatPumpId, metric: m, values: [], timestamps: [] })
      entry.values.push(v)
      entry.timestamps.push(s.ts)
    }
  }
  let out = ''
  for (const e of series.values()) {
    out += JSON.stringify({
      metric: { __name__: SERIES_PREFIX + e.metric, ...(pool === '' ? {} : { pool }), installation_id: installationId, heat_pump_id: String(e.heatPumpId) },
      values: e.values,
      timestamps: e.timestamps,
    }) + '\n'
  }
  return out
}

/** Shortest exact decimal of a finite float (the catalog never stores NaN or ±Infinity). */
function formatNumber (v: number): string {
  return Number.isInteger(v) ? `${v}` : String(v)
}

/** `match[]` selector of heatpool series of some heat pumps, optionally only some metrics. */
export function heatPumpSelector (heatPumpIds: readonly number[], metrics?: readonly MetricName[], pool = ''): string {
  const name = metrics === undefined
    ? `__name__=~"${SERIES_PREFIX}.+"`
    : `__name__=~"${SERIES_PREFIX}(${metrics.filter((m) => METRIC_SET.has(m)).join('|')})"`
  const ids = heatPumpIds.map((id) => String(Math.trunc(id)))
  const hp = ids.length === 1 ? `heat_pump_id="${ids[0] as string}"` : `heat_pump_id=~"${ids.join('|')}"`
  return `{${name}${pool === '' ? '' : `,pool="${pool}"`},${hp}}`
}

interface ExportLine {
  metric: Record<string, string>
  values: (number | string | null)[]
  timestamps: number[]
}

/**
 * Parses `/api/v1/export` output into one heat pump's samples with `fromMs <= ts < toMs`, merged
 * across metrics by timestamp, oldest first. Lines of unknown metrics are ignored.
 */
export function parseExport (text: string, fromMs: number, toMs: number): StoredSample[] {
  const byTs = new Map<number, MetricValues>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const entry = JSON.parse(line) as ExportLine
    const name = entry.metric.__name__ ?? ''
    if (!name.startsWith(SERIES_PREFIX)) continue
    const metric = name.slice(SERIES_PREFIX.length)
    if (!METRIC_SET.has(metric)) continue
    for (let i = 0; i < entry.timestamps.length; i++) {
      const ts = entry.timestamps[i] as number
      const v = Number(entry.values[i])
      if (ts < fromMs || ts >= toMs || !Number.isFinite(v)) continue
      let values = byTs.get(ts)
      if (values === undefined) byTs.set(ts, values = {})
      values[metric as MetricName] = v
    }
  }
  return [...byTs].sort((a, b) => a[0] - b[0]).map(([ts, values]) => ({ ts, values }))
}
