import { ErrorResponseSchema, ModelRemovedSchema, ModelUploadResultSchema, type ModelUploadResult } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { httpError } from '../../errors.js'
import { logSyncReport } from '../../models/plugin.js'
import { ModelRegistryError, type RegisteredModel } from '../../models/registry.js'

/** Largest model upload. Upstream models are a few hundred KiB; this leaves room for bigger forests. */
export const MODEL_BODY_LIMIT = 64 * 1024 * 1024

const errors = {
  400: ErrorResponseSchema,
  401: ErrorResponseSchema,
  403: ErrorResponseSchema,
  404: ErrorResponseSchema,
  413: ErrorResponseSchema,
  415: ErrorResponseSchema,
  422: ErrorResponseSchema,
  429: ErrorResponseSchema,
}

function uploadResult (m: RegisteredModel): ModelUploadResult {
  return {
    name: m.name,
    filename: m.filename,
    heatpump_model_key: m.model_key,
    version: m.version,
    sha256: m.sha256,
    size_bytes: Number(m.size_bytes),
    created: new Date(Number(m.created_at)).toISOString(),
  }
}

/**
 * Operator routes of the model registry: upload (a new version under the upstream file name),
 * removal, and a re-scan of MODEL_DIR for files dropped there by other tools. The raw-body
 * parser is registered in this plugin's scope only; everywhere else bodies stay JSON.
 */
const adminModelRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.ipRateLimit)
  app.addHook('onRequest', app.requireAdmin)
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MODEL_BODY_LIMIT }, (_request, body, done) => {
    done(null, body)
  })

  app.post('/api/v2/admin/models', {
    bodyLimit: MODEL_BODY_LIMIT,
    schema: {
      tags: ['admin'],
      summary: 'Upload a community model file',
      description: 'Body: the model file as `application/octet-stream` (at most 64 MiB). It is stored as ' +
        '`<heatpump_model with spaces and / as _>.enc` (no heatpump_model: `community_model.enc`, served to every ' +
        'heat pump without a model of its own) as the next version, written atomically.',
      querystring: Type.Object({
        heatpump_model: Type.Optional(Type.String({ maxLength: 400, description: 'Heat-pump model the file is for, e.g. "AERO SLM"; absent or empty = the generic model' })),
      }, { additionalProperties: false }),
      response: { 201: ModelUploadResultSchema, ...errors },
    },
  }, async (request, reply) => {
    const body: unknown = request.body
    if (body !== undefined && body !== null && !Buffer.isBuffer(body)) {
      throw httpError('HP_ERR_UNSUPPORTED_MEDIA_TYPE', 'cannot read model: send the file as application/octet-stream')
    }
    if (!Buffer.isBuffer(body) || body.length === 0) {
      throw httpError('HP_ERR_MODEL_EMPTY', 'cannot store model: the body is empty, send the model file as application/octet-stream')
    }
    let model: RegisteredModel
    try {
      model = await app.models.put({ heatpumpModel: request.query.heatpump_model ?? null, bytes: body })
    } catch (err) {
      if (err instanceof ModelRegistryError) throw httpError(err.reason === 'empty' ? 'HP_ERR_MODEL_EMPTY' : 'HP_ERR_INVALID_MODEL_NAME', err.message)
      throw err
    }
    request.log.info({ model: model.name, version: model.version, sha256: model.sha256, bytes: body.length }, 'model stored')
    await app.syncModels()
    return reply.code(201).send(uploadResult(model))
  })

  app.delete('/api/v2/admin/models/:name', {
    schema: {
      tags: ['admin'],
      summary: 'Remove a community model file',
      params: Type.Object({ name: Type.String({ maxLength: 255, description: 'File stem, e.g. "AERO_SLM"' }) }),
      response: { 200: ModelRemovedSchema, ...errors },
    },
  }, async (request) => {
    const { name } = request.params
    if (!(await app.models.remove(name))) throw httpError('HP_ERR_MODEL_NOT_FOUND', `cannot find model ${JSON.stringify(name)}`)
    request.log.info({ model: name }, 'model removed')
    await app.syncModels()
    return { name }
  })

  app.post('/api/v2/admin/models/sync', {
    schema: {
      tags: ['admin'],
      summary: 'Re-scan MODEL_DIR: register dropped files, forget removed ones',
      response: {
        200: Type.Object({
          added: Type.Array(Type.String()),
          updated: Type.Array(Type.String()),
          removed: Type.Array(Type.String()),
          skipped: Type.Array(Type.Object({ file: Type.String(), reason: Type.String() })),
        }),
        ...errors,
      },
    },
  }, async (request) => {
    const report = await app.models.sync()
    logSyncReport(request.log, report)
    return report
  })
}

export default adminModelRoutes
