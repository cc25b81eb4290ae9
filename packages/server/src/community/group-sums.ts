import type { Kysely } from 'kysely'
import { emptySums, ROLLUP_SUM_COLUMNS, type RollupSums } from '../rollups/rollup.js'
import type { Database } from '../store/schema.js'

/**
 * Rollup sums of a heat-pump model group, read one heat pump at a time: each statement is an
 * index range of one heat pump on the primary key (heat_pump_id, day|hour), so a large group
 * never blocks the event loop (synchronous better-sqlite3) for longer than one heat pump's rows.
 * The same Kysely code runs on SQLite and PostgreSQL.
 */
export interface GroupMember {
  readonly heatPumpId: number
  readonly installationId: string
  /** The client's heat-pump id (`hp-legacy`). */
  readonly hpKey: string
  readonly modelName: string | null
}

export async function groupMembers (db: Kysely<Database>, modelKey: string): Promise<GroupMember[]> {
  const rows = await db.selectFrom('heat_pumps').select(['id', 'installation_id', 'hp_key', 'model_name'])
    .where('model_key', '=', modelKey).orderBy('id').execute()
  return rows.map((r) => ({ heatPumpId: r.id, installationId: r.installation_id, hpKey: r.hp_key, modelName: r.model_name }))
}

/** Model keys that have heat pumps, with their heat-pump counts. */
export async function modelKeys (db: Kysely<Database>): Promise<{ modelKey: string, heatPumps: number }[]> {
  const rows = await db.selectFrom('heat_pumps').select((eb) => ['model_key', eb.fn.countAll<number>().as('n')])
    .where('model_key', 'is not', null).groupBy('model_key').orderBy('model_key').execute()
  return rows.map((r) => ({ modelKey: r.model_key as string, heatPumps: Number(r.n) }))
}

export interface OwnHeatPump {
  readonly heatPumpId: number
  readonly hpKey: string
  readonly modelKey: string | null
  readonly modelName: string | null
}

export async function heatPumpsOf (db: Kysely<Database>, installationId: string): Promise<OwnHeatPump[]> {
  const rows = await db.selectFrom('heat_pumps').select(['id', 'hp_key', 'model_key', 'model_name'])
    .where('installation_id', '=', installationId).orderBy('id').execute()
  return rows.map((r) => ({ heatPumpId: r.id, hpKey: r.hp_key, modelKey: r.model_key, modelName: r.model_name }))
}

function sumsOf (row: Record<string, unknown> | undefined): RollupSums {
  const sums = emptySums()
  if (row !== undefined) for (const c of ROLLUP_SUM_COLUMNS) sums[c] = Number(row[c] ?? 0)
  return sums
}

/** One heat pump's sums over the UTC days [fromDay, toDay] (daily rollups). */
export async function daySums (db: Kysely<Database>, heatPumpId: number, fromDay: number, toDay: number): Promise<RollupSums> {
  const row = await db.selectFrom('rollups_daily')
    .select((eb) => ROLLUP_SUM_COLUMNS.map((c) => eb.fn.sum<number>(c).as(c)))
    .where('heat_pump_id', '=', heatPumpId).where('day', '>=', fromDay).where('day', '<=', toDay)
    .executeTakeFirst()
  return sumsOf(row)
}

/** One heat pump's sums per 2 K outdoor band (lower bound, °C) over the hours [fromHour, toHour). */
export async function bandSums (db: Kysely<Database>, heatPumpId: number, fromHour: number, toHour: number): Promise<Map<number, RollupSums>> {
  const rows = await db.selectFrom('rollups_hourly')
    .select((eb) => ['outdoor_band', ...ROLLUP_SUM_COLUMNS.map((c) => eb.fn.sum<number>(c).as(c))])
    .where('heat_pump_id', '=', heatPumpId).where('hour', '>=', fromHour).where('hour', '<', toHour)
    .where('outdoor_band', 'is not', null)
    .groupBy('outdoor_band')
    .execute()
  return new Map(rows.map((r) => [Number(r.outdoor_band), sumsOf(r as Record<string, unknown>)]))
}
