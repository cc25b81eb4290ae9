import type { CommunityGrowth, CommunityModels, Comparison, PoolStatus } from '@heatpool/protocol'

export type { CommunityGrowth, CommunityModels, Comparison, PoolStatus }
export type CommunityModel = CommunityModels['models'][number]
export type ComparisonBand = Comparison['bands'][number]

/**
 * Why a request failed: the server could not be reached (`network`), it answered with a
 * non-2xx status (`http`), or its answer was not the JSON we expect (`invalid`).
 */
export type ApiErrorKind = 'network' | 'http' | 'invalid'

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor (
    readonly kind: ApiErrorKind,
    readonly path: string,
    readonly status?: number,
    /** The server's own explanation (`detail` or `message` of its error body), when it gave one. */
    readonly serverMessage?: string,
    /** The stable `HP_ERR_*` code of the error body, when it gave one. */
    readonly code?: string,
  ) {
    super(kind === 'http' ? `${path}: HTTP ${status}` : `${path}: ${kind}`)
  }
}

export interface JsonRequest {
  readonly method?: 'GET' | 'POST' | 'DELETE'
  readonly headers?: Readonly<Record<string, string>>
  /** Sent as JSON. */
  readonly body?: unknown
  readonly signal?: AbortSignal | undefined
}

/**
 * One request to `path` (same origin) answered with JSON that passes `check`. Every failure
 * becomes an ApiError (with the body's explanation and `HP_ERR_*` code when it has them), never a
 * fake empty answer; an abort stays an AbortError. The server's, the admin's and the agent's
 * requests all go through here.
 */
export async function requestJson<T> (path: string, check: (body: unknown) => boolean, request: JsonRequest = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers }
  if (request.body !== undefined) headers['content-type'] = 'application/json'
  let res: Response
  try {
    res = await fetch(path, {
      method: request.method ?? 'GET',
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    })
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err
    throw new ApiError('network', path)
  }
  let body: unknown
  try {
    body = await res.json()
  } catch {
    body = undefined
  }
  if (!res.ok) throw new ApiError('http', path, res.status, messageOf(body), isObject(body) && typeof body.code === 'string' ? body.code : undefined)
  if (!check(body)) throw new ApiError('invalid', path, res.status)
  return body as T
}

const getJson = <T>(path: string, check: (body: unknown) => boolean, signal?: AbortSignal): Promise<T> => requestJson(path, check, { signal })

/** The explanation in an error body: the server's `{ code, detail }`, or a `message` (proxies, upstream). */
export function messageOf (body: unknown): string | undefined {
  if (isObject(body) && typeof body.detail === 'string') return body.detail
  if (isObject(body) && typeof body.message === 'string') return body.message
  return undefined
}

export function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** `GET /api/v1/pool/status`; a 503 (store down) is an error, not an empty pool. */
export function fetchPoolStatus (signal?: AbortSignal): Promise<PoolStatus> {
  return getJson('/api/v1/pool/status', (b) => isObject(b) && typeof b.total_installations === 'number' && typeof b.data_sufficient === 'boolean' && isObject(b.progress), signal)
}

/** `GET /api/v2/community/growth`: active and total installations per day, oldest first. */
export function fetchCommunityGrowth (signal?: AbortSignal, days = 365): Promise<CommunityGrowth> {
  return getJson(`/api/v2/community/growth?days=${days}`, (b) => isObject(b) && Array.isArray(b.days) && typeof b.k_anonymity === 'number', signal)
}

/** `GET /api/v2/community/models`: models with at least K installations. */
export function fetchCommunityModels (signal?: AbortSignal): Promise<CommunityModels> {
  return getJson('/api/v2/community/models', (b) => isObject(b) && Array.isArray(b.models) && isObject(b.rules), signal)
}

/** `GET /api/v2/community/comparison` for one model's seasonal COP per outdoor band. */
export function fetchComparison (modelKey: string, signal?: AbortSignal): Promise<Comparison> {
  const query = new URLSearchParams({ model: modelKey, metric: 'cop', window: '365d' })
  return getJson(`/api/v2/community/comparison?${query.toString()}`, (b) => isObject(b) && Array.isArray(b.bands) && isObject(b.overall) && isObject(b.rules), signal)
}
