import {
  ErrorResponseSchema,
  parseHeatPumpModel,
  parseInstallationId,
  SubmitPayloadSchema,
  SubmitResponseSchema,
  MAX_MODEL_NAME_LENGTH,
} from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { httpError } from '../../errors.js'
import { findInstallation } from '../../store/installations.js'

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/

const MODEL_NAME_ERRORS = {
  not_a_string: 'cannot accept heatpump_model: it must be a string or null',
  too_long: `cannot accept heatpump_model: longer than ${MAX_MODEL_NAME_LENGTH} characters`,
  control_characters: 'cannot accept heatpump_model: it contains control characters',
} as const

/**
 * `POST /api/v1/submit`, wire-compatible with every upstream logger generation
 * (upstream.md §1.1–1.2) and fixing what upstream lost: nested v2 data, enum objects, names
 * with `/` or umlauts, retries.
 */
const submitRoutes: FastifyPluginAsyncTypebox<{ bodyLimit: number }> = async (app, opts) => {
  app.post('/api/v1/submit', {
    bodyLimit: opts.bodyLimit,
    // Authentication comes before the body is read (upstream: 401 beats 422).
    onRequest: [app.ipRateLimit, async (request) => { await app.principalOf(request) }],
    schema: {
      tags: ['ingest'],
      summary: 'Submit a batch of telemetry records (v1 flat or v2 nested)',
      description: 'Bearer token: an installation token, the shared AUTH_TOKEN, or none with LEGACY_OPEN_INGEST. ' +
        'Optional `Idempotency-Key` header; without it a retry of the same body is recognised by its hash. ' +
        '`Content-Encoding: gzip` is accepted.',
      body: SubmitPayloadSchema,
      response: {
        200: SubmitResponseSchema,
        400: ErrorResponseSchema,
        401: ErrorResponseSchema,
        403: ErrorResponseSchema,
        409: ErrorResponseSchema,
        413: ErrorResponseSchema,
        415: ErrorResponseSchema,
        422: ErrorResponseSchema,
        429: ErrorResponseSchema,
        500: ErrorResponseSchema,
        503: ErrorResponseSchema,
      },
    },
  }, async (request, reply) => {
    const payload = request.body
    const principal = await app.principalOf(request)
    const installationId = parseInstallationId(payload.installation_id)
    if (installationId === null) {
      throw httpError('HP_ERR_INVALID_INSTALLATION_ID', `cannot accept installation_id ${JSON.stringify(payload.installation_id)}: it must be a UUID`)
    }
    await app.limitInstallation(request, installationId)

    if (principal.kind === 'admin') throw httpError('HP_ERR_INVALID_TOKEN', 'cannot submit with the admin token: use an installation token')
    if (principal.kind === 'installation' && principal.installationId !== installationId) {
      throw httpError('HP_ERR_WRONG_INSTALLATION', `cannot write installation ${installationId}: the token belongs to another installation`)
    }
    if (principal.kind === 'shared' || principal.kind === 'open') {
      const known = await findInstallation(app.store.db, installationId)
      // An installation token names its own installation, and a revoked one has none left; these
      // modes name the installation by the body only, so a revoked id must be refused here.
      if (known?.revoked_at != null) {
        throw httpError('HP_ERR_INSTALLATION_REVOKED', `cannot write installation ${installationId}: an admin revoked it; register a new installation id, or ask the server operator`)
      }
      if (known?.token_hash != null) {
        const message = `cannot write installation ${installationId}: it is registered, send its own token`
        if (principal.kind === 'shared') throw httpError('HP_ERR_INSTALLATION_REGISTERED', message)
        throw httpError(principal.presentedToken ? 'HP_ERR_INVALID_TOKEN' : 'HP_ERR_MISSING_AUTH', message)
      }
    }

    const model = parseHeatPumpModel(payload.heatpump_model)
    if (typeof model === 'string') throw httpError('HP_ERR_INVALID_MODEL_NAME', MODEL_NAME_ERRORS[model])

    const idempotencyKey = request.headers['idempotency-key']
    if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(idempotencyKey))) {
      throw httpError('HP_ERR_INVALID_IDEMPOTENCY_KEY')
    }

    const outcome = await app.submitService.submit({
      installationId,
      model,
      data: payload.data,
      bodyHash: request.bodyHash ?? '',
      idempotencyKey,
      receivedAt: app.clock(),
    })
    if (outcome.replayed) reply.header('idempotent-replayed', 'true')
    return reply.code(outcome.statusCode as 200).send(outcome.body)
  })
}

export default submitRoutes
