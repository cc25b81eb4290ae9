import { Readable } from 'node:stream'
import { ErasureResultSchema, ErrorResponseSchema, ExportQuerySchema } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { httpError } from '../../errors.js'
import { eraseInstallation } from '../../privacy/erase.js'
import { exportCsv, exportHead, exportJson } from '../../privacy/export.js'
import { callingInstallation } from './installation-caller.js'

const errors = { 401: ErrorResponseSchema, 404: ErrorResponseSchema, 422: ErrorResponseSchema, 429: ErrorResponseSchema }

/**
 * The owner's rights over the installation's data (docs/PRIVACY.md, "Privacy notice"): a copy
 * of all of it (access, GDPR Art. 15, and portability, Art. 20) and its erasure (Art. 17), with
 * the installation's own token only.
 */
const installationPrivacyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  /**
   * Streams everything the server holds about the caller, except its token hash: the installation
   * record, heat pumps, ledger days, badges, rejection counts, rollups, and the raw samples read
   * from the sample store a week of one heat pump at a time, so memory stays bounded whatever
   * the history. JSON by default (`InstallationExportSchema`), CSV with `?format=csv`.
   */
  app.get('/api/v2/installations/me/export', {
    onRequest: [app.ipRateLimit],
    schema: {
      tags: ['installations'],
      summary: 'Download all data the server holds about the calling installation (JSON, or CSV with ?format=csv)',
      description: 'JSON: one document (InstallationExport schema; samples and hourly rollups last). CSV: one row per fact, columns kind,heat_pump,time,name,value; samples are one row per timestamp and metric.',
      querystring: ExportQuerySchema,
      response: errors,
    },
  }, async (request, reply) => {
    const id = await callingInstallation(app, request)
    const now = app.clock()
    const head = await exportHead(app.store.db, id, now)
    if (head === undefined) throw httpError('HP_ERR_INSTALLATION_NOT_FOUND', `cannot find installation ${id}`)
    const csv = request.query.format === 'csv'
    const stamp = new Date(now).toISOString().slice(0, 10)
    const body = Readable.from(csv ? exportCsv(app.store, head) : exportJson(app.store, head))
    body.on('error', (err) => { request.log.error({ err }, 'cannot finish the export') })
    return reply
      .header('content-type', csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="heatpool-${id}-${stamp}.${csv ? 'csv' : 'json'}"`)
      .header('cache-control', 'no-store')
      .send(body as never) // streamed as is; the description documents the body
  })

  /**
   * Erases the caller from every store, the same erasure as the admin's (privacy/erase.ts), and
   * says what was removed. Its token stops working with it. Community figures drop it with their
   * next computation (the next UTC day for the cached public figures, docs/PRIVACY.md rule 7).
   */
  app.delete('/api/v2/installations/me', {
    onRequest: [app.ipRateLimit],
    schema: {
      tags: ['installations'],
      summary: 'Erase the calling installation and all its data from every store',
      response: { 200: ErasureResultSchema, ...errors },
    },
  }, async (request) => {
    const id = await callingInstallation(app, request)
    const removed = await eraseInstallation(app.store, id)
    if (removed === undefined) throw httpError('HP_ERR_INSTALLATION_NOT_FOUND', `cannot find installation ${id}`)
    request.log.info({ installation: id, removed, by: 'owner' }, 'installation erased')
    // Counts, not figures: the pool status is recounted at once (the cached comparisons wait for the next day).
    app.poolStatus.invalidate()
    return { installation_id: id, samples_deleted: removed.samples, removed }
  })
}

export default installationPrivacyRoutes
