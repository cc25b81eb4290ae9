import { ErrorResponseSchema, PoolStatusSchema } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { POOL_UNAVAILABLE } from '../../community/pool-messages.js'

/**
 * `GET /api/v1/pool/status` (public), upstream fields and messages, counted correctly: distinct
 * installations and samples of the last 30 days, from the ledger. When the store fails it says
 * so with 503 — upstream's 200-with-zeros made "server down" look like "empty pool".
 */
const poolRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/pool/status', {
    onRequest: [app.ipRateLimit],
    schema: {
      tags: ['community'],
      summary: 'Community data pool status',
      security: [],
      response: { 200: PoolStatusSchema, 429: ErrorResponseSchema, 503: PoolStatusSchema },
    },
  }, async (_request, reply) => {
    const timestamp = app.clock() / 1000
    try {
      return { ...await app.poolStatus.get(), timestamp }
    } catch (err) {
      app.log.error({ err }, 'cannot read the pool status')
      const zero = { current: 0, required: 0, needed: 0 }
      return reply.code(503).header('retry-after', '30').send({
        total_installations: 0,
        total_data_points: 0,
        models_available: [],
        data_sufficient: false,
        message: POOL_UNAVAILABLE.en,
        message_de: POOL_UNAVAILABLE.de,
        progress: { installations: zero, data_points: zero },
        timestamp,
      })
    }
  })
}

export default poolRoutes
