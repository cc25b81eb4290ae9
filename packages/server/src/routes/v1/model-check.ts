import { ErrorResponseSchema, ModelCheckQuerySchema, ModelCheckSchema, parseHeatPumpModel, parseInstallationId } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Principal } from '../../auth/principal.js'
import { eligibilityOf, eligibleSince } from '../../community/eligibility.js'
import {
  REASON_ELIGIBLE,
  REASON_ELIGIBLE_NO_MODEL,
  REASON_POOL_NOT_READY,
  reasonDaysNeeded,
  reasonNoRecentContribution,
  reasonNotEligible,
  type Bilingual,
} from '../../community/pool-messages.js'
import { httpError } from '../../errors.js'

/**
 * `GET /api/v1/model/check`: upstream's fields and reasons, eligibility by contribution days
 * from the ledger. It works without a token, as upstream clients expect, but then it says only
 * eligible or not (upstream told anyone whether a UUID had contributed: §8 X2); the installation's
 * own token or the admin token also get the day counts.
 */
const modelCheckRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/model/check', {
    onRequest: [app.ipRateLimit],
    schema: {
      tags: ['community'],
      summary: 'Is this installation eligible for the community model, and is there an update?',
      querystring: ModelCheckQuerySchema,
      response: { 200: ModelCheckSchema, 400: ErrorResponseSchema, 422: ErrorResponseSchema, 429: ErrorResponseSchema },
    },
  }, async (request) => {
    const { query } = request
    const id = parseInstallationId(query.installation_id)
    if (id === null) throw httpError('HP_ERR_BAD_INSTALLATION_ID')
    const requested = query.model === undefined ? undefined : parseHeatPumpModel(query.model)
    if (typeof requested === 'string') throw httpError('HP_ERR_BAD_MODEL_NAME')

    // A token that does not check out is no reason to refuse a public answer.
    let principal: Principal | undefined
    if (request.headers.authorization !== undefined) principal = await app.principalOf(request).catch(() => undefined)
    const detailed = principal?.kind === 'admin' || (principal?.kind === 'installation' && principal.installationId === id)

    const now = app.clock()
    const { config } = app
    const rule = { requiredDays: config.ELIGIBILITY_DAYS, recentDays: config.ELIGIBILITY_RECENT_DAYS }
    const [pool, standing] = await Promise.all([app.poolStatus.get(), eligibilityOf(app.store.db, id, now, rule)])
    const model = await app.models.forHeatPumpModel(requested?.key ?? standing?.modelKey ?? null)
    const modelHash = model?.sha256 ?? null
    const eligible = pool.data_sufficient && standing?.eligible === true

    let reason: Bilingual
    if (!pool.data_sufficient) reason = REASON_POOL_NOT_READY
    else if (eligible) reason = model === undefined ? REASON_ELIGIBLE_NO_MODEL : REASON_ELIGIBLE
    else if (!detailed) reason = reasonNotEligible(config.ELIGIBILITY_DAYS)
    else if (standing === undefined || standing.lapsed) reason = reasonNoRecentContribution(config.ELIGIBILITY_RECENT_DAYS)
    else reason = reasonDaysNeeded(standing.daysNeeded)

    const currentHash = query.current_hash?.toLowerCase()
    return {
      eligible,
      reason: reason.en,
      reason_de: reason.de,
      model_hash: modelHash,
      hash: modelHash,
      model_available: model !== undefined,
      // Upstream's rule: differs from the client's hash, or the client has none.
      update_available: modelHash !== null && (currentHash === undefined || currentHash !== modelHash),
      data_pool: pool,
      contribution_days: detailed ? standing?.contributionDays ?? 0 : null,
      days_needed: detailed ? standing?.daysNeeded ?? config.ELIGIBILITY_DAYS : null,
      eligible_since: detailed && standing !== undefined && standing.daysNeeded === 0
        ? await eligibleSince(app.store.db, id, config.CONTRIBUTION_MIN_SAMPLES, config.ELIGIBILITY_DAYS)
        : null,
    }
  })
}

export default modelCheckRoutes
