import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { relationalMigrations } from '../migrations.js'
import type { Database } from '../schema.js'
import type { Store } from '../types.js'
import { createSamplesTableSql, SqliteSampleStore } from './sample-store.js'

export interface SqliteStoreOptions {
  /** Directory holding `heatpool.db`; `:memory:` for an in-memory store (tests). */
  readonly dataDir: string
  /** `full` fsyncs the WAL at every commit (survives power loss); `normal` survives crashes only. */
  readonly synchronous: 'full' | 'normal'
}

export const SQLITE_FILE_NAME = 'heatpool.db'

/**
 * Opens (creating if needed) the embedded store: one SQLite file in WAL mode holding the
 * relational tables and the samples, migrated to the current schema before it is returned.
 */
export async function openSqliteStore (options: SqliteStoreOptions): Promise<Store> {
  let path = ':memory:'
  if (options.dataDir !== ':memory:') {
    mkdirSync(options.dataDir, { recursive: true })
    path = join(options.dataDir, SQLITE_FILE_NAME)
  }
  const sqlite = new BetterSqlite3(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  // Keep the WAL from growing without bound between checkpoints under sustained ingest.
  sqlite.pragma('journal_size_limit = 67108864')
  sqlite.pragma('cache_size = -65536')

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
  const migrator = new Migrator({ db, provider: relationalMigrations, migrationTableName: 'heatpool_migrations', migrationLockTableName: 'heatpool_migrations_lock' })
  const { error } = await migrator.migrateToLatest()
  if (error !== undefined) {
    await db.destroy()
    throw new Error('cannot migrate the embedded store', { cause: error })
  }
  sqlite.exec(createSamplesTableSql())
  const samples = new SqliteSampleStore(sqlite)

  return {
    dialect: 'sqlite',
    db,
    samples,
    transaction: (fn) => db.transaction().execute(fn),
    // One connection, and Kysely runs its transactions one at a time: nothing can interleave.
    lockInstallation: async () => {},
    async ping () {
      sqlite.prepare('SELECT 1').get()
    },
    async close () {
      await db.destroy() // closes the better-sqlite3 handle
    },
  }
}

/**
 * Kysely's SQLite driver prepares every query again; the ingest transaction runs the same few
 * statements per batch, and `prepare()` was ~5 % of ingest CPU (docs/BENCHMARKS.md). Statements
 * are reusable because better-sqlite3 runs them synchronously. The cache is bounded: queries
 * with varying shapes (e.g. `IN (?, ?, …)` lists) would otherwise grow it without end.
 */
function withStatementCache (sqlite: BetterSqlite3.Database, maxStatements = 256) {
  const cache = new Map<string, BetterSqlite3.Statement>()
  return {
    close: () => { sqlite.close() },
    prepare (sql: string) {
      let stmt = cache.get(sql)
      if (stmt === undefined) {
        stmt = sqlite.prepare(sql)
        if (cache.size >= maxStatements) cache.delete(cache.keys().next().value as string)
        cache.set(sql, stmt)
      }
      return stmt
    },
  }
}
