import { createHash } from 'node:crypto'
import { type Kysely, sql } from 'kysely'

/**
 * Advisory locks of heatpool. All use the two-key form `(namespace, key)`, which PostgreSQL keeps
 * apart from single-bigint advisory locks (such as Kysely's own migration lock), and a namespace
 * of its own per purpose, so they cannot collide with each other or with other applications'
 * two-key locks that pick other namespaces.
 */
export const LOCK_NAMESPACE = {
  /** 'hpli': one installation's ingest (key: hash of the installation id). */
  installation: 0x68706c69,
  /** 'hplm': the relational migrations (key 0). */
  migrations: 0x68706c6d,
} as const

/** A 32-bit signed key for a string: the first 4 bytes of its SHA-256. Different ids may share a key; that only serialises them. */
export function lockKey (value: string): number {
  return createHash('sha256').update(value).digest().readInt32BE(0)
}

/**
 * Waits for, and holds until the transaction ends, the advisory lock of one installation: no two
 * transactions (of any process) hold the same installation at once. Throws outside a transaction,
 * where the lock would be released at once.
 */
export async function lockInstallation<DB> (trx: Kysely<DB>, installationId: string): Promise<void> {
  if (!trx.isTransaction) throw new Error('cannot lock an installation outside a transaction')
  // A transaction stuck while holding the installation must not make its next batches wait for
  // ever: past this, the batch fails with SQLSTATE 55P03 and answers 503 (the client retries).
  await sql`set local lock_timeout = '30s'`.execute(trx)
  await sql`select pg_advisory_xact_lock(cast(${LOCK_NAMESPACE.installation} as integer), cast(${lockKey(installationId)} as integer))`.execute(trx)
}
