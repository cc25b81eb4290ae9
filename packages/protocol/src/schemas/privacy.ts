import Type, { type Static } from 'typebox'

const Count = (description: string) => Type.Integer({ minimum: 0, description })

/** What an erasure removed, per store: rows per relational table, samples from the sample store. */
export const ErasureRemovedSchema = Type.Object({
  samples: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Raw samples (one per heat pump and timestamp) deleted; null when the sample store cannot count them (VictoriaMetrics deletes the series)' }),
  installations: Count('The installation record with its token hash (1)'),
  heat_pumps: Count('Heat pumps'),
  ledger_days: Count('Contribution ledger days'),
  rollups_hourly: Count('Hourly rollups of its heat pumps (the community figures\' input)'),
  rollups_daily: Count('Daily rollups of its heat pumps'),
  badges: Count('Badges'),
  installation_rejection_days: Count('Days with counts of dropped values by reason'),
  idempotency_keys: Count('Stored submit answers kept for retries'),
  recent_sample_writes: Count('Sample batches kept for replay to VictoriaMetrics'),
})
export type ErasureRemoved = Static<typeof ErasureRemovedSchema>

/** `DELETE /api/v2/installations/me` and `DELETE /api/v2/admin/installations/:id`. */
export const ErasureResultSchema = Type.Object({
  installation_id: Type.String(),
  samples_deleted: Type.Union([Type.Integer(), Type.Null()], { description: 'Samples deleted; null when the sample store cannot count them (VictoriaMetrics). The same as removed.samples' }),
  removed: ErasureRemovedSchema,
})
export type ErasureResult = Static<typeof ErasureResultSchema>

/** `format` of `GET /api/v2/installations/me/export`. */
export const ExportQuerySchema = Type.Object({
  format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json', description: 'json (one document) or csv (one row per fact: kind,heat_pump,time,name,value)' }),
}, { additionalProperties: false })

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const Time = Nullable(Type.String({ format: 'date-time' }))

/**
 * The JSON document of `GET /api/v2/installations/me/export`: everything the server holds about
 * the installation except its token hash. Streamed; `samples` and `rollups_hourly` come last.
 */
export const InstallationExportSchema = Type.Object({
  format: Type.Literal('heatpool-export-1'),
  exported_at: Type.String({ format: 'date-time' }),
  installation: Type.Object({
    installation_id: Type.String(),
    created_at: Time,
    registered_at: Time,
    consent_version: Nullable(Type.String()),
    manufacturer: Nullable(Type.String()),
    heatpump_model: Nullable(Type.String()),
    model_key: Nullable(Type.String()),
    first_seen: Time,
    last_seen: Time,
    last_sample: Time,
    samples_total: Type.Integer(),
    contribution_days: Type.Integer(),
    last_contribution_day: Nullable(Type.String({ format: 'date' })),
  }),
  heat_pumps: Type.Array(Type.Object({
    heat_pump: Type.String({ description: 'The client\'s heat-pump id (hp-legacy, hp-1a2b3c4d)' }),
    manufacturer: Type.String(),
    driver_model: Type.String(),
    heatpump_model: Nullable(Type.String()),
    model_key: Nullable(Type.String()),
    created_at: Time,
    last_seen: Time,
    last_sample: Time,
    last_sample_values: Nullable(Type.Record(Type.String(), Type.Number())),
  })),
  ledger: Type.Array(Type.Object({ day: Type.String({ format: 'date' }), samples: Type.Integer(), stored: Type.Integer() })),
  badges: Type.Array(Type.Object({ badge: Type.String(), rules_version: Type.Integer(), earned: Type.String({ format: 'date' }) })),
  rejections: Type.Array(Type.Object({ day: Type.String({ format: 'date' }), reason: Type.String(), records_rejected: Type.Integer(), values_rejected: Type.Integer() })),
  rollups_daily: Type.Array(Type.Object({ heat_pump: Type.String(), day: Type.String({ format: 'date' }), sums: Type.Record(Type.String(), Type.Number()) })),
  rollups_hourly: Type.Array(Type.Object({ heat_pump: Type.String(), hour: Type.String({ format: 'date-time' }), outdoor_band: Nullable(Type.Integer()), sums: Type.Record(Type.String(), Type.Number()) })),
  samples: Type.Array(Type.Object({ heat_pump: Type.String(), ts: Type.String({ format: 'date-time' }), values: Type.Record(Type.String(), Type.Number()) })),
})
export type InstallationExport = Static<typeof InstallationExportSchema>
