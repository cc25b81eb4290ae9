import type { Kysely, Selectable } from 'kysely'
import type { Database, InstallationsTable } from './schema.js'

export type Installation = Selectable<InstallationsTable>

export async function findInstallation (db: Kysely<Database>, id: string): Promise<Installation | undefined> {
  return db.selectFrom('installations').selectAll().where('id', '=', id).executeTakeFirst()
}

/** The installation a token names; a revoked one names none (its hash is dropped too, this is the backstop). */
export async function findInstallationByTokenHash (db: Kysely<Database>, tokenHash: string): Promise<Installation | undefined> {
  return db.selectFrom('installations').selectAll().where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).executeTakeFirst()
}

export interface InstallationProfile {
  readonly manufacturer?: string | null
  readonly modelName?: string | null
  readonly modelKey?: string | null
}

/** Creates the installation if it does not exist (legacy uploads create installations implicitly). */
export async function ensureInstallation (db: Kysely<Database>, id: string, nowMs: number, profile: InstallationProfile = {}): Promise<void> {
  await db.insertInto('installations')
    .values({
      id,
      created_at: nowMs,
      manufacturer: profile.manufacturer ?? null,
      model_name: profile.modelName ?? null,
      model_key: profile.modelKey ?? null,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute()
}

export interface Registration extends InstallationProfile {
  readonly id: string
  readonly tokenHash: string
  readonly consentVersion: string
}

/**
 * Registers a new installation, or claims one known only from legacy uploads (no token yet).
 * Returns `created`, `claimed`, `exists` when the id already has a token, or `revoked` when an
 * admin revoked it (nothing changed for either).
 */
export async function registerInstallation (db: Kysely<Database>, reg: Registration, nowMs: number): Promise<'created' | 'claimed' | 'exists' | 'revoked'> {
  return db.transaction().execute(async (trx) => {
    const existing = await findInstallation(trx, reg.id)
    // Checked in the transaction that would claim the id, so a revocation cannot slip between.
    if (existing?.revoked_at != null) return 'revoked'
    if (existing?.token_hash != null) return 'exists'
    const profile = {
      token_hash: reg.tokenHash,
      registered_at: nowMs,
      consent_version: reg.consentVersion,
      manufacturer: reg.manufacturer ?? existing?.manufacturer ?? null,
      model_name: reg.modelName ?? existing?.model_name ?? null,
      model_key: reg.modelKey ?? existing?.model_key ?? null,
    }
    if (existing === undefined) {
      await trx.insertInto('installations').values({ id: reg.id, created_at: nowMs, ...profile }).execute()
      return 'created'
    }
    await trx.updateTable('installations').set(profile).where('id', '=', reg.id).execute()
    return 'claimed'
  })
}

export interface SubmissionStats {
  readonly receivedAt: number
  readonly stored: number
  readonly lastSampleTs: number | null
  readonly modelName: string | null
  readonly modelKey: string | null
}

/** Updates what the ledger keeps about an installation after an accepted submission. */
export async function recordSubmission (db: Kysely<Database>, id: string, stats: SubmissionStats): Promise<void> {
  await db.updateTable('installations')
    .set((eb) => ({
      // Migrated history (heatpool-admin migrate-legacy) arrives after live uploads: never move these back.
      first_seen_at: eb.case().when('first_seen_at', '<', stats.receivedAt).then(eb.ref('first_seen_at')).else(stats.receivedAt).end(),
      last_seen_at: eb.case().when('last_seen_at', '>', stats.receivedAt).then(eb.ref('last_seen_at')).else(stats.receivedAt).end(),
      samples_total: eb('samples_total', '+', stats.stored),
      last_sample_ts: stats.lastSampleTs === null
        ? eb.ref('last_sample_ts')
        : eb.case().when('last_sample_ts', '>', stats.lastSampleTs).then(eb.ref('last_sample_ts')).else(stats.lastSampleTs).end(),
      // The latest model name an upload names wins; a missing name never erases a known one.
      model_name: stats.modelName === null ? eb.ref('model_name') : eb.val(stats.modelName),
      model_key: stats.modelName === null ? eb.ref('model_key') : eb.val(stats.modelKey),
    }))
    .where('id', '=', id)
    .execute()
}

export async function listInstallations (db: Kysely<Database>, limit: number, offset: number): Promise<Installation[]> {
  return db.selectFrom('installations').selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute()
}

export async function countInstallations (db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('installations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

/**
 * Replaces a registered installation's token (and consent and profile), e.g. after a leak.
 * Returns false when an admin revoked the installation meanwhile (nothing changed): a rotation
 * authorised just before the revocation must not hand the old token's holder a new one.
 */
export async function rotateInstallationToken (db: Kysely<Database>, reg: Registration, nowMs: number): Promise<boolean> {
  const res = await db.updateTable('installations').set((eb) => ({
    token_hash: reg.tokenHash,
    registered_at: nowMs,
    consent_version: reg.consentVersion,
    manufacturer: reg.manufacturer ?? eb.ref('manufacturer'),
    model_name: reg.modelName ?? eb.ref('model_name'),
    model_key: reg.modelName == null ? eb.ref('model_key') : eb.val(reg.modelKey ?? null),
  })).where('id', '=', reg.id).where('revoked_at', 'is', null).executeTakeFirst()
  return Number(res.numUpdatedRows) > 0
}

/**
 * Revokes an installation for good: its token is dropped, so requests with it are refused like
 * any unknown token's, and `revoked_at` is set, so its id can be neither registered (claimed
 * with a new token) nor written with the shared token or openly: whoever stole the token knows
 * the id too (it is in every upload). The data stays. Works on an installation known only from
 * legacy uploads as well. Returns whether it was revoked now (false: it already was), or
 * undefined when there is no such installation.
 */
export async function revokeInstallation (db: Kysely<Database>, id: string, nowMs: number): Promise<boolean | undefined> {
  const res = await db.updateTable('installations').set({ token_hash: null, revoked_at: nowMs })
    .where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst()
  if (Number(res.numUpdatedRows) > 0) return true
  return (await findInstallation(db, id)) === undefined ? undefined : false
}

/**
 * Undoes a revocation: the installation stays without a token, and registering its id claims
 * it again, as for an id known only from legacy uploads. Returns whether it was revoked, or
 * undefined when there is no such installation.
 */
export async function reinstateInstallation (db: Kysely<Database>, id: string): Promise<boolean | undefined> {
  const res = await db.updateTable('installations').set({ revoked_at: null })
    .where('id', '=', id).where('revoked_at', 'is not', null).executeTakeFirst()
  if (Number(res.numUpdatedRows) > 0) return true
  return (await findInstallation(db, id)) === undefined ? undefined : false
}

/** Deletes an installation and everything keyed to it (heat pumps and ledger cascade). */
export async function deleteInstallation (db: Kysely<Database>, id: string): Promise<boolean> {
  await db.deleteFrom('idempotency_keys').where('installation_id', '=', id).execute()
  const res = await db.deleteFrom('installations').where('id', '=', id).executeTakeFirst()
  return Number(res.numDeletedRows) > 0
}
