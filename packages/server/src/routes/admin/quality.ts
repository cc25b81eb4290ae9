import { ErrorResponseSchema, QualityQuerySchema, QualityReportSchema } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { qualityReport, qualityWindow } from '../../quality/report.js'
import {
  firstRejectionDays,
  ingestFiguresByDay,
  ingestFiguresByHour,
  installationRejections,
  rejectionsByDay,
} from '../../store/ingest-stats.js'
import { firstLedgerDays, ledgerWindowByInstallation } from '../../store/ledger.js'

/**
 * `GET /api/v2/admin/quality`: ingest figures and data quality for the admin dashboard — per day
 * and hour what was stored and dropped and why, and per installation its drops, implausible
 * values and gaps. Admins see figures about single installations (k-anonymity binds public answers).
 */
const adminQualityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.ipRateLimit)
  app.addHook('onRequest', app.requireAdmin)

  app.get('/api/v2/admin/quality', {
    schema: {
      tags: ['admin'],
      summary: 'Ingest rates, drops by reason, and data quality per installation',
      querystring: QualityQuerySchema,
      response: { 200: QualityReportSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema, 422: ErrorResponseSchema },
    },
  }, async (request) => {
    const w = qualityWindow(app.clock(), request.query.days)
    const db = app.store.db
    const [byDay, byHour, rejectionsPerDay, ledger, rejections, firstLedger, firstRejection] = await Promise.all([
      ingestFiguresByDay(db, w.fromDay, w.toDay),
      ingestFiguresByHour(db, w.fromHour, w.toHour),
      rejectionsByDay(db, w.fromDay, w.toDay),
      ledgerWindowByInstallation(db, w.fromDay, w.toDay),
      installationRejections(db, w.fromDay, w.toDay),
      firstLedgerDays(db),
      firstRejectionDays(db),
    ])
    return qualityReport(w, {
      byDay,
      byHour,
      rejectionsByDay: rejectionsPerDay,
      ledger,
      rejections,
      firstLedgerDays: firstLedger,
      firstRejectionDays: firstRejection,
    })
  })
}

export default adminQualityRoutes
