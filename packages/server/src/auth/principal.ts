import type { Kysely } from 'kysely'
import type { Config } from '../config.js'
import { httpError } from '../errors.js'
import { findInstallationByTokenHash } from '../store/installations.js'
import type { Database } from '../store/schema.js'
import { bearerToken, hashToken, secretsEqual } from './tokens.js'

/** Who a request acts as; the installation comes from the credential only, never the body. */
export type Principal =
  | { readonly kind: 'installation', readonly installationId: string }
  /** The upstream shared `AUTH_TOKEN` (compatibility mode). */
  | { readonly kind: 'shared' }
  /**
   * No usable token, accepted because `LEGACY_OPEN_INGEST` is on (compatibility mode). Like
   * upstream with an empty AUTH_TOKEN, a header with an unknown token is then ignored: loggers
   * keep a configured token after a server switch, and they never retry a refused batch.
   */
  | { readonly kind: 'open', readonly presentedToken: boolean }
  | { readonly kind: 'admin' }

export interface AuthSettings {
  readonly sharedToken: string
  readonly openIngest: boolean
  /** sha256 of the admin token. */
  readonly adminTokenHash: string
}

export function authSettings (config: Config, adminTokenHash: string): AuthSettings {
  return { sharedToken: config.AUTH_TOKEN, openIngest: config.LEGACY_OPEN_INGEST, adminTokenHash }
}

/**
 * Resolves an `Authorization` header as upstream did for its statuses (401 when missing,
 * 403 for a wrong scheme or token) and adds per-installation and admin tokens.
 */
export async function authenticate (db: Kysely<Database>, settings: AuthSettings, header: string | undefined): Promise<Principal> {
  const token = bearerToken(header)
  if (token === undefined) {
    if (settings.openIngest) return { kind: 'open', presentedToken: false }
    throw httpError('HP_ERR_MISSING_AUTH')
  }
  if (token === null) {
    if (settings.openIngest) return { kind: 'open', presentedToken: true }
    throw httpError('HP_ERR_INVALID_TOKEN')
  }
  const hash = hashToken(token)
  if (secretsEqual(hash, settings.adminTokenHash)) return { kind: 'admin' }
  const installation = await findInstallationByTokenHash(db, hash)
  if (installation !== undefined) return { kind: 'installation', installationId: installation.id }
  if (settings.sharedToken !== '' && secretsEqual(token, settings.sharedToken)) return { kind: 'shared' }
  if (settings.openIngest) return { kind: 'open', presentedToken: true }
  throw httpError('HP_ERR_INVALID_TOKEN')
}
