import { describe, expect, it } from 'vitest'
import { upsertHeatPumps } from '../../src/store/heat-pumps.js'
import { ensureInstallation } from '../../src/store/installations.js'
import { openPostgresStore } from '../../src/store/postgres/open.js'
import { freshPostgresUrl } from '../engines/postgres.js'
import { runScenario } from './scenario.js'
import { dumpTables, openSqliteRelational } from './sqlite-relational.js'

const available = (await freshPostgresUrl()) !== undefined

/**
 * `value` with fractional numbers rounded to 12 significant digits. SQLite's sum() of REALs is
 * compensated (Kahan–Babuška–Neumaier) and PostgreSQL's is not, so aggregated floats may differ
 * in the last bit; stored values and integers must match exactly. A 4-byte float column (7
 * digits) would still fail.
 */
function approx (value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number(value.toPrecision(12))
  if (Array.isArray(value)) return value.map(approx)
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, approx(v)]))
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, approx(v)]))
  return value
}

describe.skipIf(!available)('the relational store functions on PostgreSQL and SQLite', () => {
  // en-US orders 'A_b' < 'Ab' < 'AERO_SLM' < … < 'Ärger' < 'b'; SQLite (and C) by code point.
  it.each([
    ['the server\'s default locale', undefined],
    ['an ICU en-US default collation', 'en-US'],
  ])('return the same results and leave the same rows for the same inputs (database with %s)', async (_name, icuLocale) => {
    const sqlite = await openSqliteRelational()
    const pg = await openPostgresStore({ url: await freshPostgresUrl({ icuLocale }) as string, poolSize: 3 })
    try {
      const expected = await runScenario(sqlite, (fn) => sqlite.transaction().execute(fn))
      const actual = await runScenario(pg.db, (fn) => pg.transaction(fn))
      expect(approx(actual)).toEqual(approx(expected))
      const tables = await dumpTables(pg.db)
      expect(approx(tables)).toEqual(approx(await dumpTables(sqlite)))
      // The scenario did write something everywhere it meant to (an empty table compares equal too).
      for (const table of ['installations', 'heat_pumps', 'ledger_days', 'pool_days', 'rollups_hourly', 'rollups_daily', 'idempotency_keys', 'settings', 'models']) {
        expect(tables[table]?.length, table).toBeGreaterThan(0)
      }
    } finally {
      await sqlite.destroy()
      await pg.close()
    }
  })

  it('does not use up heat-pump ids: batches of known heat pumps draw none (PostgreSQL ids are 32-bit)', async () => {
    const sqlite = await openSqliteRelational()
    const pg = await openPostgresStore({ url: await freshPostgresUrl() as string, poolSize: 2 })
    try {
      for (const db of [sqlite, pg.db]) {
        await ensureInstallation(db, 'i', 0)
        const refs = [{ key: 'hp-1', manufacturer: 'idm', model: 'm' }, { key: 'hp-2', manufacturer: 'idm', model: 'm' }]
        for (let batch = 0; batch < 5; batch++) await db.transaction().execute((trx) => upsertHeatPumps(trx, 'i', refs, { name: null, key: null }, batch, 8))
        const ids = await db.transaction().execute((trx) => upsertHeatPumps(trx, 'i', [...refs, { key: 'hp-3', manufacturer: 'idm', model: 'm' }], { name: null, key: null }, 9, 8))
        expect([...ids]).toEqual([['hp-1', 1], ['hp-2', 2], ['hp-3', 3]])
      }
    } finally {
      await sqlite.destroy()
      await pg.close()
    }
  })
})
