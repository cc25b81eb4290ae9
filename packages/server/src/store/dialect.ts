import { type Kysely, PostgresAdapter, SqliteAdapter } from 'kysely'

export type SqlDialect = 'sqlite' | 'postgres'

/**
 * The SQL dialect a Kysely instance (or transaction) speaks, read from its adapter. Queries are
 * written once for both; this is for the few places where the engines cannot share one form
 * (column types in migrations).
 */
export function dialectOf<DB> (db: Kysely<DB>): SqlDialect {
  // getExecutor() is public API in Kysely's typings (marked internal in its docs only).
  const adapter = db.getExecutor().adapter
  if (adapter instanceof PostgresAdapter) return 'postgres'
  if (adapter instanceof SqliteAdapter) return 'sqlite'
  throw new Error(`cannot tell the SQL dialect: unsupported Kysely adapter ${adapter.constructor.name}`)
}
