import { sql } from 'kysely'
import { expect } from 'vitest'
import { saveBadge } from '../../src/store/badges.js'
import type { Store } from '../../src/store/types.js'
import { idmSeries } from '../compat/payloads.js'
import { COMBINATIONS, type StoreCombination } from '../contract/combinations.js'
import { build, type TestApp } from '../helper.js'

export { COMBINATIONS }

export const START = Date.UTC(2026, 10, 24, 6, 0)
export const NOW = Date.UTC(2026, 10, 27, 12)

/** The app on a fresh store of `combination`, or undefined when its engines are missing. */
export async function open (combination: StoreCombination, env: Record<string, string> = {}): Promise<TestApp | undefined> {
  const e = await combination.env()
  return e === undefined ? undefined : build({ ...e, ...env }, NOW)
}

export interface Member { id: string, token: string, heatPumpIds: number[] }

/**
 * An installation with something in every table that can hold its data: samples over two days
 * (rollups, ledger, pool counts), a dropped value (rejection counts), a batch under an
 * `Idempotency-Key` (a stored answer), a badge and, on VictoriaMetrics, recent writes.
 */
export async function member (t: TestApp, seed: number): Promise<Member> {
  const { id, token } = await t.register({ heatpump_model: 'AERO SLM' })
  const bad = idmSeries(START, 9000 + seed, 1)
  ;((bad[0] as { heatpumps: { values: Record<string, unknown> }[] }).heatpumps[0] as { values: Record<string, unknown> }).values.temp_heat_pump_flow = 999
  const batches = [idmSeries(START, 0, 300, seed), idmSeries(START, 3000, 300, seed), bad]
  for (const [i, data] of batches.entries()) {
    const res = await t.submit({ installation_id: id, heatpump_model: 'AERO SLM', version: '2.0', data }, token, { 'idempotency-key': `k-${seed}-${i}` })
    expect(res.statusCode, res.body).toBe(200)
  }
  await saveBadge(t.app.store.db, id, 1, 'streak_30', Math.floor(START / 86_400_000), NOW)
  const hps = await t.app.store.db.selectFrom('heat_pumps').select('id').where('installation_id', '=', id).execute()
  return { id, token, heatPumpIds: hps.map((h) => h.id) }
}

/** Every relational table of the live store and its columns (SQLite or PostgreSQL), read from the engine, not from schema.ts. */
export async function liveTables (store: Store): Promise<Map<string, string[]>> {
  const tables = new Map<string, string[]>()
  if (store.dialect === 'sqlite') {
    const names = await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`.execute(store.db)
    for (const { name } of names.rows) {
      const cols = await sql<{ name: string }>`SELECT name FROM pragma_table_info(${name})`.execute(store.db)
      tables.set(name, cols.rows.map((c) => c.name))
    }
  } else {
    const cols = await sql<{ table_name: string, column_name: string }>`
      SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`.execute(store.db)
    for (const c of cols.rows) tables.set(c.table_name, [...(tables.get(c.table_name) ?? []), c.column_name])
  }
  return tables
}

/** Tables of the migration tool and of the embedded sample store: not part of the relational schema. */
export const NOT_RELATIONAL = new Set(['heatpool_migrations', 'heatpool_migrations_lock', 'samples'])

/**
 * Where installation `m` still appears in the relational store: rows whose `installation_id`
 * or `heat_pump_id` is its own, and any text cell that contains its id (a JSON answer, a
 * VictoriaMetrics body). Empty after a complete erasure.
 */
export async function traces (store: Store, m: Member): Promise<string[]> {
  const found: string[] = []
  for (const [table, columns] of await liveTables(store)) {
    if (NOT_RELATIONAL.has(table)) continue
    const rows = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)}`.execute(store.db)
    for (const row of rows.rows) {
      for (const c of columns) {
        const v = row[c]
        if (c === 'heat_pump_id' && m.heatPumpIds.includes(Number(v))) found.push(`${table}.${c}`)
        else if (typeof v === 'string' && v.includes(m.id)) found.push(`${table}.${c}`)
      }
    }
  }
  return [...new Set(found)]
}
