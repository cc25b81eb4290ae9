import type { Envelope } from '../outbox/outbox.js'
// The subpath, not the package index: the index loads TypeBox (~20 MB of the agent's memory).
import { MAX_MODEL_NAME_LENGTH, parseHeatPumpModel, parseInstallationId } from '@heatpool/protocol/identifiers'

/**
 * The relay's reading of a `POST /api/v1/submit` body: what the server's SubmitPayloadSchema
 * accepts (envelope fields checked and converted as Fastify's Ajv does it: numbers and booleans
 * to text, numeric text to integers, a single value to a list), so the agent refuses exactly
 * what the server would refuse and never stores a body the server will quarantine. Records are
 * not looked into: the server checks them one by one.
 */
export interface RelayPayload {
  readonly installationId: string
  readonly envelope: Envelope
  readonly data: readonly unknown[]
}

export interface RelayRefusal {
  readonly status: number
  readonly code: string
  readonly detail: string
}

const FAIL = Symbol('fail')
type Scalar = string | number | boolean | null

function scalar (v: unknown): Scalar | typeof FAIL {
  const x = Array.isArray(v) && v.length === 1 ? v[0] as unknown : v
  return x === null || typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? x : FAIL
}

/** Ajv's coercion to a string: numbers and booleans as text, null as "". */
function asString (v: unknown, maxLength = Infinity): string | typeof FAIL {
  const x = scalar(v)
  if (x === FAIL) return FAIL
  const s = x === null ? '' : String(x)
  return s.length <= maxLength ? s : FAIL
}

/** A string or null (`Type.Union([Type.String(), Type.Null()])`). */
function asNullableString (v: unknown, maxLength = Infinity): string | null | typeof FAIL {
  return v === null ? null : asString(v, maxLength)
}

/** Ajv's coercion to a non-negative integer. */
function isCount (v: unknown): boolean {
  const x = scalar(v)
  if (x === FAIL) return false
  const n = typeof x === 'string' ? (x.trim() === '' ? NaN : Number(x)) : Number(x)
  return Number.isInteger(n) && n >= 0
}

const refuse = (status: number, code: string, detail: string): RelayRefusal => ({ status, code, detail })
const invalid = (detail: string) => refuse(422, 'HP_ERR_VALIDATION', `cannot validate request: ${detail}`)

export function readRelayPayload (body: unknown): RelayPayload | RelayRefusal {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return invalid('body must be object')
  const p = body as Record<string, unknown>
  if (p.installation_id === undefined) return invalid("body must have required property 'installation_id'")
  if (p.data === undefined) return invalid("body must have required property 'data'")
  const rawId = asString(p.installation_id, 64)
  if (rawId === FAIL) return invalid('body/installation_id must be a string of at most 64 characters')
  const model = p.heatpump_model === undefined ? undefined : asNullableString(p.heatpump_model)
  if (model === FAIL) return invalid('body/heatpump_model must be a string or null')
  const version = p.version === undefined ? undefined : asNullableString(p.version, 200)
  if (version === FAIL) return invalid('body/version must be a string of at most 200 characters or null')
  const dataVersion = p.data_version === undefined ? undefined : asString(p.data_version, 16)
  if (dataVersion === FAIL) return invalid('body/data_version must be a string of at most 16 characters')
  for (const key of ['batch_index', 'total_records'] as const) {
    if (p[key] !== undefined && !isCount(p[key])) return invalid(`body/${key} must be an integer >= 0`)
  }
  const data = Array.isArray(p.data) ? p.data as unknown[] : scalar(p.data) === FAIL ? undefined : [p.data]
  if (data === undefined) return invalid('body/data must be array')

  const installationId = parseInstallationId(rawId)
  if (installationId === null) return refuse(422, 'HP_ERR_INVALID_INSTALLATION_ID', `cannot accept installation_id ${JSON.stringify(rawId)}: it must be a UUID`)
  if (typeof parseHeatPumpModel(model) === 'string') return refuse(400, 'HP_ERR_INVALID_MODEL_NAME', `cannot accept heatpump_model: at most ${MAX_MODEL_NAME_LENGTH} characters, no control characters`)
  return {
    installationId,
    envelope: { heatpump_model: model ?? null, version: version ?? null, ...(dataVersion === undefined ? {} : { data_version: dataVersion }) },
    data,
  }
}
