import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll } from 'vitest'

/**
 * Fresh PostgreSQL databases for tests, on the machine's server.
 *
 * `HEATPOOL_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`) names a
 * database to connect to as a user allowed to CREATE DATABASE. Each `freshPostgresUrl()` call
 * creates `heatpool_test_<time>_<random>` and returns its URL. Cleanup: every database a test
 * file created is dropped (`WITH (FORCE)`, so pools left open do not block it) in an `afterAll`
 * of that file, registered when this module is imported; databases of crashed runs are swept
 * by the next run once they are more than six hours old (their name carries their creation time).
 *
 * When PostgreSQL is unreachable the result is undefined (tests skip), unless
 * `HEATPOOL_REQUIRE_ENGINES=1` (CI): then it throws, because a missing engine must fail CI.
 */
export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test'

const PREFIX = 'heatpool_test_'
const STALE_MS = 6 * 3600_000

const created: string[] = []
let swept = false

function baseUrl (): string {
  const url = process.env.HEATPOOL_TEST_DATABASE_URL
  return url === undefined || url === '' ? DEFAULT_TEST_DATABASE_URL : url
}

function engineRequired (): boolean {
  return process.env.HEATPOOL_REQUIRE_ENGINES === '1'
}

/** The URL without its password, for messages. */
function redacted (url: string): string {
  const u = new URL(url)
  if (u.password !== '') u.password = '***'
  return u.href
}

async function withAdminClient<T> (fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl(), connectionTimeoutMillis: 3000 })
  client.on('error', () => {})
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}

export interface FreshDatabaseOptions {
  /**
   * An ICU locale (`en-US`) for the database's default collation, to check that results do not
   * depend on the server's locale; default: the server's default (often C.UTF-8).
   */
  readonly icuLocale?: string
}

/** A fresh, empty database's URL; undefined when PostgreSQL is unreachable and not required. */
export async function freshPostgresUrl (options: FreshDatabaseOptions = {}): Promise<string | undefined> {
  const name = `${PREFIX}${Date.now().toString(36)}_${randomBytes(6).toString('hex')}`
  try {
    await withAdminClient(async (client) => {
      if (!swept) {
        swept = true
        await sweepStale(client)
      }
      const locale = options.icuLocale === undefined ? '' : ` template template0 locale_provider icu icu_locale '${options.icuLocale.replace(/'/g, "''")}'`
      await client.query(`create database "${name}"${locale}`)
    })
  } catch (err) {
    if (engineRequired()) {
      throw new Error(`HEATPOOL_REQUIRE_ENGINES=1 but cannot create a test database on PostgreSQL at ${redacted(baseUrl())} (set HEATPOOL_TEST_DATABASE_URL): ${(err as Error).message}`, { cause: err })
    }
    return undefined
  }
  created.push(name)
  const url = new URL(baseUrl())
  url.pathname = `/${name}`
  return url.href
}

/** Drops every database this module created so far. */
export async function dropFreshPostgresDatabases (): Promise<void> {
  if (created.length === 0) return
  const names = created.splice(0)
  await withAdminClient(async (client) => {
    for (const name of names) await client.query(`drop database if exists "${name}" with (force)`)
  })
}

async function sweepStale (client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [`${PREFIX}%`])
  for (const { datname } of rows) {
    const born = parseInt(datname.slice(PREFIX.length).split('_')[0] ?? '', 36)
    if (Number.isFinite(born) && Date.now() - born > STALE_MS) {
      await client.query(`drop database if exists "${datname}" with (force)`).catch(() => {})
    }
  }
}

afterAll(dropFreshPostgresDatabases)
