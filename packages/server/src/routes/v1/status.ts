import { ErrorResponseSchema, ServerStatusErrorSchema, ServerStatusSchema } from '@heatpool/protocol'
import Type from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DAY_MS } from '../../ledger/contribution.js'
import { activeInstallations } from '../../store/pool.js'

/** Upstream's fixed window of `active_installations_30d`. */
const ACTIVE_WINDOW_MS = 30 * DAY_MS

/**
 * `GET /api/v1/status` (admin), upstream's shape. Active installations are distinct
 * installations with a sample timestamped in the last 30 days, read from the ledger. A failing
 * store answers 503 with upstream's error body; upstream answered 200 (upstream.md §8 S16), so
 * monitors took an outage for "online".
 */
const statusRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/status', {
    onRequest: [app.ipRateLimit, app.requireAdmin],
    schema: {
      tags: ['admin'],
      summary: 'Server status and installations active in the last 30 days (upstream shape)',
      response: {
        200: ServerStatusSchema,
        401: ErrorResponseSchema,
        403: ErrorResponseSchema,
        429: ErrorResponseSchema,
        // Its own answer when the count fails; the error handler's when authentication already could not reach the store.
        503: Type.Union([ServerStatusErrorSchema, ErrorResponseSchema]),
      },
    },
  }, async (request, reply) => {
    const now = app.clock()
    let active: number
    try {
      active = await activeInstallations(app.store.db, now - ACTIVE_WINDOW_MS)
    } catch (err) {
      request.log.error({ err }, 'cannot count active installations')
      return reply.code(503).header('retry-after', '30').send({ status: 'error' as const, message: 'cannot reach the store' })
    }
    return { status: 'online' as const, active_installations_30d: active, timestamp: now / 1000 }
  })
}

export default statusRoutes
