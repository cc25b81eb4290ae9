import { ComparisonQuerySchema, ComparisonSchema, ErrorResponseSchema, parseHeatPumpModel } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { analyticsRules, effectiveK } from '../../community/analytics-rules.js'
import { windowJson, type AnalyticsWindowName } from '../../community/analytics-windows.js'
import { buildComparison } from '../../community/comparison.js'
import type { GroupSnapshots } from '../../community/group-snapshots.js'
import type { ComparisonMetric } from '../../community/heat-pump-values.js'
import { httpError } from '../../errors.js'
import { callerOf } from './community-caller.js'

/**
 * `GET /api/v2/community/comparison`: a model group's distribution of one metric over an
 * aligned window, overall and per 2 K outdoor band; with an installation token also that
 * installation's heat pumps of the model and their positions. Public without a token.
 */
const comparisonRoutes: FastifyPluginAsyncTypebox<{ snapshots: GroupSnapshots }> = async (app, { snapshots }) => {
  app.get('/api/v2/community/comparison', {
    onRequest: [app.ipRateLimit],
    schema: {
      tags: ['community'],
      summary: 'Distribution of a metric across the heat pumps of a model, overall and per outdoor band',
      description: 'One value per heat pump over the window (COP = Σ heat ÷ Σ electricity, temperatures weighted by heat). k-anonymous for everyone but admins (docs/PRIVACY.md). An installation token adds its own heat pumps and their positions.',
      querystring: ComparisonQuerySchema,
      response: { 200: ComparisonSchema, 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema, 422: ErrorResponseSchema, 429: ErrorResponseSchema },
    },
  }, async (request) => {
    const principal = await callerOf(app, request, true)
    const { query } = request
    const model = parseHeatPumpModel(query.model)
    if (typeof model === 'string') throw httpError('HP_ERR_BAD_MODEL_NAME')
    const metric = (query.metric ?? 'cop') as ComparisonMetric
    const w = snapshots.window((query.window ?? '30d') as AnalyticsWindowName)
    const k = effectiveK(app.config.K_ANONYMITY)
    const base = { model: query.model, model_key: model.key, metric, window: windowJson(w), rules: analyticsRules(k) }
    if (model.key === null) return { ...base, overall: { installations: null, heat_pumps: null, withheld: 'no comparison group: the heat-pump model is unknown' }, bands: [] }
    const [overall, bands] = await Promise.all([snapshots.overall(model.key, w), snapshots.bands(model.key, w)])
    const installation = principal?.kind === 'installation' ? principal.installationId : undefined
    return {
      ...base,
      ...buildComparison({
        metric,
        k,
        audience: principal?.kind === 'admin' ? 'admin' : 'public',
        overall,
        bands,
        ...(installation === undefined ? {} : { ownInstallation: installation }),
      }),
    }
  })
}

export default comparisonRoutes
