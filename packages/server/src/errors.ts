/**
 * Every error the API answers with, once: a stable code, its HTTP status and its message.
 * Messages of codes that upstream clients know keep upstream's exact text; new ones read
 * `cannot <verb> <object>: <cause>`. docs/ERRORS.md documents each code (a test checks both ways).
 */

interface ErrorDefinition {
  readonly status: number
  /** Default message; a thrown error may give a more specific one. */
  readonly message: string
}

export const ERRORS = {
  HP_ERR_VALIDATION: { status: 422, message: 'cannot validate request: it does not match the schema' },
  HP_ERR_INVALID_INSTALLATION_ID: { status: 422, message: 'cannot accept installation_id: it must be a UUID' },
  HP_ERR_INVALID_MODEL_NAME: { status: 400, message: 'cannot accept heatpump_model: invalid name' },
  HP_ERR_BAD_INSTALLATION_ID: { status: 400, message: 'Invalid installation_id format (must be UUID)' },
  HP_ERR_BAD_MODEL_NAME: { status: 400, message: 'Invalid model name format' },
  HP_ERR_INVALID_METRIC: { status: 400, message: 'Invalid metric name' },
  HP_ERR_INVALID_JSON: { status: 400, message: 'cannot parse body: invalid JSON' },
  HP_ERR_BODY_TOO_LARGE: { status: 413, message: 'cannot read body: it exceeds the size limit' },
  HP_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'cannot read body: unsupported content type' },
  HP_ERR_UNSUPPORTED_ENCODING: { status: 415, message: 'cannot read body: unsupported content encoding' },
  HP_ERR_BAD_ENCODING: { status: 400, message: 'cannot read body: it is not valid for its content encoding' },
  HP_ERR_MISSING_AUTH: { status: 401, message: 'Missing Authorization Header' },
  HP_ERR_INVALID_TOKEN: { status: 403, message: 'Invalid Token' },
  HP_ERR_TOKEN_REJECTED: { status: 401, message: 'Invalid Token' },
  HP_ERR_INSTALLATION_TOKEN_REQUIRED: { status: 401, message: 'cannot identify installation: an installation token is required' },
  HP_ERR_WRONG_INSTALLATION: { status: 403, message: 'cannot write installation data: the token belongs to another installation' },
  HP_ERR_INSTALLATION_REGISTERED: { status: 403, message: 'cannot write installation data: the installation is registered, use its own token' },
  HP_ERR_INSTALLATION_REVOKED: { status: 403, message: 'cannot accept installation: an admin revoked it; register a new installation id or ask the server operator' },
  HP_ERR_NOT_ELIGIBLE: { status: 403, message: 'Not eligible. Contribute data for 30 days to access community models.' },
  HP_ERR_POOL_NOT_READY: { status: 403, message: 'Community model not yet available - data pool is still growing. Your data contributions help build the model. Please check back later.' },
  HP_ERR_ADMIN_REQUIRED: { status: 403, message: 'cannot authorise request: an admin token is required' },
  HP_ERR_INSTALLATION_EXISTS: { status: 409, message: 'cannot register installation: it is already registered' },
  HP_ERR_IDEMPOTENCY_IN_FLIGHT: { status: 409, message: 'cannot process request: a request with this Idempotency-Key is still in progress' },
  HP_ERR_IDEMPOTENCY_KEY_REUSED: { status: 422, message: 'cannot process request: this Idempotency-Key was used with a different body' },
  HP_ERR_INVALID_IDEMPOTENCY_KEY: { status: 400, message: 'cannot read Idempotency-Key: it must be 1 to 255 visible ASCII characters' },
  HP_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests. Please try again later.' },
  HP_ERR_BAD_REQUEST: { status: 400, message: 'cannot process request: bad request' },
  HP_ERR_NOT_FOUND: { status: 404, message: 'cannot find route' },
  HP_ERR_URI_TOO_LONG: { status: 414, message: 'cannot read URL: a path parameter is too long' },
  HP_ERR_NO_MODEL: { status: 404, message: 'No model available yet. The community model is still being trained.' },
  HP_ERR_INSTALLATION_NOT_FOUND: { status: 404, message: 'cannot find installation' },
  HP_ERR_SHUTTING_DOWN: { status: 503, message: 'cannot accept request: the server is shutting down' },
  HP_ERR_STORE_UNAVAILABLE: { status: 503, message: 'cannot reach the store' },
  HP_ERR_INTERNAL: { status: 500, message: 'Internal Server Error' },
  HP_ERR_MODEL_NOT_FOUND: { status: 404, message: 'cannot find model' },
  HP_ERR_MODEL_EMPTY: { status: 400, message: 'cannot store model: the body is empty' },
} as const satisfies Record<string, ErrorDefinition>

export type ErrorCode = keyof typeof ERRORS

/** An error that becomes an HTTP answer with a stable code. */
export class HttpError extends Error {
  override readonly name = 'HttpError'
  readonly statusCode: number
  readonly headers: Readonly<Record<string, string>>

  constructor (readonly code: ErrorCode, message?: string, options?: { cause?: unknown, headers?: Record<string, string> }) {
    super(message ?? ERRORS[code].message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.statusCode = ERRORS[code].status
    this.headers = options?.headers ?? {}
  }
}

export function httpError (code: ErrorCode, message?: string, options?: { cause?: unknown, headers?: Record<string, string> }): HttpError {
  return new HttpError(code, message, options)
}
