import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Cron } from 'croner'
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
  if (app.config.PUBLIC_CACHE_SECONDS > 0) prewarmDaily(app, snapshots)
  await app.register(comparisonRoutes, { snapshots })
  await app.register(rankingRoutes, { snapshots })
  await app.register(modelsRoutes, { snapshots })
}

/** Builds the day's snapshots at start and shortly after every UTC midnight, off the request path. */
function prewarmDaily (app: Parameters<FastifyPluginAsyncTypebox>[0], snapshots: GroupSnapshots): void {
  let closing = false
  const run = async (): Promise<void> => {
    const started = Date.now()
    try {
      const built = await snapshots.prewarm(() => closing)
      if (!closing) app.log.info({ built, ms: Date.now() - started }, 'community snapshots built')
    } catch (err) {
      if (!closing) app.log.warn({ err }, 'cannot build the community snapshots ahead; requests will build them')
    }
  }
  const job = new Cron('3 0 * * *', { timezone: 'UTC', protect: true, paused: true }, run)
  app.addHook('onReady', async () => {
    job.resume()
    void run()
  })
  app.addHook('preClose', async () => {
    closing = true
    job.stop()
  })
}

export default communityAnalyticsRoutes
