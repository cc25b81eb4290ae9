import { AveragesQuerySchema, AveragesSchema, ErrorResponseSchema, parseHeatPumpModel, type Averages } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { activeMembers, groupStat, groupWindowSums, resolveCommunityMetric, type WindowName } from '../../community/averages.js'
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
  const cache = new Map<string, { value: Averages, until: number }>()

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
    const cacheKey = JSON.stringify([model.key, window, names, admin])
    const now = app.clock()
    const hit = cache.get(cacheKey)
    if (hit !== undefined && now < hit.until) return { ...hit.value, model: query.model }

    const value = await compute(model.key, window, names, admin, now)
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string)
    cache.set(cacheKey, { value, until: now + app.config.PUBLIC_CACHE_SECONDS * 1000 })
    return { ...value, model: query.model }
  })

  async function compute (modelKey: string | null, window: WindowName, names: string[], admin: boolean, now: number): Promise<Averages> {
    const unknown = names.filter((n) => resolveCommunityMetric(n) === undefined)
    const base = { model: '', window, metrics: {}, ...(unknown.length > 0 ? { unknown_metrics: unknown } : {}) }
    if (modelKey === null) {
      return { ...base, sample_size: 0, heat_pumps: 0, reason: 'no comparison group: the heat-pump model is unknown' }
    }
    const members = activeMembers(await groupWindowSums(app.store.db, modelKey, window, now))
    const k = app.config.K_ANONYMITY
    if (members.installations < k && !admin) {
      return { ...base, sample_size: members.installations, heat_pumps: members.heatPumps.length, reason: `fewer than ${k} installations in this group: no figures are published` }
    }
    const metrics: Averages['metrics'] = {}
    for (const name of names) {
      const metric = resolveCommunityMetric(name)
      if (metric === undefined) continue
      const stat = groupStat(metric, members.heatPumps)
      if (stat !== undefined) metrics[name] = { avg: stat.avg, min: stat.min, max: stat.max }
    }
    return { ...base, metrics, sample_size: members.installations, heat_pumps: members.heatPumps.length }
  }
}

export default averagesRoutes
