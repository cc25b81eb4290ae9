import { CommunityGrowthSchema, ErrorResponseSchema, GrowthQuerySchema, type CommunityGrowth } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { effectiveK } from '../../community/analytics-rules.js'
import { growthWindow, poolGrowth } from '../../community/growth.js'
import { RefreshingCache } from '../../community/refreshing-cache.js'
import { activeInstallationsByDay, firstDayCounts, poolSamplesByDay } from '../../store/pool.js'

/**
 * `GET /api/v2/community/growth` (public): how the pool grew — per UTC day the installations
 * active that day, the installations that had contributed by then, and the samples of the day,
 * read from the ledger and pool_days (never from the sample store, so VictoriaMetrics is not
 * queried). An active count under K_ANONYMITY (but above 0) is published as null
 * (community/growth.ts). Served from memory for PUBLIC_CACHE_SECONDS.
 */
const growthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const cache = new RefreshingCache<CommunityGrowth>(app.config.PUBLIC_CACHE_SECONDS * 1000, app.clock, 16, undefined,
    (err) => app.log.error({ err }, 'cannot refresh the pool growth'))

  app.get('/api/v2/community/growth', {
    onRequest: [app.ipRateLimit],
    schema: {
      tags: ['community'],
      summary: 'Pool growth per day: active and total installations, samples (public)',
      security: [],
      querystring: GrowthQuerySchema,
      response: { 200: CommunityGrowthSchema, 422: ErrorResponseSchema, 429: ErrorResponseSchema },
    },
  }, async (request) => {
    const w = growthWindow(app.clock(), request.query.days)
    const k = effectiveK(app.config.K_ANONYMITY)
    return cache.get(`${w.fromDay}:${w.toDay}`, async () => {
      const db = app.store.db
      const [active, firsts, samples] = await Promise.all([
        activeInstallationsByDay(db, w.fromDay, w.toDay),
        firstDayCounts(db),
        poolSamplesByDay(db, w.fromDay, w.toDay),
      ])
      return poolGrowth(w, k, { active, firsts, samples })
    })
  })
}

export default growthRoutes
