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
