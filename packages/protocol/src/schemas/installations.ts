import Type, { type Static } from 'typebox'

export const RegisterInstallationSchema = Type.Object({
  installation_id: Type.Optional(Type.String({ maxLength: 64, description: 'Client-chosen UUID; a new one is generated when absent' })),
  manufacturer: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()], { description: 'Heat-pump manufacturer driver id, e.g. idm' })),
  heatpump_model: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'Free-text product name, e.g. "AERO SLM"' })),
  consent_version: Type.String({ minLength: 1, maxLength: 32, description: 'Version of the data-sharing consent text the owner accepted' }),
  token: Type.Optional(Type.String({
    minLength: 32,
    maxLength: 256,
    pattern: '^[A-Za-z0-9_-]+$',
    description: 'A token the client generated (at least 32 random URL-safe characters) and saved before asking. ' +
      'Repeating the registration with the same token is answered 200 again, so a lost answer costs nothing.',
  })),
}, { additionalProperties: false })
export type RegisterInstallation = Static<typeof RegisterInstallationSchema>

export const RegisteredInstallationSchema = Type.Object({
  installation_id: Type.String(),
  token: Type.String({ description: 'Bearer token for this installation. Shown once; the server keeps only its hash.' }),
  created: Type.Boolean({ description: 'false when an installation known from legacy uploads was claimed' }),
})
export type RegisteredInstallation = Static<typeof RegisteredInstallationSchema>

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

export const InstallationBadgeSchema = Type.Object({
  id: Type.String({ description: 'Rule id, e.g. streak_30 (docs/BADGES.md)' }),
  title: Type.String({ description: 'English title' }),
  title_de: Type.String({ description: 'German title' }),
  earned: Type.String({ format: 'date', description: 'UTC day the badge was first earned' }),
  rules_version: Type.Integer({ description: 'Version of the badge rules it was earned under' }),
})
export type InstallationBadge = Static<typeof InstallationBadgeSchema>

export const RecentLedgerDaySchema = Type.Object({
  day: Type.String({ format: 'date' }),
  samples: Type.Integer({ description: 'Samples of that UTC day that arrived on time' }),
  stored: Type.Integer({ description: 'All samples of that UTC day stored, late ones included' }),
  counted: Type.Boolean({ description: 'Whether the day is a contribution day' }),
})

/** `GET /api/v2/installations/me`: what an installation may know about itself. */
export const InstallationMeSchema = Type.Object({
  installation_id: Type.String(),
  heatpump_model: Nullable(Type.String()),
  model_key: Nullable(Type.String()),
  registered_at: Nullable(Type.String({ format: 'date-time' })),
  last_sample: Nullable(Type.String({ format: 'date-time', description: 'Timestamp of the newest stored sample' })),
  contribution_days: Type.Object({
    total: Type.Integer(),
    last: Nullable(Type.String({ format: 'date' })),
    min_samples: Type.Integer({ description: 'On-time samples a UTC day needs to count' }),
    recent: Type.Array(RecentLedgerDaySchema, { description: 'Days of the last 60 (today included) with stored samples, oldest first' }),
  }),
  eligibility: Type.Object({
    eligible: Type.Boolean({ description: 'May download community models' }),
    required_days: Type.Integer(),
    days_needed: Type.Integer({ description: 'Contribution days still missing' }),
    recent_days: Type.Integer({ description: 'The latest contribution day must be at most this many days ago' }),
    lapsed: Type.Boolean({ description: 'No contribution day recently enough' }),
    eligible_since: Nullable(Type.String({ format: 'date', description: 'The contribution day that completed the required days' })),
    reason: Nullable(Type.String({ description: 'Why not eligible; null when eligible' })),
  }),
  badges: Type.Array(InstallationBadgeSchema),
  badge_rules_version: Type.Integer(),
})
export type InstallationMe = Static<typeof InstallationMeSchema>
