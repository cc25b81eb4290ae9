import Type, { type Static } from 'typebox'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/** An installation as the operator sees it: profile and contribution ledger, never its token. */
export const InstallationSummarySchema = Type.Object({
  installation_id: Type.String(),
  registered: Type.Boolean({ description: 'Has its own token (false: known from legacy uploads only)' }),
  consent_version: Nullable(Type.String()),
  heatpump_model: Nullable(Type.String()),
  model_key: Nullable(Type.String()),
  first_seen: Nullable(Type.String({ format: 'date-time' })),
  last_seen: Nullable(Type.String({ format: 'date-time' })),
  last_sample: Nullable(Type.String({ format: 'date-time' })),
  samples_total: Type.Integer(),
  contribution_days: Type.Integer(),
  last_contribution_day: Nullable(Type.String({ format: 'date' })),
})
export type InstallationSummary = Static<typeof InstallationSummarySchema>

export const InstallationListSchema = Type.Object({
  total: Type.Integer(),
  installations: Type.Array(InstallationSummarySchema),
})
export type InstallationList = Static<typeof InstallationListSchema>

export const InstallationDetailSchema = Type.Intersect([InstallationSummarySchema, Type.Object({
  ledger: Type.Array(Type.Object({
    day: Type.String({ format: 'date' }),
    samples: Type.Integer({ description: 'Samples of that UTC day that arrived on time (they make contribution days)' }),
    stored: Type.Integer({ description: 'All samples of that UTC day stored, late ones included' }),
  })),
})])
export type InstallationDetail = Static<typeof InstallationDetailSchema>

export const ErasureResultSchema = Type.Object({
  installation_id: Type.String(),
  samples_deleted: Type.Union([Type.Integer(), Type.Null()], { description: 'Samples deleted; null when the sample store cannot count them (VictoriaMetrics)' }),
})

export const RetentionResultSchema = Type.Object({
  samples_deleted: Type.Union([Type.Integer(), Type.Null()], { description: 'Samples deleted; null when the sample store cannot count them (VictoriaMetrics)' }),
  idempotency_keys_deleted: Type.Integer(),
  cutoff: Type.String({ format: 'date-time' }),
})

export const BadgeRunResultSchema = Type.Object({
  day: Type.String({ format: 'date', description: 'UTC day the badges were computed for' }),
  rules_version: Type.Integer(),
  installations: Type.Integer(),
  awarded: Type.Integer({ description: 'Badges stored for the first time' }),
  backdated: Type.Integer({ description: 'Stored badges whose earned day moved earlier' }),
  duration_ms: Type.Integer(),
})
export type BadgeRunResult = Static<typeof BadgeRunResultSchema>
