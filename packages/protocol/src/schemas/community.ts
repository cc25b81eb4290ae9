import Type, { type Static } from 'typebox'

const Progress = Type.Object({
  current: Type.Integer(),
  required: Type.Integer(),
  needed: Type.Integer({ description: 'max(0, required − current)' }),
})

/** The pool-status fields upstream clients read, plus `progress` in numbers. */
export const DataPoolSchema = Type.Object({
  total_installations: Type.Integer({ description: 'Distinct installations with samples in the last 30 days' }),
  total_data_points: Type.Integer({ description: 'Samples timestamped in the last 30 days' }),
  models_available: Type.Array(Type.String(), { description: 'Model names, upstream style ("AERO SLM", "community model")' }),
  data_sufficient: Type.Boolean({ description: 'total_installations ≥ MIN_INSTALLATIONS and total_data_points ≥ MIN_DATA_POINTS' }),
  message: Type.String(),
  message_de: Type.String(),
  progress: Type.Object({ installations: Progress, data_points: Progress }),
})
export type DataPool = Static<typeof DataPoolSchema>

/** `GET /api/v1/pool/status`. */
export const PoolStatusSchema = Type.Intersect([DataPoolSchema, Type.Object({
  timestamp: Type.Number({ description: 'Server time, epoch seconds' }),
})])
export type PoolStatus = Static<typeof PoolStatusSchema>

export const ModelCheckQuerySchema = Type.Object({
  installation_id: Type.String({ maxLength: 64 }),
  model: Type.Optional(Type.String({ maxLength: 400, description: 'Heat-pump model name; defaults to the one the installation reports' })),
  current_hash: Type.Optional(Type.String({ maxLength: 128, description: 'sha256 of the model file the client has' })),
})

/** `GET /api/v1/model/check`: upstream fields plus `hash` (what old clients read) and contribution details. */
export const ModelCheckSchema = Type.Object({
  eligible: Type.Boolean(),
  reason: Type.String(),
  reason_de: Type.String(),
  model_hash: Type.Union([Type.String(), Type.Null()]),
  hash: Type.Union([Type.String(), Type.Null()], { description: 'Alias of model_hash (upstream clients read `hash`)' }),
  model_available: Type.Boolean(),
  update_available: Type.Boolean(),
  data_pool: DataPoolSchema,
  contribution_days: Type.Union([Type.Integer(), Type.Null()], { description: 'Only for the installation itself (its token) or an admin' }),
  days_needed: Type.Union([Type.Integer(), Type.Null()], { description: 'Only for the installation itself or an admin' }),
  eligible_since: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'Only for the installation itself or an admin' }),
})
export type ModelCheck = Static<typeof ModelCheckSchema>

export const AveragesQuerySchema = Type.Object({
  model: Type.String({ maxLength: 400, description: 'Heat-pump model name, e.g. "AERO SLM"' }),
  metrics: Type.Optional(Type.String({ maxLength: 1000, description: 'Comma-separated metric names (canonical or upstream), default cop_current,temp_outdoor' })),
  window: Type.Optional(Type.Union(['24h', '7d', '30d', '365d'].map((w) => Type.Literal(w)), { default: '24h' })),
})

const Stat = Type.Object({ avg: Type.Number(), min: Type.Number(), max: Type.Number() })

/** `GET /api/v1/community/averages`: upstream shape, one vote per heat pump. */
export const AveragesSchema = Type.Object({
  model: Type.String({ description: 'As given' }),
  window: Type.String(),
  metrics: Type.Record(Type.String(), Stat, { description: 'Per requested metric (as named in the request): mean, min and max over heat pumps' }),
  sample_size: Type.Integer({ description: 'Distinct installations in the group with data in the window' }),
  heat_pumps: Type.Integer({ description: 'Heat pumps that voted' }),
  reason: Type.Optional(Type.String({ description: 'Why no figures are given (k-anonymity, no data)' })),
  unknown_metrics: Type.Optional(Type.Array(Type.String(), { description: 'Requested names that are not community metrics' })),
})
export type Averages = Static<typeof AveragesSchema>
