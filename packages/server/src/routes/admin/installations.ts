import {
  ErasureResultSchema,
  ErrorResponseSchema,
  InstallationDetailSchema,
  InstallationListSchema,
  parseInstallationId,
  ReinstatementResultSchema,
  RetentionResultSchema,
  RevocationResultSchema,
  type InstallationSummary,
} from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { isoDate } from '../../badges/calendar.js'
import { httpError } from '../../errors.js'
import { runRetention } from '../../jobs/retention.js'
import { isoTime } from '../../ledger/contribution.js'
import { eraseInstallation } from '../../privacy/erase.js'
import {
  countInstallations,
  findInstallation,
  listInstallations,
  reinstateInstallation,
  revokeInstallation,
  type Installation,
} from '../../store/installations.js'
import { contributionDaysOf } from '../../store/ledger.js'

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) })
const errors = { 401: ErrorResponseSchema, 403: ErrorResponseSchema, 404: ErrorResponseSchema, 422: ErrorResponseSchema }


function summary (i: Installation): InstallationSummary {
  return {
    installation_id: i.id,
    registered: i.token_hash !== null,
    consent_version: i.consent_version,
    heatpump_model: i.model_name,
    model_key: i.model_key,
    first_seen: isoTime(i.first_seen_at),
    last_seen: isoTime(i.last_seen_at),
    last_sample: isoTime(i.last_sample_ts),
    samples_total: Number(i.samples_total),
    contribution_days: Number(i.contribution_days),
    last_contribution_day: i.last_contribution_day === null ? null : isoDate(Number(i.last_contribution_day)),
    revoked_at: isoTime(i.revoked_at),
  }
}

/** Operator routes: the ledger per installation, revocation and erasure by id, and the retention job on demand. */
const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.ipRateLimit)
  app.addHook('onRequest', app.requireAdmin)

  app.get('/api/v2/admin/installations', {
    schema: {
      tags: ['admin'],
      summary: 'Installations with their contribution ledger',
      querystring: Type.Object({
        limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        offset: Type.Integer({ minimum: 0, default: 0 }),
      }),
      response: { 200: InstallationListSchema, ...errors },
    },
  }, async (request) => {
    const { limit, offset } = request.query
    const [total, rows] = await Promise.all([countInstallations(app.store.db), listInstallations(app.store.db, limit, offset)])
    return { total, installations: rows.map(summary) }
  })

  app.get('/api/v2/admin/installations/:id', {
    schema: { tags: ['admin'], summary: 'One installation and its ledger days', params: IdParams, response: { 200: InstallationDetailSchema, ...errors } },
  }, async (request) => {
    const id = parseInstallationId(request.params.id)
    if (id === null) throw httpError('HP_ERR_INVALID_INSTALLATION_ID')
    const installation = await findInstallation(app.store.db, id)
    if (installation === undefined) throw httpError('HP_ERR_INSTALLATION_NOT_FOUND', `cannot find installation ${id}`)
    const ledger = await contributionDaysOf(app.store.db, id)
    return { ...summary(installation), ledger: ledger.map((d) => ({ day: isoDate(Number(d.day)), samples: d.samples, stored: d.stored })) }
  })

  app.delete('/api/v2/admin/installations/:id', {
    schema: {
      tags: ['admin'],
      summary: 'Erase an installation from every store and say what was removed',
      params: IdParams,
      response: { 200: ErasureResultSchema, ...errors },
    },
  }, async (request) => {
    const id = parseInstallationId(request.params.id)
    if (id === null) throw httpError('HP_ERR_INVALID_INSTALLATION_ID')
    const removed = await eraseInstallation(app.store, id)
    if (removed === undefined) throw httpError('HP_ERR_INSTALLATION_NOT_FOUND', `cannot find installation ${id}`)
    request.log.info({ installation: id, removed, by: 'admin' }, 'installation erased')
    // Counts, not figures: the pool status is recounted at once (the cached comparisons wait for the next day).
    app.poolStatus.invalidate()
    return { installation_id: id, samples_deleted: removed.samples, removed }
  })

  /**
   * Revokes the installation for good (store/installations.ts `revokeInstallation`): its token
   * is refused from now on like an unknown one (submit: 403 `Invalid Token`, as upstream;
   * `/installations/me`: 401), and its id can be neither registered again nor written with the
   * shared token or openly (`HP_ERR_INSTALLATION_REVOKED`), since whoever stole the token knows
   * the id. The data stays. The owner registers a new id; the way back is `reinstate` below.
   */
  app.post('/api/v2/admin/installations/:id/revoke', {
    schema: {
      tags: ['admin'],
      summary: 'Revoke an installation: its token is refused and its id cannot register or upload again (its data stays)',
      params: IdParams,
      response: { 200: RevocationResultSchema, ...errors },
    },
  }, async (request) => {
    const id = parseInstallationId(request.params.id)
    if (id === null) throw httpError('HP_ERR_INVALID_INSTALLATION_ID')
    const revoked = await revokeInstallation(app.store.db, id, app.clock())
    if (revoked === undefined) throw httpError('HP_ERR_INSTALLATION_NOT_FOUND', `cannot find installation ${id}`)
    if (revoked) request.log.info({ installation: id }, 'installation revoked')
    return { installation_id: id, revoked }
  })

  /**
   * Undoes a revocation, e.g. once the owner has secured their device. The old token stays
   * refused; the installation is unregistered, and the first registration of its id claims it
   * with a new token (whoever knows the id can, as for a legacy id), so reinstate when the owner
   * is about to register.
   */
  app.post('/api/v2/admin/installations/:id/reinstate', {
    schema: {
      tags: ['admin'],
      summary: 'Undo a revocation: the id may register again (claiming its history with a new token)',
      params: IdParams,
      response: { 200: ReinstatementResultSchema, ...errors },
    },
  }, async (request) => {
    const id = parseInstallationId(request.params.id)
    if (id === null) throw httpError('HP_ERR_INVALID_INSTALLATION_ID')
    const reinstated = await reinstateInstallation(app.store.db, id)
    if (reinstated === undefined) throw httpError('HP_ERR_INSTALLATION_NOT_FOUND', `cannot find installation ${id}`)
    if (reinstated) request.log.info({ installation: id }, 'installation reinstated')
    return { installation_id: id, reinstated }
  })

  app.post('/api/v2/admin/retention', {
    schema: {
      tags: ['admin'],
      summary: 'Run the retention job now',
      response: { 200: RetentionResultSchema, ...errors },
    },
  }, async () => {
    const r = await runRetention(app.store, app.config, app.clock())
    return { samples_deleted: r.samplesDeleted, idempotency_keys_deleted: r.idempotencyKeysDeleted, cutoff: new Date(r.cutoff).toISOString() }
  })
}

export default adminRoutes
