import BetterSqlite3 from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { relationalMigrations } from '../../src/store/migrations.js'
import type { Database } from '../../src/store/schema.js'

/**
 * The embedded store's relational part alone — in-memory SQLite with the same pragmas that
 * matter for results (foreign keys) and the same migrations — to compare PostgreSQL against.
 */
export async function openSqliteRelational (): Promise<Kysely<Database>> {
  const sqlite = new BetterSqlite3(':memory:')
  sqlite.pragma('foreign_keys = ON')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
  const { error } = await new Migrator({ db, provider: relationalMigrations, migrationTableName: 'heatpool_migrations', migrationLockTableName: 'heatpool_migrations_lock' }).migrateToLatest()
  if (error !== undefined) throw error
  return db
}

/** Every row of every relational table, in a stable order, for comparing two stores. */
export async function dumpTables (db: Kysely<Database>): Promise<Record<string, unknown[]>> {
  const tables = ['installations', 'heat_pumps', 'ledger_days', 'pool_days', 'rollups_hourly', 'rollups_daily', 'idempotency_keys', 'settings', 'models'] as const
  const dump: Record<string, unknown[]> = {}
  for (const table of tables) {
    const rows = await db.selectFrom(table).selectAll().execute()
    dump[table] = rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort().map((s) => JSON.parse(s) as unknown)
  }
  return dump
}
