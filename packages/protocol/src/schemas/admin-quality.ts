import Type, { type Static } from 'typebox'

/**
 * `GET /api/v2/admin/quality`: what ingest accepted and dropped, for the admin dashboard. The
 * figures are recorded in the ingest transaction of each stored batch (a replayed retry adds
 * nothing), by the server's clock at arrival; per-installation rows go with an erased
 * installation, the pool-wide hourly figures stay (they name no one).
 */
export const QualityQuerySchema = Type.Object({
  days: Type.Integer({ minimum: 1, maximum: 365, default: 30, description: 'UTC days in the window, ending today' }),
})
export type QualityQuery = Static<typeof QualityQuerySchema>

const Count = (description: string) => Type.Integer({ minimum: 0, description })

export const QualityDaySchema = Type.Object({
  day: Type.String({ format: 'date', description: 'UTC day of arrival' }),
  batches: Count('Batches stored (a replayed retry is not counted again)'),
  records_accepted: Count('Records accepted'),
  records_rejected: Count('Records dropped whole'),
  values_stored: Count('Catalog values stored (new)'),
  values_rejected: Count('Catalog values dropped'),
  rejected: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
    description: 'Drops by reason (protocol reasons.ts): records or heat-pump entries for a record reason, values for a value reason',
  }),
})
export type QualityDay = Static<typeof QualityDaySchema>

export const QualityHourSchema = Type.Object({
  hour: Type.String({ format: 'date-time', description: 'Start of the hour (UTC) of arrival' }),
  batches: Count('Batches stored'),
  records_accepted: Count('Records accepted'),
  values_stored: Count('Catalog values stored (new)'),
  records_rejected: Count('Records dropped whole'),
  values_rejected: Count('Catalog values dropped'),
})
export type QualityHour = Static<typeof QualityHourSchema>

export const QualityReasonSchema = Type.Object({
  reason: Type.String({ description: 'A stable reject reason, e.g. out_of_range, future_timestamp' }),
  records: Count('Records or heat-pump entries dropped for it in the window'),
  values: Count('Values dropped for it in the window'),
})
export type QualityReason = Static<typeof QualityReasonSchema>

export const QualityInstallationSchema = Type.Object({
  installation_id: Type.String(),
  values_stored: Count('Values stored with sample timestamps in the window (the ledger)'),
  values_rejected: Count('Values dropped from its batches that arrived in the window'),
  implausible_values: Count('Of those, values outside the catalog\'s plausible range (out_of_range)'),
  days_with_data: Count('UTC days of the window with stored values'),
  gap_days: Count('Days of the window without stored samples, from its first day with data (its first ledger day; if it never stored any, its first day with drops) to `to`'),
  first_day: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'Its first UTC day with stored values ever; null when none was stored' }),
})
export type QualityInstallation = Static<typeof QualityInstallationSchema>

export const QualityReportSchema = Type.Object({
  generated_at: Type.String({ format: 'date-time' }),
  from: Type.String({ format: 'date', description: 'First UTC day of the window' }),
  to: Type.String({ format: 'date', description: 'Last UTC day of the window (today)' }),
  daily: Type.Array(QualityDaySchema, { description: 'Every day of the window, zeros included, oldest first' }),
  hourly: Type.Array(QualityHourSchema, { description: 'The last 48 hours (the current one included), zeros included, oldest first' }),
  reasons: Type.Array(QualityReasonSchema, { description: 'Totals over the window, most drops first' }),
  installations: Type.Array(QualityInstallationSchema, { description: 'Installations with stored samples or drops in the window: most values dropped first, then most gap days' }),
})
export type QualityReport = Static<typeof QualityReportSchema>
