import { Cron } from 'croner'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { abandonRunningTrainingRuns } from '../store/training-runs.js'
import { TrainingJob } from './job.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Community-model training: daily at TRAINING_TIME, once at start with RUN_ON_STARTUP, and on demand (admin route). */
    training: TrainingJob
  }
}

/** `TRAINING_TIME` (`HH:MM`, UTC) as a daily cron pattern; undefined when empty. */
export function trainingCron (time: string): string | undefined {
  const m = /^(\d{2}):(\d{2})$/.exec(time)
  return m === null ? undefined : `${Number(m[2])} ${Number(m[1])} * * *`
}

/**
 * Decorates `training` and schedules it (croner, UTC, never overlapping itself). Runs left
 * `running` by a server that stopped mid-training are marked failed at start. Training never runs
 * in a request: the admin route waits for a job that runs here, and the CPU-bound part runs in a
 * worker thread.
 */
export default fp(async function trainingPlugin (app: FastifyInstance) {
  const { config, store } = app
  const job = new TrainingJob({
    db: store.db,
    samples: store.samples,
    registry: app.models,
    signingKey: app.signingKey,
    config,
    clock: app.clock,
    log: app.log,
  })
  app.decorate('training', job)
  const abandoned = await abandonRunningTrainingRuns(store.db, app.clock())
  if (abandoned > 0) app.log.warn({ abandoned }, 'marked training runs of a previous process as failed')

  const run = async (trigger: 'schedule' | 'startup') => {
    try {
      const results = await job.run({ trigger })
      app.log.info({ training: results.map((r) => ({ model: r.modelKey, status: r.status, version: r.summary?.model?.version })) }, 'training done')
    } catch (err) {
      app.log.error({ err }, 'cannot run the training job')
    }
  }
  const pattern = trainingCron(config.TRAINING_TIME)
  const cron = pattern === undefined ? undefined : new Cron(pattern, { timezone: 'UTC', protect: true, paused: true }, () => run('schedule'))
  app.addHook('onReady', async () => {
    cron?.resume()
    if (config.RUN_ON_STARTUP) void run('startup')
  })
  app.addHook('preClose', async () => {
    cron?.stop()
    await job.idle()
  })
}, { name: 'training', dependencies: ['core', 'models', 'signing-key'] })
