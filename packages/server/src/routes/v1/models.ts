import { ErrorResponseSchema, ModelListSchema, type ModelListItem } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { displayName, type RegisteredModel } from '../../models/registry.js'

/** Stands in for the server path upstream returned in `model_dir` (upstream.md §8 X8). */
const MODEL_DIR_PLACEHOLDER = 'MODEL_DIR'

function listItem (m: RegisteredModel): ModelListItem {
  return {
    name: displayName(m.name),
    filename: m.filename,
    size_bytes: Number(m.size_bytes),
    hash: m.sha256,
    modified: Number(m.created_at) / 1000,
    version: m.version,
    heatpump_model_key: m.model_key,
  }
}

/**
 * `GET /api/v1/models` (admin), upstream's shape. Read from the registry table, so listing never
 * hashes a file; `model_dir` no longer leaks the server path.
 */
const modelRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/models', {
    onRequest: [app.ipRateLimit, app.requireAdmin],
    schema: {
      tags: ['admin'],
      summary: 'Community model files (upstream shape)',
      response: { 200: ModelListSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema, 429: ErrorResponseSchema },
    },
  }, async () => {
    const models = await app.models.list()
    return { models: models.map(listItem), total: models.length, model_dir: MODEL_DIR_PLACEHOLDER }
  })
}

export default modelRoutes
