import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { GroupSnapshots } from '../../community/group-snapshots.js'
import comparisonRoutes from './community-comparison.js'
import modelsRoutes from './community-models.js'
import rankingRoutes from './community-ranking.js'

/**
 * Community analytics (issue 6): comparison, ranking and the public models page, sharing one
 * set of per-day group snapshots (cached unless PUBLIC_CACHE_SECONDS is 0).
 */
const communityAnalyticsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const snapshots = new GroupSnapshots(app.store.db, app.clock, app.config.PUBLIC_CACHE_SECONDS > 0,
    (err) => app.log.error({ err }, 'cannot refresh a community snapshot'))
  await app.register(comparisonRoutes, { snapshots })
  await app.register(rankingRoutes, { snapshots })
  await app.register(modelsRoutes, { snapshots })
}

export default communityAnalyticsRoutes
