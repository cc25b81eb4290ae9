import Type, { type Static } from 'typebox'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/**
 * One community model file as `GET /api/v1/models` lists it: upstream's fields (upstream.md
 * §1.1) plus `version` and `heatpump_model_key`.
 */
export const ModelListItemSchema = Type.Object({
  name: Type.String({ description: 'Display name: the file stem with `_` as spaces (upstream rule), e.g. "AERO SLM"' }),
  filename: Type.String({ description: '`<stem>.enc`, e.g. "AERO_SLM.enc"' }),
  size_bytes: Type.Integer({ minimum: 0 }),
  hash: Type.String({ description: 'sha256 of the file, lowercase hex (the X-Model-Hash of a download)' }),
  modified: Type.Number({ description: 'When this version was stored, seconds since the epoch (upstream: file mtime)' }),
  version: Type.Integer({ minimum: 1, description: 'Increases with every new file under this name' }),
  heatpump_model_key: Nullable(Type.String({ description: 'Heat-pump model key it is served to; null = the generic community model' })),
})
export type ModelListItem = Static<typeof ModelListItemSchema>

export const ModelListSchema = Type.Object({
  models: Type.Array(ModelListItemSchema),
  total: Type.Integer({ minimum: 0 }),
  model_dir: Type.String({ description: 'Always the literal "MODEL_DIR": upstream leaked the server path here (upstream.md §8 X8)' }),
})
export type ModelList = Static<typeof ModelListSchema>

/** The answer to an admin upload: what was stored, under which name and version. */
export const ModelUploadResultSchema = Type.Object({
  name: Type.String({ description: 'File stem, e.g. "AERO_SLM" or "community_model"' }),
  filename: Type.String(),
  heatpump_model_key: Nullable(Type.String()),
  version: Type.Integer({ minimum: 1 }),
  sha256: Type.String(),
  size_bytes: Type.Integer({ minimum: 1 }),
  created: Type.String({ format: 'date-time' }),
})
export type ModelUploadResult = Static<typeof ModelUploadResultSchema>

export const ModelRemovedSchema = Type.Object({
  name: Type.String(),
})
export type ModelRemoved = Static<typeof ModelRemovedSchema>

/** `GET /api/v1/status` (upstream shape). */
export const ServerStatusSchema = Type.Object({
  status: Type.Literal('online'),
  active_installations_30d: Type.Integer({ minimum: 0, description: 'Distinct installations with a sample timestamped in the last 30 days' }),
  timestamp: Type.Number({ description: 'Server time, seconds since the epoch' }),
})
export type ServerStatus = Static<typeof ServerStatusSchema>

/** `GET /api/v1/status` when the store fails: upstream's body, but with status 503 instead of 200. */
export const ServerStatusErrorSchema = Type.Object({
  status: Type.Literal('error'),
  message: Type.String(),
})
export type ServerStatusError = Static<typeof ServerStatusErrorSchema>

/** `GET /api/v2/models/signing-key`: the key that signs community models, for agents to pin. */
export const SigningKeyResponseSchema = Type.Object({
  algorithm: Type.Literal('Ed25519'),
  public_key: Type.String({ description: 'Raw 32-byte public key, base64' }),
  fingerprint: Type.String({ description: 'sha256 of the raw public key, hex in groups of four: compare it out of band before pinning' }),
})
export type SigningKeyResponse = Static<typeof SigningKeyResponseSchema>
