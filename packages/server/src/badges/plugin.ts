import { Cron } from 'croner'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { seasonalCopPercentiles } from './group-cop.js'
import { BadgeJob, runBadgeJob } from './job.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The badge computation, run daily by BADGES_SCHEDULE and on demand by the admin route. */
    badgeJob: BadgeJob
  }
}

/** Decorates `badgeJob` and schedules it (croner, UTC, never overlapping itself). */
export default fp(async function badgesPlugin (app: FastifyInstance) {
  const { config, store } = app
  const job = new BadgeJob(() => runBadgeJob({
    db: store.db,
    threshold: config.CONTRIBUTION_MIN_SAMPLES,
    groupPercentiles: seasonalCopPercentiles(store.db, config.K_ANONYMITY),
    nowMs: app.clock(),
    progress: (done, total) => app.log.info({ badges: { done, total } }, 'badge job progress'),
  }))
  app.decorate('badgeJob', job)

  const cron = config.BADGES_SCHEDULE === '' ? undefined : new Cron(config.BADGES_SCHEDULE, { timezone: 'UTC', protect: true, paused: true }, async () => {
    try {
      app.log.info('badge job started')
      const result = await job.run()
      app.log.info({ badges: result }, 'badge job done')
    } catch (err) {
      app.log.error({ err }, 'cannot run the badge job')
    }
  })
  app.addHook('onReady', async () => { cron?.resume() })
  app.addHook('preClose', async () => {
    cron?.stop()
    await job.idle()
  })
}, { name: 'badges', dependencies: ['core'] })
