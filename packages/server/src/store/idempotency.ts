import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

export interface StoredResponse {
  readonly bodyHash: string
  readonly statusCode: number
  readonly response: string
}

export async function findResponse (db: Kysely<Database>, keyHash: string, notBefore: number): Promise<StoredResponse | undefined> {
  const row = await db.selectFrom('idempotency_keys').select(['body_hash', 'status_code', 'response'])
    .where('key_hash', '=', keyHash).where('created_at', '>=', notBefore).executeTakeFirst()
  return row && { bodyHash: row.body_hash, statusCode: row.status_code, response: row.response }
}

export async function saveResponse (
  db: Kysely<Database>,
  entry: { keyHash: string, installationId: string, bodyHash: string, statusCode: number, response: string, createdAt: number },
): Promise<void> {
  await db.insertInto('idempotency_keys').values({
    key_hash: entry.keyHash,
    installation_id: entry.installationId,
    body_hash: entry.bodyHash,
    status_code: entry.statusCode,
    response: entry.response,
    created_at: entry.createdAt,
  }).onConflict((oc) => oc.column('key_hash').doUpdateSet((eb) => ({
    body_hash: eb.ref('excluded.body_hash'),
    status_code: eb.ref('excluded.status_code'),
    response: eb.ref('excluded.response'),
    created_at: eb.ref('excluded.created_at'),
  }))).execute()
}

export async function pruneResponses (db: Kysely<Database>, before: number): Promise<number> {
  const res = await db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst()
  return Number(res.numDeletedRows)
}
