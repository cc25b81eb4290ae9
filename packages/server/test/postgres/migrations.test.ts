import { sql } from 'kysely'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { relationalMigrations } from '../../src/store/migrations.js'
import { openPostgresStore } from '../../src/store/postgres/open.js'
import { StoreUnavailableError } from '../../src/store/types.js'
import { freshPostgresUrl } from '../engines/postgres.js'
import { TcpProxy } from '../engines/tcp-proxy.js'
import { openSqliteRelational } from './sqlite-relational.js'

const available = (await freshPostgresUrl()) !== undefined
const MIGRATIONS = Object.keys(await relationalMigrations.getMigrations()).sort()

async function query<R extends pg.QueryResultRow> (url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<R>(text, values)).rows
  } finally {
    await client.end()
  }
}

describe.skipIf(!available)('PostgreSQL relational store: schema and migrations', () => {
  it('creates the same tables as SQLite, with 8-byte floats, an identity id and byte-order text', async () => {
    const url = await freshPostgresUrl() as string
    const store = await openPostgresStore({ url, poolSize: 2 })
    await store.close()
    const columns = await query<{ table_name: string, column_name: string, data_type: string, collation_name: string | null, is_identity: string }>(url,
      `select table_name, column_name, data_type, collation_name, is_identity from information_schema.columns
       where table_schema = 'public' and table_name not like 'heatpool_migrations%'`)
    const of = (t: string, c: string) => columns.find((r) => r.table_name === t && r.column_name === c)
    // The same tables and columns as the same migrations make on SQLite.
    const sqlite = await openSqliteRelational()
    const sqliteColumns = await sql<{ table_name: string, column_name: string }>`
      select m.name as table_name, p.name as column_name from sqlite_master m join pragma_table_info(m.name) p
      where m.type = 'table' and m.name not like 'heatpool_migrations%' and m.name not like 'sqlite_%'`.execute(sqlite)
    await sqlite.destroy()
    const names = (rows: readonly { table_name: string, column_name: string }[]) => rows.map((r) => `${r.table_name}.${r.column_name}`).sort()
    expect(names(columns)).toEqual(names(sqliteColumns.rows))
    expect(names(columns)).toContain('rollups_daily.heat_wh')
    // SQLite's REAL is an 8-byte float; PostgreSQL's real would be 4 bytes and round sums.
    for (const c of columns.filter((r) => r.table_name.startsWith('rollups_') && !['heat_pump_id', 'hour', 'day', 'outdoor_band'].includes(r.column_name))) {
      expect(c.data_type, `${c.table_name}.${c.column_name}`).toBe('double precision')
    }
    expect(of('heat_pumps', 'id')).toMatchObject({ data_type: 'integer', is_identity: 'YES' })
    expect(of('installations', 'samples_total')?.data_type).toBe('bigint')
    for (const c of columns.filter((r) => r.data_type === 'text')) expect(c.collation_name, `${c.table_name}.${c.column_name}`).toBe('C')
    expect(of('heat_pumps', 'last_sample_values')?.data_type).toBe('text')
  })

  it('is idempotent: opening again runs nothing twice', async () => {
    const url = await freshPostgresUrl() as string
    await (await openPostgresStore({ url, poolSize: 1 })).close()
    const first = await query<{ name: string }>(url, 'select name from heatpool_migrations order by name')
    await (await openPostgresStore({ url, poolSize: 1 })).close()
    expect(await query(url, 'select name from heatpool_migrations order by name')).toEqual(first)
    expect(first.map((r) => r.name)).toEqual(MIGRATIONS)
  })

  it('migrates once when several servers start together', async () => {
    const url = await freshPostgresUrl() as string
    // Each store has its own pool and lock session, as separate processes would.
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore({ url, poolSize: 2 })))
    await Promise.all(stores.map((s) => s.close()))
    const rows = await query<{ name: string }>(url, 'select name from heatpool_migrations order by name')
    expect(rows.map((r) => r.name)).toEqual(MIGRATIONS)
  })

  it('returns int8 and numeric results as numbers, as SQLite does', async () => {
    const url = await freshPostgresUrl() as string
    const store = await openPostgresStore({ url, poolSize: 2 })
    try {
      const now = Date.UTC(2026, 10, 27)
      await store.db.insertInto('installations').values({ id: 'a', created_at: now }).execute()
      await store.db.insertInto('pool_days').values([{ day: 1, samples: 2 ** 40 }, { day: 2, samples: 3 }]).execute()
      const row = await store.db.selectFrom('installations').select(['created_at', 'samples_total']).executeTakeFirstOrThrow()
      expect(row).toEqual({ created_at: now, samples_total: 0 })
      const agg = await store.db.selectFrom('pool_days').select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('samples').as('s'), eb.fn.avg('samples').as('a')]).executeTakeFirstOrThrow()
      expect(agg).toEqual({ n: 2, s: 2 ** 40 + 3, a: (2 ** 40 + 3) / 2 })
    } finally {
      await store.close()
    }
  })

  it('reports an unreachable server as StoreUnavailableError', async () => {
    // Port 1 on loopback: nothing listens there.
    await expect(openPostgresStore({ url: 'postgres://postgres@127.0.0.1:1/none', poolSize: 1, connectTimeoutMs: 1000 })).rejects.toBeInstanceOf(StoreUnavailableError)
  })

  it('answers StoreUnavailableError while the server is down, and recovers without reopening', async () => {
    const url = new URL(await freshPostgresUrl() as string)
    const proxy = new TcpProxy(url.hostname, Number(url.port || 5432))
    url.port = String(await proxy.start())
    const warnings: string[] = []
    const store = await openPostgresStore({ url: url.href, poolSize: 2, connectTimeoutMs: 1000, log: { warn: (_o, msg) => { warnings.push(msg) } } })
    try {
      await store.ping()
      await proxy.stop() // idle pool connections break; new ones are refused
      await expect(store.ping()).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(store.transaction((trx) => trx.selectFrom('settings').selectAll().execute())).rejects.toBeInstanceOf(StoreUnavailableError)
      await expect(store.db.selectFrom('settings').selectAll().execute()).rejects.toBeInstanceOf(StoreUnavailableError)
      // The broken idle connection was reported, not thrown (it would have ended the process).
      expect(warnings.length).toBeGreaterThan(0)
      await proxy.start()
      await store.ping()
      expect(await sql<{ one: number }>`select 1 as one`.execute(store.db)).toMatchObject({ rows: [{ one: 1 }] })
    } finally {
      await store.close()
      await proxy.stop()
    }
  })
})
