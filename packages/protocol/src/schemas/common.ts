import Type, { type Static } from 'typebox'

/**
 * Every error body. `detail` keeps upstream's FastAPI field (old clients log it) and reads
 * `cannot <verb> <object>: <cause>` for new errors; `code` is stable (`HP_ERR_*`, see the
 * server's errors.ts and docs/ERRORS.md).
 */
export const ErrorResponseSchema = Type.Object({
  code: Type.String({ description: 'Stable error code, e.g. HP_ERR_VALIDATION' }),
  detail: Type.String({ description: 'Human-readable message' }),
  errors: Type.Optional(Type.Array(Type.Object({
    path: Type.String(),
    message: Type.String(),
  }), { description: 'Validation failures, when the request did not match its schema' })),
}, { $id: 'ErrorResponse' })
export type ErrorResponse = Static<typeof ErrorResponseSchema>

export const HealthResponseSchema = Type.Object({
  status: Type.Literal('ok'),
})
export type HealthResponse = Static<typeof HealthResponseSchema>

export const ReadyResponseSchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  checks: Type.Record(Type.String(), Type.Object({
    ok: Type.Boolean(),
    detail: Type.Optional(Type.String()),
  })),
})
export type ReadyResponse = Static<typeof ReadyResponseSchema>
