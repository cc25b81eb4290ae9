import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { authenticate, authSettings, type Principal } from '../auth/principal.js'
import { generateToken, hashToken } from '../auth/tokens.js'
import type { Config } from '../config.js'
import { httpError } from '../errors.js'
import { getSetting, setSetting } from '../store/settings.js'
import type { Store } from '../store/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Resolves (once per request) who the request acts as; throws 401/403 as upstream. */
    principalOf (request: FastifyRequest): Promise<Principal>
    /** preHandler for admin routes. */
    requireAdmin: preHandlerAsyncHookHandler
  }
  interface FastifyRequest {
    principal?: Principal
  }
}

export interface AuthPluginOptions {
  readonly config: Config
  readonly store: Store
  /** Prints a one-time message to the operator (the generated admin token). */
  readonly announce: (message: string) => void
}

const ADMIN_TOKEN_SETTING = 'admin_token_sha256'

/**
 * The admin token's hash: from `ADMIN_TOKEN`, else the one generated on an earlier start, else a
 * new token that is announced once and only its hash kept.
 */
async function adminTokenHash (opts: AuthPluginOptions): Promise<string> {
  if (opts.config.ADMIN_TOKEN !== '') return hashToken(opts.config.ADMIN_TOKEN)
  const stored = await getSetting(opts.store.db, ADMIN_TOKEN_SETTING)
  if (stored !== undefined) return stored
  const token = generateToken('hpa')
  const hash = hashToken(token)
  await setSetting(opts.store.db, ADMIN_TOKEN_SETTING, hash)
  opts.announce(`heatpool: generated the admin token (shown once, only its hash is kept; set ADMIN_TOKEN to choose your own):\n  ${token}`)
  return hash
}

export default fp(async function authPlugin (app: FastifyInstance, opts: AuthPluginOptions) {
  const settings = authSettings(opts.config, await adminTokenHash(opts))

  app.decorateRequest('principal', undefined)
  app.decorate('principalOf', async function (request: FastifyRequest): Promise<Principal> {
    request.principal ??= await authenticate(opts.store.db, settings, request.headers.authorization)
    return request.principal
  })
  app.decorate('requireAdmin', async function (request: FastifyRequest) {
    const principal = await app.principalOf(request)
    if (principal.kind !== 'admin') throw httpError('HP_ERR_ADMIN_REQUIRED')
  })
}, { name: 'auth' })
