import { ErrorResponseSchema, TrainingRunSchema, TrainingRunsSchema, type TrainingRun } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { httpError } from '../../errors.js'
import { TrainingInputError } from '../../training/job.js'
import { recentTrainingRuns, trainingRun, type TrainingRunRow } from '../../store/training-runs.js'

function parsed (text: string | null): unknown {
  return text === null ? null : JSON.parse(text)
}

function runOf (r: TrainingRunRow): TrainingRun {
  return {
    id: Number(r.id),
    heatpump_model_key: r.model_key,
    heatpump_model: r.model_name,
    trigger: r.trigger as TrainingRun['trigger'],
    status: r.status as TrainingRun['status'],
    started: new Date(Number(r.started_at)).toISOString(),
    finished: r.finished_at === null ? null : new Date(Number(r.finished_at)).toISOString(),
    progress: parsed(r.progress) as TrainingRun['progress'],
    summary: parsed(r.summary) as TrainingRun['summary'],
    error: r.error,
  }
}

const errors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema, 404: ErrorResponseSchema, 429: ErrorResponseSchema }

/**
 * Operator routes of community-model training: start one (and, by default, wait for it), list
 * the latest runs with their progress and results, and the signing key's fingerprint.
 */
const adminTrainingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.ipRateLimit)
  app.addHook('onRequest', app.requireAdmin)

  const listing = async (runs: TrainingRunRow[]) => ({
    signing_key_fingerprint: app.signingKey.fingerprint,
    training_time: app.config.TRAINING_TIME,
    busy: app.training.busy,
    runs: runs.map(runOf),
  })

  app.post('/api/v2/admin/training', {
    schema: {
      tags: ['admin'],
      summary: 'Train community models now',
      description: 'Trains every heat-pump model with enough data (TARGET_MODELS when set), or only `heatpump_model`. ' +
        'A training already going is finished first. With `wait=false` the answer is 202 at once; follow the runs with GET.',
      querystring: Type.Object({
        heatpump_model: Type.Optional(Type.String({ minLength: 1, maxLength: 400, description: 'Only this heat-pump model, e.g. "AERO SLM"' })),
        wait: Type.Boolean({ default: true, description: 'Answer when the training has finished' }),
      }, { additionalProperties: false }),
      response: { 200: TrainingRunsSchema, 202: Type.Object({ started: Type.Boolean() }), ...errors },
    },
  }, async (request, reply) => {
    const { heatpump_model: model, wait } = request.query
    const running = app.training.run({ trigger: 'admin', ...(model === undefined ? {} : { model }) })
    if (!wait) {
      running.catch((err: unknown) => request.log.error({ err }, 'cannot run the training job'))
      return reply.code(202).send({ started: true })
    }
    try {
      const results = await running
      const rows = await Promise.all(results.map((r) => trainingRun(app.store.db, r.runId)))
      return await listing(rows.filter((r): r is TrainingRunRow => r !== undefined))
    } catch (err) {
      if (err instanceof TrainingInputError) throw httpError('HP_ERR_INVALID_MODEL_NAME', err.message)
      throw err
    }
  })

  app.get('/api/v2/admin/training', {
    schema: {
      tags: ['admin'],
      summary: 'The latest training runs, the schedule and the signing key fingerprint',
      querystring: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
      }, { additionalProperties: false }),
      response: { 200: TrainingRunsSchema, ...errors },
    },
  }, async (request) => listing(await recentTrainingRuns(app.store.db, request.query.limit)))

  app.get('/api/v2/admin/training/:id', {
    schema: {
      tags: ['admin'],
      summary: 'One training run',
      params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
      response: { 200: TrainingRunSchema, ...errors },
    },
  }, async (request) => {
    const row = await trainingRun(app.store.db, request.params.id)
    if (row === undefined) throw httpError('HP_ERR_NOT_FOUND', `cannot find training run ${request.params.id}`)
    return runOf(row)
  })
}

export default adminTrainingRoutes
