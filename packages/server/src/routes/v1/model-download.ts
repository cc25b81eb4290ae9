import { ErrorResponseSchema, parseHeatPumpModel, parseInstallationId } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { eligibilityOf } from '../../community/eligibility.js'
import { REASON_POOL_NOT_READY, reasonNotEligible } from '../../community/pool-messages.js'
import { httpError } from '../../errors.js'

/**
 * `GET /api/v1/model/download`: the community model file for an eligible installation. The
 * installation comes from its token (old clients send no `installation_id`: upstream.md §1.4
 * item 9), or from `installation_id` with the shared token or in open legacy mode. Unlike
 * upstream it also requires a sufficient pool (§8 S13), and it picks the model of the
 * installation's heat pump when the client names none (old clients never do).
 */
const modelDownloadRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/model/download', {
    onRequest: [app.ipRateLimit, async (request) => { await app.principalOf(request) }],
    schema: {
      tags: ['community'],
      summary: 'Download the community model (eligible installations only)',
      querystring: Type.Object({
        installation_id: Type.Optional(Type.String({ maxLength: 64, description: 'Required with the shared token; optional with an installation token' })),
        model: Type.Optional(Type.String({ maxLength: 400, description: 'Heat-pump model name; defaults to the installation\'s' })),
      }),
      response: {
        200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary', description: 'The model file (.enc); headers X-Model-Hash, X-Model-Name, ETag' }),
        304: Type.Null({ description: 'If-None-Match matched the current model' }),
        400: ErrorResponseSchema,
        401: ErrorResponseSchema,
        403: ErrorResponseSchema,
        404: ErrorResponseSchema,
        422: ErrorResponseSchema,
        429: ErrorResponseSchema,
      },
    },
  }, async (request, reply) => {
    const principal = await app.principalOf(request)
    const { query } = request
    const given = query.installation_id === undefined ? undefined : parseInstallationId(query.installation_id)
    if (given === null) throw httpError('HP_ERR_BAD_INSTALLATION_ID')
    const requested = query.model === undefined ? undefined : parseHeatPumpModel(query.model)
    if (typeof requested === 'string') throw httpError('HP_ERR_BAD_MODEL_NAME')

    let installationId: string | undefined
    if (principal.kind === 'installation') {
      if (given !== undefined && given !== principal.installationId) {
        throw httpError('HP_ERR_WRONG_INSTALLATION', `cannot download for installation ${given}: the token belongs to another installation`)
      }
      installationId = principal.installationId
    } else if (principal.kind === 'admin') {
      installationId = given
    } else {
      if (given === undefined) throw httpError('HP_ERR_VALIDATION', 'cannot validate querystring: installation_id is required without an installation token')
      installationId = given
    }
    if (installationId !== undefined) await app.limitInstallation(request, installationId)

    const { config } = app
    let modelKey = requested?.key ?? null
    if (principal.kind !== 'admin' || installationId !== undefined) {
      const pool = await app.poolStatus.get()
      const standing = installationId === undefined
        ? undefined
        : await eligibilityOf(app.store.db, installationId, app.clock(), { requiredDays: config.ELIGIBILITY_DAYS, recentDays: config.ELIGIBILITY_RECENT_DAYS })
      if (principal.kind !== 'admin') {
        if (!pool.data_sufficient) throw httpError('HP_ERR_POOL_NOT_READY', REASON_POOL_NOT_READY.en)
        if (standing?.eligible !== true) throw httpError('HP_ERR_NOT_ELIGIBLE', reasonNotEligible(config.ELIGIBILITY_DAYS).en)
      }
      if (requested === undefined) modelKey = standing?.modelKey ?? null
    }

    const model = await app.models.forHeatPumpModel(modelKey)
    if (model === undefined) throw httpError('HP_ERR_NO_MODEL')
    const etag = `"${model.sha256}"`
    reply.header('etag', etag).header('x-model-hash', model.sha256).header('x-model-name', model.name)
    const ifNoneMatch = request.headers['if-none-match']
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
      return reply.code(304).send(null)
    }
    return reply
      .type('application/octet-stream')
      .header('content-length', String(model.size_bytes))
      .header('content-disposition', `attachment; filename="${encodeURIComponent(model.filename)}"`)
      .send(app.models.openStream(model) as unknown as Buffer) // streamed as is; the schema documents the body
  })
}

export default modelDownloadRoutes
