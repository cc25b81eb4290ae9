import { ErrorResponseSchema, RankingQuerySchema, RankingSchema } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { analyticsRules, effectiveK } from '../../community/analytics-rules.js'
import { windowJson, type AnalyticsWindowName } from '../../community/analytics-windows.js'
import type { GroupSnapshots } from '../../community/group-snapshots.js'
import { daySums, heatPumpsOf } from '../../community/group-sums.js'
import { displayName } from '../../community/models-page.js'
import { rank, type RankingEntry } from '../../community/ranking.js'
import { httpError } from '../../errors.js'
import { callerOf } from './community-caller.js'

/**
 * `GET /api/v2/community/ranking`: for the installation of the token, each of its heat pumps'
 * seasonal COP position within its model group, overall and per outdoor band, and the
 * temperature-normalised scores; when not ranked, what is missing.
 */
const rankingRoutes: FastifyPluginAsyncTypebox<{ snapshots: GroupSnapshots }> = async (app, { snapshots }) => {
  app.get('/api/v2/community/ranking', {
    onRequest: [app.ipRateLimit],
    schema: {
      tags: ['community'],
      summary: 'COP ranking of the installation\'s heat pumps within their model groups',
      description: 'Needs an installation token (401 otherwise). Positions are computed against at least K_ANONYMITY other installations.',
      querystring: RankingQuerySchema,
      response: { 200: RankingSchema, 401: ErrorResponseSchema, 422: ErrorResponseSchema, 429: ErrorResponseSchema },
    },
  }, async (request) => {
    const principal = await callerOf(app, request, false)
    if (principal?.kind !== 'installation') throw httpError('HP_ERR_INSTALLATION_TOKEN_REQUIRED')
    const w = snapshots.window((request.query.window ?? '365d') as AnalyticsWindowName)
    const k = effectiveK(app.config.K_ANONYMITY)
    const entries: RankingEntry[] = []
    for (const hp of await heatPumpsOf(app.store.db, principal.installationId)) {
      const member = { heatPumpId: hp.heatPumpId, installationId: principal.installationId, hpKey: hp.hpKey, modelName: hp.modelName }
      const [overall, bands] = hp.modelKey === null ? [[], []] : await Promise.all([snapshots.overall(hp.modelKey, w), snapshots.bands(hp.modelKey, w)])
      // A heat pump that joined its group after today's snapshot is read directly, and ranks tomorrow.
      const sums = overall.find((m) => m.member.heatPumpId === hp.heatPumpId)?.sums ?? await daySums(app.store.db, hp.heatPumpId, w.fromDay, w.toDay)
      const modelName = hp.modelKey === null ? hp.modelName : displayName(overall.map((m) => m.member), hp.modelKey)
      entries.push(rank({ member, modelKey: hp.modelKey, modelName, k, sums, overall, bands }))
    }
    return { window: windowJson(w), rules: analyticsRules(k), heat_pumps: entries }
  })
}

export default rankingRoutes
