import { BadgeRunResultSchema, ErrorResponseSchema } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

/** `POST /api/v2/admin/badges/run`: the daily badge job, now (joins a run already going). */
const adminBadgeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.ipRateLimit)
  app.addHook('onRequest', app.requireAdmin)

  app.post('/api/v2/admin/badges/run', {
    schema: {
      tags: ['admin'],
      summary: 'Compute every installation\'s badges now',
      response: { 200: BadgeRunResultSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema },
    },
  }, async (request) => {
    const r = await app.badgeJob.run()
    request.log.info({ badges: r }, 'badge job done')
    return { day: r.day, rules_version: r.rulesVersion, installations: r.installations, awarded: r.awarded, backdated: r.backdated, duration_ms: r.durationMs }
  })
}

export default adminBadgeRoutes
