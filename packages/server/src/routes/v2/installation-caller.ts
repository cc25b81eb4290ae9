import type { FastifyInstance, FastifyRequest } from 'fastify'
import { HttpError, httpError } from '../../errors.js'

/**
 * The installation a `/api/v2/installations/me…` request acts for. Only an installation token
 * names one, and only its own: an unknown token is a 401 (`HP_ERR_TOKEN_REJECTED`), any other
 * credential (admin, shared, none) a 401 too (`HP_ERR_INSTALLATION_TOKEN_REQUIRED`), since no
 * installation is identified. There is no parameter naming another installation to get wrong.
 */
export async function callingInstallation (app: FastifyInstance, request: FastifyRequest): Promise<string> {
  const principal = await app.principalOf(request).catch((err: unknown) => {
    throw err instanceof HttpError && err.code === 'HP_ERR_INVALID_TOKEN' ? httpError('HP_ERR_TOKEN_REJECTED') : err
  })
  if (principal.kind !== 'installation') throw httpError('HP_ERR_INSTALLATION_TOKEN_REQUIRED')
  return principal.installationId
}
