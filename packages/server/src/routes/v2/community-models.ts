import { CommunityModelsSchema, ErrorResponseSchema, type CommunityModels } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { analyticsRules, effectiveK } from '../../community/analytics-rules.js'
import { windowJson } from '../../community/analytics-windows.js'
import type { GroupSnapshots } from '../../community/group-snapshots.js'
import { modelKeys } from '../../community/group-sums.js'
import { modelsPage } from '../../community/models-page.js'
import { RefreshingCache } from '../../community/refreshing-cache.js'

/**
 * `GET /api/v2/community/models`: the public community page's model list — heat-pump models
 * with at least K_ANONYMITY installations, n and the seasonal (365-day) COP median and p25–p75.
 * No authentication; served from memory for PUBLIC_CACHE_SECONDS.
 */
const modelsRoutes: FastifyPluginAsyncTypebox<{ snapshots: GroupSnapshots }> = async (app, { snapshots }) => {
  const cache = new RefreshingCache<CommunityModels>(app.config.PUBLIC_CACHE_SECONDS * 1000, app.clock, 4, undefined,
    (err) => app.log.error({ err }, 'cannot refresh the community models page'))

  app.get('/api/v2/community/models', {
    onRequest: [app.ipRateLimit],
    schema: {
      tags: ['community'],
      summary: 'Heat-pump models with their seasonal COP distribution (public)',
      response: { 200: CommunityModelsSchema, 429: ErrorResponseSchema },
    },
  }, async () => {
    const w = snapshots.window('365d')
    const k = effectiveK(app.config.K_ANONYMITY)
    return cache.get(String(w.toDay), async () => {
      const groups = []
      // A group with fewer heat pumps than K cannot have K installations.
      for (const { modelKey } of (await modelKeys(app.store.db)).filter((g) => g.heatPumps >= k)) {
        groups.push({ modelKey, members: await snapshots.overall(modelKey, w) })
      }
      return { window: windowJson(w), rules: analyticsRules(k), models: modelsPage(groups, k) }
    })
  })
}

export default modelsRoutes
