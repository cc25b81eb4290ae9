import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Principal } from '../../auth/principal.js'
import { HttpError, httpError } from '../../errors.js'

/**
 * The principal of a community analytics request. A wrong token is a 401 (as on community
 * averages); no Authorization header at all is `undefined` when the route is public.
 */
export async function callerOf (app: FastifyInstance, request: FastifyRequest, optional: boolean): Promise<Principal | undefined> {
  if (optional && request.headers.authorization === undefined) return undefined
  return app.principalOf(request).catch((err: unknown) => {
    throw err instanceof HttpError && err.code === 'HP_ERR_INVALID_TOKEN' ? httpError('HP_ERR_TOKEN_REJECTED') : err
  })
}
