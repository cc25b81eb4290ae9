import { type ColumnDefinitionBuilder, type Expression, type Kysely, sql } from 'kysely'
import { dialectOf } from './dialect.js'

type ColumnType = 'text' | 'real' | Expression<unknown>

export interface ColumnTypes {
  /**
   * Text. PostgreSQL: `text collate "C"`, so that comparisons and ORDER BY work on code points
   * like SQLite's BINARY collation, whatever the database's locale.
   */
  readonly text: ColumnType
  /** An 8-byte float, as SQLite's REAL is (PostgreSQL's `real` is 4 bytes: `double precision`). */
  readonly real: ColumnType
  /** An integer primary key the engine numbers: SQLite `autoincrement`, PostgreSQL an identity column. */
  readonly autoIncrementId: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder
  /** The type of an id numbered once per batch (64-bit on both: SQLite's `integer` already is; it must stay `integer` for AUTOINCREMENT). */
  readonly bigId: 'integer' | 'bigint'
}

/**
 * Column types that SQLite and PostgreSQL spell differently, for the migrations. SQLite gets
 * exactly the types the shipped migrations used, so its DDL never changes.
 */
export function columnTypes (db: Kysely<unknown>): ColumnTypes {
  if (dialectOf(db) === 'postgres') {
    return {
      text: sql`text collate "C"`,
      real: sql`double precision`,
      autoIncrementId: (c) => c.primaryKey().generatedByDefaultAsIdentity(),
      bigId: 'bigint',
    }
  }
  return {
    text: 'text',
    real: 'real',
    autoIncrementId: (c) => c.primaryKey().autoIncrement(),
    bigId: 'integer',
  }
}
