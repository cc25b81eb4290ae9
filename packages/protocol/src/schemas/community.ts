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

// ---------------------------------------------------------------- community analytics (v2)

const analyticsWindow = (defaultWindow: string) => Type.Union(['7d', '30d', '365d'].map((w) => Type.Literal(w)), { default: defaultWindow, description: 'The last 7, 30 or 365 complete UTC days, ending yesterday (UTC)' })

export const WindowSchema = Type.Object({
  name: Type.String(),
  from: Type.String({ format: 'date', description: 'First UTC day of the window' }),
  to: Type.String({ format: 'date', description: 'Last UTC day of the window (yesterday)' }),
})

/** The rules every analytics answer applies, stated in the answer. */
export const AnalyticsRulesSchema = Type.Object({
  k_anonymity: Type.Integer({ description: 'No figure over fewer distinct installations than this (admins excepted)' }),
  min_running_hours: Type.Number({ description: 'Running hours a heat pump needs in the window to vote or be ranked' }),
  min_band_running_hours: Type.Number({ description: 'Running hours a heat pump needs in an outdoor band to vote in that band' }),
  min_electricity_kwh: Type.Number({ description: 'Electricity a heat pump needs (in the window or band) for a COP' }),
  percentile: Type.String({ description: 'How quantiles and positions are defined' }),
})

const nullableInt = (description: string) => Type.Union([Type.Integer(), Type.Null()], { description })

/** One group's (or band's) distribution of per-heat-pump values. Public answers never carry mean/min/max. */
export const DistributionSchema = Type.Object({
  installations: nullableInt('Distinct installations that voted; null when withheld (fewer than K)'),
  heat_pumps: nullableInt('Heat pumps that voted (one vote each)'),
  p10: Type.Optional(Type.Number()),
  p25: Type.Optional(Type.Number()),
  median: Type.Optional(Type.Number()),
  p75: Type.Optional(Type.Number()),
  p90: Type.Optional(Type.Number()),
  mean: Type.Optional(Type.Number({ description: 'Admins only' })),
  min: Type.Optional(Type.Number({ description: 'Admins only' })),
  max: Type.Optional(Type.Number({ description: 'Admins only' })),
  withheld: Type.Optional(Type.String({ description: 'Why some or all figures are not published' })),
})

const BandBounds = {
  band: Type.Integer({ description: 'Lower bound (°C) of the 2 K outdoor band' }),
  from: Type.Integer(),
  to: Type.Integer({ description: 'Upper bound (°C, excluded)' }),
}

export const ComparisonQuerySchema = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 400, description: 'Heat-pump model name ("AERO SLM") or key ("aero_slm")' }),
  metric: Type.Optional(Type.Union(['cop', 'cop_space', 'cop_dhw', 'temp_flow', 'temp_return', 'temp_outdoor', 'pct_carnot'].map((m) => Type.Literal(m)), { default: 'cop' })),
  window: Type.Optional(analyticsWindow('30d')),
}, { additionalProperties: false })

const nullableNumber = (description = '') => Type.Union([Type.Number(), Type.Null()], description === '' ? {} : { description })

/** `GET /api/v2/community/comparison`. */
export const ComparisonSchema = Type.Object({
  model: Type.String({ description: 'As given' }),
  model_key: Type.Union([Type.String(), Type.Null()]),
  metric: Type.String(),
  window: WindowSchema,
  rules: AnalyticsRulesSchema,
  overall: DistributionSchema,
  bands: Type.Array(Type.Intersect([Type.Object(BandBounds), DistributionSchema]), { description: 'Per outdoor band, from each heat pump\'s hours in it; bands under K installations are left out' }),
  mine: Type.Optional(Type.Array(Type.Object({
    heat_pump: Type.String(),
    value: nullableNumber('This heat pump\'s value over the window'),
    percentile: nullableInt('Share (%) of the other installations\' heat pumps with a lower value; null under K'),
    missing: Type.Array(Type.String(), { description: 'Why it does not vote (running_hours, electricity)' }),
    bands: Type.Array(Type.Object({ ...BandBounds, value: nullableNumber(), percentile: nullableInt('Position in the band') })),
  }), { description: 'Only for an installation token: its heat pumps of this model' })),
})
export type Comparison = Static<typeof ComparisonSchema>

export const RankingQuerySchema = Type.Object({
  window: Type.Optional(analyticsWindow('365d')),
}, { additionalProperties: false })

/** `GET /api/v2/community/ranking`. */
export const RankingSchema = Type.Object({
  window: WindowSchema,
  rules: AnalyticsRulesSchema,
  heat_pumps: Type.Array(Type.Object({
    heat_pump: Type.String(),
    model: Type.Union([Type.String(), Type.Null()]),
    model_key: Type.Union([Type.String(), Type.Null()]),
    ranked: Type.Boolean(),
    missing: Type.Array(Type.String(), { description: 'What keeps it from being ranked: model, running_hours, electricity, group_size' }),
    figures: Type.Object({
      running_hours: Type.Number(),
      electricity_kwh: Type.Number(),
      other_installations: nullableInt('Other installations of the group with enough data; null when fewer than K'),
    }),
    cop: nullableNumber('Seasonal COP over the window: Σ heat ÷ Σ electricity'),
    percentile: nullableInt('Better than this share (%) of the other installations\' heat pumps'),
    n: nullableInt('Heat pumps ranked in the group, this one included'),
    statement: Type.Union([Type.String(), Type.Null()]),
    bands: Type.Array(Type.Object({ ...BandBounds, cop: Type.Number(), percentile: nullableInt('Position at comparable outdoor temperatures'), group_median: nullableNumber('The group\'s published median COP in the band') })),
    normalised: Type.Object({
      band_score: nullableNumber('Heat-weighted mean over bands of COP ÷ group median COP in the band (1 = typical)'),
      bands_used: Type.Integer(),
      heat_share: nullableNumber('Share of the heat pump\'s heat in the bands used'),
      pct_carnot: nullableNumber('COP as % of the Carnot COP (flow + 2 K, outdoor − 6 K)'),
      pct_carnot_percentile: nullableInt('Position of its % of Carnot in the group'),
    }),
  })),
})
export type Ranking = Static<typeof RankingSchema>

/** `GET /api/v2/community/models`. */
export const CommunityModelsSchema = Type.Object({
  window: WindowSchema,
  rules: AnalyticsRulesSchema,
  models: Type.Array(Type.Object({
    model: Type.String(),
    model_key: Type.String(),
    installations: Type.Integer(),
    heat_pumps: Type.Integer(),
    seasonal_cop: Type.Object({ median: nullableNumber(), p25: nullableNumber(), p75: nullableNumber() }),
  })),
})
export type CommunityModels = Static<typeof CommunityModelsSchema>
