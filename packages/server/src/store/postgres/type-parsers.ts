import pg from 'pg'

const { builtins } = pg.types

/** Parses PostgreSQL's text form of an int8 or numeric as a JS number. */
function toNumber (text: string): number {
  return Number(text)
}

/**
 * Result parsers for this store's connections: `bigint` columns, `count(*)` and `sum()` (int8 and
 * numeric) arrive as JS numbers, as SQLite returns them, instead of pg's default strings. Every
 * bigint we keep is a millisecond timestamp or a counter far below 2^53, so no precision is lost.
 * The parsers belong to the pool only; pg's process-wide defaults are left alone.
 */
export const numericTypeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if ((format ?? 'text') === 'text' && (oid === builtins.INT8 || oid === builtins.NUMERIC)) return toNumber
    return pg.types.getTypeParser(oid, format)
  }) as pg.CustomTypesConfig['getTypeParser'],
}
