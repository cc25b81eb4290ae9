import Type, { type Static } from 'typebox'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/** An installation as the operator sees it: profile and contribution ledger, never its token. */
export const InstallationSummarySchema = Type.Object({
  installation_id: Type.String(),
  registered: Type.Boolean({ description: 'Has its own token (false: known from legacy uploads only, or revoked)' }),
  consent_version: Nullable(Type.String()),
  heatpump_model: Nullable(Type.String()),
  model_key: Nullable(Type.String()),
  first_seen: Nullable(Type.String({ format: 'date-time' })),
  last_seen: Nullable(Type.String({ format: 'date-time' })),
  last_sample: Nullable(Type.String({ format: 'date-time' })),
  samples_total: Type.Integer(),
  contribution_days: Type.Integer(),
  last_contribution_day: Nullable(Type.String({ format: 'date' })),
  revoked_at: Type.Optional(Nullable(Type.String({ format: 'date-time', description: 'When an admin revoked it (its id can no longer register or upload); null when not revoked' }))),
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

/** ErasureResultSchema: schemas/privacy.ts (the admin's and the installation's erasure answer the same). */

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

/** Per operating mode of a trained model: what it learnt and the threshold chosen on normal operation. */
const TrainingModeSchema = Type.Object({
  windows: Type.Integer(),
  features: Type.Array(Type.String()),
  threshold: Type.Number({ description: 'Windows scoring above this are anomalous; chosen so that 0.05 % of runs of 3 consecutive training windows would alert' }),
  scores: Type.Object({ p50: Type.Number(), p90: Type.Number(), p99: Type.Number(), max: Type.Number() }, { description: 'Distribution of the training windows\' scores' }),
})

/** One community-model training of one heat-pump model, as admins see it. */
export const TrainingRunSchema = Type.Object({
  id: Type.Integer(),
  heatpump_model_key: Type.String(),
  heatpump_model: Type.String(),
  trigger: Type.Union([Type.Literal('schedule'), Type.Literal('startup'), Type.Literal('admin')]),
  status: Type.Union([Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('skipped'), Type.Literal('failed')]),
  started: Type.String({ format: 'date-time' }),
  finished: Nullable(Type.String({ format: 'date-time' })),
  progress: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'While running: phase and counts' })),
  summary: Nullable(Type.Object({
    samples: Type.Integer(),
    windows: Type.Integer(),
    installations: Type.Integer(),
    heat_pumps: Type.Integer(),
    lookback_days: Type.Integer(),
    duration_ms: Type.Integer(),
    features: Type.Optional(Type.Array(Type.String())),
    modes: Type.Optional(Type.Record(Type.String(), TrainingModeSchema)),
    model: Type.Optional(Type.Object({
      name: Type.String(),
      version: Type.Integer(),
      sha256: Type.String(),
      size_bytes: Type.Integer(),
      expires: Type.String({ format: 'date-time' }),
      encrypted: Type.Boolean(),
      key_fingerprint: Type.String(),
    })),
    reason: Type.Optional(Type.String({ description: 'Why a skipped run did not train' })),
  })),
  error: Nullable(Type.String()),
})
export type TrainingRun = Static<typeof TrainingRunSchema>

export const TrainingRunsSchema = Type.Object({
  signing_key_fingerprint: Type.String({ description: 'Fingerprint of the key that signs models: compare with what agents pinned' }),
  training_time: Type.String({ description: 'TRAINING_TIME (UTC), empty when the schedule is off' }),
  busy: Type.Boolean({ description: 'A training is going or waiting' }),
  runs: Type.Array(TrainingRunSchema),
})
export type TrainingRuns = Static<typeof TrainingRunsSchema>
