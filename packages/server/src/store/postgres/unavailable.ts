import type { PostgresPool, PostgresPoolClient } from 'kysely'
import type pg from 'pg'
import { StoreUnavailableError } from '../types.js'

/** Socket errors that mean the server cannot be reached (or went away). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'])

/** SQLSTATEs of a server that cannot serve now: 57P01–03 shutting down / starting, 53300 too many connections. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300'])

/** pg's own messages for a lost or never established connection. */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'is not queryable',
  'Client was closed',
]

/** Whether `err` says PostgreSQL cannot be reached or cannot serve now (rather than that a query is wrong). */
export function isUnavailable (err: unknown): boolean {
  if (!(err instanceof Error)) return false
  if (err instanceof StoreUnavailableError) return true
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))) return true
  if (CONNECTION_MESSAGES.some((m) => err.message.includes(m))) return true
  // Connecting to several addresses (localhost: ::1 and 127.0.0.1) fails with an AggregateError.
  return err instanceof AggregateError && err.errors.some(isUnavailable)
}

/** `err` as a StoreUnavailableError when it is a connection failure; otherwise unchanged. */
export function asUnavailable (err: unknown): unknown {
  if (err instanceof StoreUnavailableError || !isUnavailable(err)) return err
  const reason = err instanceof Error ? err.message || (err as { code?: string }).code || err.name : String(err)
  return new StoreUnavailableError(`cannot reach PostgreSQL: ${reason}`, { cause: err })
}

/**
 * The pg pool as Kysely's driver sees it, with connection failures — when connecting or during a
 * query — rethrown as `StoreUnavailableError`, so routes answer 503 with Retry-After instead of 500.
 */
export class UnavailableMappingPool implements PostgresPool {
  readonly #pool: pg.Pool
  readonly #clients = new WeakMap<pg.PoolClient, PostgresPoolClient>()

  constructor (pool: pg.Pool) {
    this.#pool = pool
  }

  async connect (): Promise<PostgresPoolClient> {
    let client: pg.PoolClient
    try {
      client = await this.#pool.connect()
    } catch (err) {
      throw asUnavailable(err)
    }
    let wrapped = this.#clients.get(client)
    if (wrapped === undefined) {
      // Kysely keeps one connection object per client: hand it the same wrapper every time.
      wrapped = {
        query: ((text: string, values: readonly unknown[]) => client.query(text, [...values]).catch((err: unknown) => {
          throw asUnavailable(err)
        })) as unknown as PostgresPoolClient['query'],
        release: (destroy?: boolean) => { client.release(destroy) },
      }
      this.#clients.set(client, wrapped)
    }
    return wrapped
  }

  end (): Promise<void> {
    return this.#pool.end()
  }
}
