import { sql, type Kysely } from 'kysely'
import { DAY_MS } from '../ledger/contribution.js'
import { HOUR_MS } from '../rollups/rollup.js'
import type { Database } from './schema.js'

const HOURS_PER_DAY = DAY_MS / HOUR_MS

/** The pool-wide figures kept per hour of arrival (migration 007); the names of the submit response's counts. */
export const INGEST_HOUR_COLUMNS = [
  'batches', 'records_received', 'records_accepted', 'records_rejected',
  'values_accepted', 'values_stored', 'values_duplicate', 'values_rejected', 'values_ignored',
] as const
export type IngestFigures = Record<(typeof INGEST_HOUR_COLUMNS)[number], number>

export function emptyFigures (): IngestFigures {
  const figures = {} as IngestFigures
  for (const c of INGEST_HOUR_COLUMNS) figures[c] = 0
  return figures
}

/** Drops for one reason: records (or heat-pump entries) for a record reason, values for a value reason. */
export interface ReasonCount {
  readonly reason: string
  readonly records: number
  readonly values: number
}

export interface IngestRecord {
  readonly installationId: string
  /** Arrival (server clock, ms since the epoch): the hour and day the figures are kept under. */
  readonly receivedAt: number
  readonly figures: IngestFigures
  readonly rejections: readonly ReasonCount[]
}

/**
 * Adds one stored batch's figures: to the pool-wide hour of arrival, to that hour's drops by
 * reason, and to the installation's drops of that day. Call inside the ingest transaction, so a
 * crash either keeps the batch with its figures or neither (a retry is then stored and counted
 * once; a replayed retry never gets here). Call it after the other writes to rows shared by all
 * installations (pool_days): the hour row, then the reason rows in name order, so concurrent
 * batches on PostgreSQL lock shared rows in one order and hold the hot hour row briefly.
 */
export async function recordIngest (db: Kysely<Database>, batch: IngestRecord): Promise<void> {
  const hour = Math.floor(batch.receivedAt / HOUR_MS)
  const day = Math.floor(batch.receivedAt / DAY_MS)
  await db.insertInto('ingest_hours').values({ hour, ...batch.figures })
    .onConflict((oc) => oc.column('hour').doUpdateSet((eb) => {
      const set: Record<string, unknown> = {}
      for (const c of INGEST_HOUR_COLUMNS) set[c] = eb(`ingest_hours.${c}`, '+', eb.ref(`excluded.${c}`))
      return set
    }))
    .execute()
  const rejections = batch.rejections.filter((r) => r.records > 0 || r.values > 0)
    .sort((a, b) => (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0))
  for (const r of rejections) {
    await db.insertInto('ingest_rejection_hours').values({ hour, reason: r.reason, records_rejected: r.records, values_rejected: r.values })
      .onConflict((oc) => oc.columns(['hour', 'reason']).doUpdateSet((eb) => ({
        records_rejected: eb('ingest_rejection_hours.records_rejected', '+', eb.ref('excluded.records_rejected')),
        values_rejected: eb('ingest_rejection_hours.values_rejected', '+', eb.ref('excluded.values_rejected')),
      })))
      .execute()
  }
  for (const r of rejections) {
    await db.insertInto('installation_rejection_days')
      .values({ installation_id: batch.installationId, day, reason: r.reason, records_rejected: r.records, values_rejected: r.values })
      .onConflict((oc) => oc.columns(['installation_id', 'day', 'reason']).doUpdateSet((eb) => ({
        records_rejected: eb('installation_rejection_days.records_rejected', '+', eb.ref('excluded.records_rejected')),
        values_rejected: eb('installation_rejection_days.values_rejected', '+', eb.ref('excluded.values_rejected')),
      })))
      .execute()
  }
}

function figuresOf (row: Record<string, unknown>): IngestFigures {
  const figures = emptyFigures()
  for (const c of INGEST_HOUR_COLUMNS) figures[c] = Number(row[c] ?? 0)
  return figures
}

/** Figures per hour of arrival, for hours `fromHour <= hour < toHour` that have any. */
export async function ingestFiguresByHour (db: Kysely<Database>, fromHour: number, toHour: number): Promise<Map<number, IngestFigures>> {
  const rows = await db.selectFrom('ingest_hours').selectAll()
    .where('hour', '>=', fromHour).where('hour', '<', toHour).execute()
  return new Map(rows.map((r) => [Number(r.hour), figuresOf(r)]))
}

/** Figures per UTC day of arrival, for days `fromDay..toDay` (both included) that have any. */
export async function ingestFiguresByDay (db: Kysely<Database>, fromDay: number, toDay: number): Promise<Map<number, IngestFigures>> {
  const dayOf = sql<number>`hour / ${sql.lit(HOURS_PER_DAY)}`
  const rows = await db.selectFrom('ingest_hours')
    .select((eb) => [dayOf.as('day'), ...INGEST_HOUR_COLUMNS.map((c) => eb.fn.sum<number>(c).as(c))])
    .where('hour', '>=', fromDay * HOURS_PER_DAY).where('hour', '<', (toDay + 1) * HOURS_PER_DAY)
    .groupBy(dayOf)
    .execute()
  return new Map(rows.map((r) => [Number(r.day), figuresOf(r)]))
}

/** Drops per UTC day of arrival and reason, pool-wide, for days `fromDay..toDay`. */
export async function rejectionsByDay (db: Kysely<Database>, fromDay: number, toDay: number): Promise<(ReasonCount & { day: number })[]> {
  const dayOf = sql<number>`hour / ${sql.lit(HOURS_PER_DAY)}`
  const rows = await db.selectFrom('ingest_rejection_hours')
    .select((eb) => [dayOf.as('day'), 'reason', eb.fn.sum<number>('records_rejected').as('records'), eb.fn.sum<number>('values_rejected').as('values')])
    .where('hour', '>=', fromDay * HOURS_PER_DAY).where('hour', '<', (toDay + 1) * HOURS_PER_DAY)
    .groupBy([dayOf, 'reason'])
    .execute()
  return rows.map((r) => ({ day: Number(r.day), reason: r.reason, records: Number(r.records), values: Number(r.values) }))
}

/** Drops per installation and reason for batches that arrived on days `fromDay..toDay`. */
export async function installationRejections (db: Kysely<Database>, fromDay: number, toDay: number): Promise<(ReasonCount & { installationId: string })[]> {
  const rows = await db.selectFrom('installation_rejection_days')
    .select((eb) => ['installation_id', 'reason', eb.fn.sum<number>('records_rejected').as('records'), eb.fn.sum<number>('values_rejected').as('values')])
    .where('day', '>=', fromDay).where('day', '<=', toDay)
    .groupBy(['installation_id', 'reason'])
    .execute()
  return rows.map((r) => ({ installationId: r.installation_id, reason: r.reason, records: Number(r.records), values: Number(r.values) }))
}

/** Each installation's first UTC day of arrival with anything dropped (any time). */
export async function firstRejectionDays (db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db.selectFrom('installation_rejection_days')
    .select((eb) => ['installation_id', eb.fn.min<number>('day').as('first')])
    .groupBy('installation_id')
    .execute()
  return new Map(rows.map((r) => [r.installation_id, Number(r.first)]))
}
