import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { ERRORS, HttpError, type ErrorCode } from '../errors.js'
import { StoreUnavailableError } from '../store/types.js'

/** Fastify's and its plugins' own error codes, mapped to ours. */
const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'HP_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'HP_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'HP_ERR_INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'HP_ERR_INVALID_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'HP_ERR_INVALID_JSON',
  FST_CP_ERR_INVALID_CONTENT_ENCODING: 'HP_ERR_UNSUPPORTED_ENCODING',
  FST_CP_ERR_INVALID_CONTENT: 'HP_ERR_BAD_ENCODING',
}

/** PostgreSQL SQLSTATEs of an engine that cannot serve now: connection exceptions, insufficient resources, operator intervention, lock wait timeout. */
const PG_UNAVAILABLE = /^(08|53|57P|55P03$)/
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'])

/**
 * Failures of the storage engine itself (disk full, I/O error, locked or closed database) are
 * worth a retry: they answer 503 with Retry-After, never a 500 that hides the cause and never
 * a 2xx (nothing was committed: the transaction rolled back).
 */
export function isStoreFailure (err: unknown): boolean {
  if (!(err instanceof Error)) return false
  if (err instanceof StoreUnavailableError) return true
  const code = (err as Error & { code?: unknown }).code
  if (typeof code === 'string' && (code.startsWith('SQLITE_') || PG_UNAVAILABLE.test(code) || NETWORK_CODES.has(code))) return true
  return /database connection is not open|driver has already been destroyed|Connection terminated/i.test(err.message)
}

/**
 * Fastify's `frameworkErrors`: a URL the router cannot decode (`%zz`) or a path parameter over
 * `maxParamLength` is answered before any route or error handler runs; without this hook its
 * body is Fastify's own `{error, code: "FST_ERR_…"}`, not ours (found by the fuzz tests).
 */
export function frameworkErrors (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const code: ErrorCode = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'HP_ERR_URI_TOO_LONG' : 'HP_ERR_BAD_REQUEST'
  reply.code(ERRORS[code].status).send({ code, detail: code === 'HP_ERR_URI_TOO_LONG' ? ERRORS[code].message : 'cannot read URL: it is not valid percent-encoding' })
}

/**
 * One error handler: every error answers `{code, detail}` with a stable code. 5xx answers hide
 * their cause (it is logged); 4xx answers say what was wrong.
 */
export default fp(async function errorsPlugin (app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      if (error.statusCode >= 500) request.log.error({ err: error.cause ?? error }, error.message)
      return reply.code(error.statusCode).headers(error.headers).send({ code: error.code, detail: error.message })
    }
    if (error.validation !== undefined) {
      const context = error.validationContext ?? 'request'
      return reply.code(ERRORS.HP_ERR_VALIDATION.status).send({
        code: 'HP_ERR_VALIDATION',
        detail: `cannot validate ${context}: ${error.message}`,
        errors: error.validation.map((v) => ({ path: `${context}${v.instancePath}`, message: v.message ?? 'invalid' })),
      })
    }
    const mapped = error.code === undefined ? undefined : FRAMEWORK_CODES[error.code]
    if (mapped !== undefined) {
      return reply.code(ERRORS[mapped].status).send({ code: mapped, detail: `${ERRORS[mapped].message} (${error.message})` })
    }
    if (isStoreFailure(error)) {
      request.log.error({ err: error }, 'store failure')
      return reply.code(503).header('retry-after', '30').send({ code: 'HP_ERR_STORE_UNAVAILABLE', detail: `${ERRORS.HP_ERR_STORE_UNAVAILABLE.message}: retry later` })
    }
    if (error instanceof SyntaxError) {
      return reply.code(400).send({ code: 'HP_ERR_INVALID_JSON', detail: `cannot parse body: ${error.message}` })
    }
    const status = error.statusCode ?? 500
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ code: 'HP_ERR_BAD_REQUEST', detail: error.message })
    }
    request.log.error({ err: error }, 'request failed')
    return reply.code(500).send({ code: 'HP_ERR_INTERNAL', detail: ERRORS.HP_ERR_INTERNAL.message })
  })

  app.setNotFoundHandler({ preHandler: app.ipRateLimit }, (request, reply) => {
    reply.code(404).send({ code: 'HP_ERR_NOT_FOUND', detail: `cannot find route ${request.method} ${request.url.split('?')[0]}` })
  })
}, { name: 'errors', dependencies: ['rate-limit'] })
