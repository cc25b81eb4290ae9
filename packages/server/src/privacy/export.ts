import { METRIC_NAMES, type InstallationExport, type MetricValues } from '@heatpool/protocol'
import type { Kysely } from 'kysely'
import { isoDate } from '../badges/calendar.js'
import { isoTime } from '../ledger/contribution.js'
import { ROLLUP_SUM_COLUMNS } from '../rollups/rollup.js'
import type { Database } from '../store/schema.js'
import type { Store } from '../store/types.js'
import { csvField, sampleRanges } from './export-ranges.js'

type Doc = InstallationExport
type HourlyRow = Doc['rollups_hourly'][number]
type SampleOut = Doc['samples'][number]

/** Everything but the streamed parts (hourly rollups and samples), read before the answer starts. */
export interface ExportHead extends Omit<Doc, 'rollups_hourly' | 'samples'> {
  /** Relational heat-pump id → the client's heat-pump id. */
  readonly heatPumpKeys: ReadonlyMap<number, string>
  /** UTC days with stored samples (ledger), to read samples from. */
  readonly sampleDays: readonly number[]
}

/** Rows per page of hourly rollups. */
const ROLLUP_PAGE = 2000


function sumsOf (row: Record<string, unknown>): Record<string, number> {
  const sums: Record<string, number> = {}
  for (const c of ROLLUP_SUM_COLUMNS) sums[c] = Number(row[c])
  return sums
}

/**
 * Reads what the server holds about installation `id` in the relational store, without its
 * token hash (`GET /api/v2/installations/me/export`); undefined when it does not exist.
 */
export async function exportHead (db: Kysely<Database>, id: string, nowMs: number): Promise<ExportHead | undefined> {
  const i = await db.selectFrom('installations').selectAll().where('id', '=', id).executeTakeFirst()
  if (i === undefined) return undefined
  const [hps, ledger, badges, rejections] = await Promise.all([
    db.selectFrom('heat_pumps').selectAll().where('installation_id', '=', id).orderBy('id').execute(),
    db.selectFrom('ledger_days').select(['day', 'samples', 'stored']).where('installation_id', '=', id).orderBy('day').execute(),
    db.selectFrom('badges').select(['badge', 'rules_version', 'earned_day']).where('installation_id', '=', id).orderBy('earned_day').orderBy('badge').execute(),
    db.selectFrom('installation_rejection_days').select(['day', 'reason', 'records_rejected', 'values_rejected'])
      .where('installation_id', '=', id).orderBy('day').orderBy('reason').execute(),
  ])
  const heatPumpKeys = new Map(hps.map((h) => [h.id, h.hp_key]))
  const daily = hps.length === 0
    ? []
    : await db.selectFrom('rollups_daily').selectAll().where('heat_pump_id', 'in', [...heatPumpKeys.keys()]).orderBy('heat_pump_id').orderBy('day').execute()
  return {
    format: 'heatpool-export-1',
    exported_at: new Date(nowMs).toISOString(),
    installation: {
      installation_id: i.id,
      created_at: isoTime(i.created_at),
      registered_at: isoTime(i.registered_at),
      consent_version: i.consent_version,
      manufacturer: i.manufacturer,
      heatpump_model: i.model_name,
      model_key: i.model_key,
      first_seen: isoTime(i.first_seen_at),
      last_seen: isoTime(i.last_seen_at),
      last_sample: isoTime(i.last_sample_ts),
      samples_total: Number(i.samples_total),
      contribution_days: Number(i.contribution_days),
      last_contribution_day: i.last_contribution_day === null ? null : isoDate(Number(i.last_contribution_day)),
    },
    heat_pumps: hps.map((h) => ({
      heat_pump: h.hp_key,
      manufacturer: h.manufacturer,
      driver_model: h.driver_model,
      heatpump_model: h.model_name,
      model_key: h.model_key,
      created_at: isoTime(h.created_at),
      last_seen: isoTime(h.last_seen_at),
      last_sample: isoTime(h.last_sample_ts),
      last_sample_values: h.last_sample_values === null ? null : JSON.parse(h.last_sample_values) as Record<string, number>,
    })),
    ledger: ledger.map((d) => ({ day: isoDate(Number(d.day)), samples: Number(d.samples), stored: Number(d.stored) })),
    badges: badges.map((b) => ({ badge: b.badge, rules_version: Number(b.rules_version), earned: isoDate(Number(b.earned_day)) })),
    rejections: rejections.map((r) => ({ day: isoDate(Number(r.day)), reason: r.reason, records_rejected: Number(r.records_rejected), values_rejected: Number(r.values_rejected) })),
    rollups_daily: daily.map((r) => ({ heat_pump: heatPumpKeys.get(r.heat_pump_id) ?? String(r.heat_pump_id), day: isoDate(Number(r.day)), sums: sumsOf(r) })),
    heatPumpKeys,
    sampleDays: ledger.filter((d) => Number(d.stored) > 0 || Number(d.samples) > 0).map((d) => Number(d.day)),
  }
}

/** Hourly rollups of the heat pumps, page by page (keyset on heat pump and hour: bounded memory). */
async function * hourlyRollups (db: Kysely<Database>, heatPumpKeys: ReadonlyMap<number, string>): AsyncGenerator<HourlyRow[]> {
  for (const [hpId, key] of heatPumpKeys) {
    let after: number | undefined
    for (;;) {
      let query = db.selectFrom('rollups_hourly').selectAll().where('heat_pump_id', '=', hpId)
      // PostgreSQL's hour is a 32-bit integer: no sentinel below every hour, the first page has no bound.
      if (after !== undefined) query = query.where('hour', '>', after)
      const rows = await query.orderBy('hour').limit(ROLLUP_PAGE).execute()
      if (rows.length === 0) break
      yield rows.map((r) => ({
        heat_pump: key,
        hour: new Date(Number(r.hour) * 3_600_000).toISOString(),
        outdoor_band: r.outdoor_band === null ? null : Number(r.outdoor_band),
        sums: sumsOf(r),
      }))
      after = Number(rows.at(-1)?.hour)
      if (rows.length < ROLLUP_PAGE) break
    }
  }
}

/** A sample's values in catalog order, whatever order the sample store returned them in (the same export twice is the same bytes). */
function inCatalogOrder (values: MetricValues): Record<string, number> {
  const out: Record<string, number> = {}
  for (const m of METRIC_NAMES) {
    const v = values[m]
    if (v !== undefined) out[m] = v
  }
  return out
}

/** Raw samples from the sample store, one heat pump and at most a week at a time, oldest first. */
async function * samples (store: Store, head: ExportHead): AsyncGenerator<SampleOut[]> {
  const ranges = sampleRanges(head.sampleDays)
  for (const [hpId, key] of head.heatPumpKeys) {
    for (const r of ranges) {
      const rows = await store.samples.read(hpId, r.fromMs, r.toMs)
      if (rows.length > 0) yield rows.map((s) => ({ heat_pump: key, ts: new Date(s.ts).toISOString(), values: inCatalogOrder(s.values) }))
    }
  }
}

/** Elements of a JSON array, comma-separated across pages. */
async function * jsonArray<T> (pages: AsyncIterable<T[]>): AsyncGenerator<string> {
  let first = true
  for await (const page of pages) {
    if (page.length === 0) continue
    yield (first ? '' : ',') + page.map((x) => JSON.stringify(x)).join(',')
    first = false
  }
}

/** The export as one JSON document (`InstallationExportSchema`), in pieces; samples stream last. */
export async function * exportJson (store: Store, head: ExportHead): AsyncGenerator<string> {
  const { heatPumpKeys: _k, sampleDays: _d, ...rest } = head
  yield JSON.stringify(rest).slice(0, -1) + ',"rollups_hourly":['
  yield * jsonArray(hourlyRollups(store.db, head.heatPumpKeys))
  yield '],"samples":['
  yield * jsonArray(samples(store, head))
  yield ']}\n'
}

/** The CSV header: every fact is one row. */
export const CSV_COLUMNS = ['kind', 'heat_pump', 'time', 'name', 'value'] as const

const row = (...fields: (string | number | null)[]) => fields.map(csvField).join(',') + '\r\n'

/**
 * The export as CSV, one row per fact (`kind,heat_pump,time,name,value`): `installation` and
 * `heat_pump` fields; `ledger` days (`samples`, `stored`); `badge`s (value: rules version);
 * `rejection`s (`<reason>/records`, `<reason>/values`); `rollup_daily` and `rollup_hourly` sums;
 * and one `sample` row per timestamp × metric, streamed last.
 */
export async function * exportCsv (store: Store, head: ExportHead): AsyncGenerator<string> {
  yield row(...CSV_COLUMNS)
  let out = ''
  for (const [name, value] of Object.entries(head.installation)) out += row('installation', null, null, name, value)
  for (const hp of head.heat_pumps) {
    for (const [name, value] of Object.entries(hp)) {
      if (name === 'heat_pump') continue
      out += row('heat_pump', hp.heat_pump, null, name, value !== null && typeof value === 'object' ? JSON.stringify(value) : value)
    }
  }
  for (const d of head.ledger) out += row('ledger', null, d.day, 'samples', d.samples) + row('ledger', null, d.day, 'stored', d.stored)
  for (const b of head.badges) out += row('badge', null, b.earned, b.badge, b.rules_version)
  for (const r of head.rejections) out += row('rejection', null, r.day, `${r.reason}/records`, r.records_rejected) + row('rejection', null, r.day, `${r.reason}/values`, r.values_rejected)
  for (const r of head.rollups_daily) for (const [name, v] of Object.entries(r.sums)) out += row('rollup_daily', r.heat_pump, r.day, name, v)
  yield out
  for await (const page of hourlyRollups(store.db, head.heatPumpKeys)) {
    let chunk = ''
    for (const r of page) {
      chunk += row('rollup_hourly', r.heat_pump, r.hour, 'outdoor_band', r.outdoor_band)
      for (const [name, v] of Object.entries(r.sums)) chunk += row('rollup_hourly', r.heat_pump, r.hour, name, v)
    }
    yield chunk
  }
  for await (const page of samples(store, head)) {
    let chunk = ''
    for (const s of page) for (const [metric, v] of Object.entries(s.values)) chunk += row('sample', s.heat_pump, s.ts, metric, v)
    yield chunk
  }
}
