import { AveragesQuerySchema, AveragesSchema, ErrorResponseSchema, parseHeatPumpModel, type Averages } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { activeMembers, COMMUNITY_METRICS, groupStat, groupWindowSums, resolveCommunityMetric, type CommunityMetric, type WindowName } from '../../community/averages.js'
import { RefreshingCache } from '../../community/refreshing-cache.js'
import { HttpError, httpError } from '../../errors.js'

const METRIC_NAME = /^[a-zA-Z0-9_]+$/
const DEFAULT_METRICS = 'cop_current,temp_outdoor'
const CACHE_ENTRIES = 512

/**
 * `GET /api/v1/community/averages`: upstream's request and answer, computed from rollups by the
 * community rules (one vote per heat pump, COP as a ratio of sums, `sample_size` = distinct
 * installations), and published only for groups of at least K_ANONYMITY installations (admins
 * see every group).
 */
const averagesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // One entry per group, window and audience, holding every community metric: the requested
  // names only pick from it, so varying them cannot force recomputations.
  const cache = new RefreshingCache<GroupFigures>(app.config.PUBLIC_CACHE_SECONDS * 1000, app.clock, CACHE_ENTRIES, undefined,
    (err) => app.log.error({ err }, 'cannot refresh community averages'))

  app.get('/api/v1/community/averages', {
    onRequest: [app.ipRateLimit, async (request) => {
      // Upstream's logger proxies this route and maps only 401 to "Invalid telemetry token"; a 403
      // became a 502 "server error" there (upstream.md §1.4 item 12). So a wrong token is a 401 here.
      await app.principalOf(request).catch((err: unknown) => {
        throw err instanceof HttpError && err.code === 'HP_ERR_INVALID_TOKEN' ? httpError('HP_ERR_TOKEN_REJECTED') : err
      })
    }],
    schema: {
      tags: ['community'],
      summary: 'Community averages of a heat-pump model',
      querystring: AveragesQuerySchema,
      response: { 200: AveragesSchema, 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema, 422: ErrorResponseSchema, 429: ErrorResponseSchema },
    },
  }, async (request) => {
    const principal = await app.principalOf(request)
    const { query } = request
    const model = parseHeatPumpModel(query.model)
    if (typeof model === 'string') throw httpError('HP_ERR_BAD_MODEL_NAME')
    const window = (query.window ?? '24h') as WindowName
    const names = (query.metrics ?? DEFAULT_METRICS).split(',').map((m) => m.trim()).filter((m) => m !== '')
    for (const name of names) {
      if (!METRIC_NAME.test(name)) throw httpError('HP_ERR_INVALID_METRIC', `Invalid metric name: ${name}`)
    }
    const admin = principal.kind === 'admin'
    const unknown = names.filter((n) => resolveCommunityMetric(n) === undefined)
    const base = { model: query.model, window, ...(unknown.length > 0 ? { unknown_metrics: unknown } : {}) }
    if (model.key === null) {
      return { ...base, metrics: {}, sample_size: 0, heat_pumps: 0, reason: 'no comparison group: the heat-pump model is unknown' }
    }
    const modelKey = model.key
    const group = await cache.get(JSON.stringify([modelKey, window, admin]), () => figures(modelKey, window, admin))
    const metrics: Averages['metrics'] = {}
    for (const name of names) {
      const metric = resolveCommunityMetric(name)
      const stat = metric === undefined ? undefined : group.stats[metric]
      if (stat !== undefined) metrics[name] = stat
    }
    return { ...base, metrics, sample_size: group.installations, heat_pumps: group.heatPumps, ...(group.reason === undefined ? {} : { reason: group.reason }) }
  })

  async function figures (modelKey: string, window: WindowName, admin: boolean): Promise<GroupFigures> {
    const members = activeMembers(await groupWindowSums(app.store.db, modelKey, window, app.clock()))
    const k = app.config.K_ANONYMITY
    const counts = { installations: members.installations, heatPumps: members.heatPumps.length }
    if (members.installations < k && !admin) {
      return { ...counts, stats: {}, reason: `fewer than ${k} installations in this group: no figures are published` }
    }
    const stats: GroupFigures['stats'] = {}
    for (const metric of COMMUNITY_METRICS) {
      const stat = groupStat(metric, members.heatPumps)
      if (stat !== undefined) stats[metric] = { avg: stat.avg, min: stat.min, max: stat.max }
    }
    return { ...counts, stats }
  }
}

interface GroupFigures {
  readonly installations: number
  readonly heatPumps: number
  readonly stats: Partial<Record<CommunityMetric, { avg: number, min: number, max: number }>>
  readonly reason?: string
}

export default averagesRoutes
