import { Kysely, Migrator, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { relationalMigrations } from '../migrations.js'
import type { Database } from '../schema.js'
import { type RelationalStore, StoreUnavailableError } from '../types.js'
import { LOCK_NAMESPACE, lockInstallation } from './locks.js'
import { numericTypeParsers } from './type-parsers.js'
import { asUnavailable, UnavailableMappingPool } from './unavailable.js'

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (DATABASE_URL). */
  readonly url: string
  /** Most connections this process opens (DATABASE_POOL_SIZE). */
  readonly poolSize: number
  /** A connection attempt slower than this fails (the request answers 503). Default 5 s. */
  readonly connectTimeoutMs?: number
  /** Where connection errors outside any request (an idle connection dropped by the server) are reported. */
  readonly log?: { warn (obj: object, msg: string): void }
}

/** The same names as the embedded store (sqlite/open.ts), so both keep their history alike. */
const MIGRATION_TABLES = { migrationTableName: 'heatpool_migrations', migrationLockTableName: 'heatpool_migrations_lock' } as const

/**
 * Opens the relational store on PostgreSQL (the scale-out profile): a pg pool behind Kysely's
 * PostgreSQL dialect, migrated to the current schema — by the same migrations as SQLite —
 * before it is returned. Several server processes may open it at once: migrations run under an
 * advisory lock, and `lockInstallation` serialises the ingest of one installation across them.
 *
 * Results have the same JS types as on SQLite (int8 and numeric as numbers). A server that is
 * down or unreachable surfaces as `StoreUnavailableError`, at open and at every query; errors of
 * idle connections are logged, never thrown.
 */
export async function openPostgresStore (options: PostgresStoreOptions): Promise<RelationalStore> {
  const warn = options.log === undefined
    ? (err: Error, msg: string) => { process.emitWarning(`${msg}: ${err.message}`) }
    : (err: Error, msg: string) => { options.log?.warn({ err }, msg) }
  const connection = {
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    keepAlive: true,
    application_name: 'heatpool',
    types: numericTypeParsers,
  }
  const pool = new pg.Pool({ ...connection, max: options.poolSize, idleTimeoutMillis: 30_000 })
  // An idle client whose connection breaks emits 'error' on the pool; a checked-out client emits
  // it on itself. Unhandled, either would end the process; the next query reports the failure.
  pool.on('error', (err) => { warn(err, 'PostgreSQL connection lost (idle)') })
  pool.on('connect', (client) => {
    client.on('error', (err) => { warn(err, 'PostgreSQL connection lost') })
  })

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new UnavailableMappingPool(pool) }) })
  try {
    await migrateUnderLock(db, connection)
  } catch (err) {
    await db.destroy()
    const mapped = asUnavailable(err)
    if (mapped instanceof StoreUnavailableError) throw mapped
    throw new Error('cannot migrate the PostgreSQL store', { cause: err })
  }

  return {
    dialect: 'postgres',
    db,
    transaction: (fn) => db.transaction().execute(fn),
    lockInstallation: (trx, installationId) => lockInstallation(trx, installationId),
    async ping () {
      try {
        await sql`select 1`.execute(db)
      } catch (err) {
        const mapped = asUnavailable(err)
        throw mapped instanceof StoreUnavailableError ? mapped : new StoreUnavailableError(`cannot query PostgreSQL: ${(err as Error).message}`, { cause: err })
      }
    },
    async close () {
      await db.destroy() // ends the pool
    },
  }
}

/**
 * Runs the migrations while holding a session advisory lock on a connection of its own, so that
 * server processes starting together migrate one after the other (the later ones find nothing
 * to do) — including the creation of the migration tables, which Kysely does before its own lock.
 */
async function migrateUnderLock (db: Kysely<Database>, connection: pg.ClientConfig): Promise<void> {
  const client = new pg.Client(connection)
  client.on('error', () => {}) // a failure surfaces through the awaited calls below
  await client.connect()
  try {
    await client.query('select pg_advisory_lock($1::integer, 0)', [LOCK_NAMESPACE.migrations])
    const { error } = await new Migrator({ db, provider: relationalMigrations, ...MIGRATION_TABLES }).migrateToLatest()
    if (error !== undefined) throw error
  } finally {
    // Ending the session releases its advisory locks, also when the unlock is not reached.
    await client.end().catch(() => {})
  }
}
