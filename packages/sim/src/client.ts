import type { SimInstallation } from './fleet.js'

export type TargetKind = 'server' | 'agent'

/** Retry policy for 429, 502–504 and lost connections: Retry-After when given, else backoff. */
export interface RetryPolicy {
  /** Attempts after the first. */
  readonly maxRetries: number
  /** Longest single wait, ms (a longer Retry-After is cut to this). */
  readonly maxWaitMs: number
  readonly baseMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 8, maxWaitMs: 60_000, baseMs: 500 }

const REQUEST_TIMEOUT_MS = 120_000

/** One HTTP answer; `status` null when none came (refused, reset, timeout). */
export interface Answer {
  readonly status: number | null
  readonly body: unknown
  readonly text: string
  readonly error?: string
  /** The server answered a repeated Idempotency-Key with its stored answer (`Idempotent-Replayed`). */
  readonly replayed: boolean
  /** Waits taken before this answer, by the status that caused them (`network` for none). */
  readonly retries: Readonly<Record<string, number>>
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs (header: string | null, nowMs = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs)
}

const RETRYABLE = new Set([429, 502, 503, 504])

/** A request with bounded retries; never throws. */
export async function request (method: string, url: string, init: { body?: string, headers?: Record<string, string> }, policy: RetryPolicy = DEFAULT_RETRY): Promise<Answer> {
  const retries: Record<string, number> = {}
  for (let attempt = 0; ; attempt++) {
    let status: number | null = null
    let text = ''
    let error: string | undefined
    let wait: number | undefined
    let replayed = false
    try {
      const res = await fetch(url, {
        method,
        headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      })
      status = res.status
      text = await res.text()
      wait = retryAfterMs(res.headers.get('retry-after'))
      replayed = res.headers.get('idempotent-replayed') === 'true'
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause
      error = cause?.code ?? (err as Error).message
    }
    const retryable = status === null || RETRYABLE.has(status)
    if (!retryable || attempt >= policy.maxRetries) {
      let body: unknown = null
      try { body = text === '' ? null : JSON.parse(text) } catch { body = null }
      return { status, body, text, retries, replayed, ...(error === undefined ? {} : { error }) }
    }
    const reason = status === null ? 'network' : String(status)
    retries[reason] = (retries[reason] ?? 0) + 1
    const backoff = Math.min(policy.maxWaitMs, policy.baseMs * 2 ** attempt) * (0.5 + Math.random() / 2)
    await sleep(Math.min(policy.maxWaitMs, wait ?? backoff))
  }
}

/**
 * Whether `base` is an agent or a server: the agent answers `GET /api/status` with its outbox;
 * the server has no such route. Throws when nothing answers.
 */
export async function detectTargetKind (base: string): Promise<TargetKind> {
  const answer = await request('GET', `${base}/api/status`, {}, { ...DEFAULT_RETRY, maxRetries: 2 })
  if (answer.status === null) throw new Error(`cannot reach ${base}: ${answer.error ?? 'no answer'}`)
  const body = answer.body as Record<string, unknown> | null
  return answer.status === 200 && body !== null && typeof body === 'object' && 'outbox' in body ? 'agent' : 'server'
}

/**
 * Registers an installation with its seeded id and token (`POST /api/v2/installations`); a
 * repeat with the same seed is answered 200 with the same token. Returns the token to use.
 */
export async function registerInstallation (base: string, inst: SimInstallation, consentVersion: string, policy: RetryPolicy): Promise<string> {
  const answer = await request('POST', `${base}/api/v2/installations`, {
    body: JSON.stringify({
      installation_id: inst.installationId,
      heatpump_model: inst.model.name,
      manufacturer: inst.model.driver.manufacturer,
      consent_version: consentVersion,
      token: inst.token,
    }),
  }, policy)
  if (answer.status === 200 || answer.status === 201) return (answer.body as { token: string }).token
  throw new Error(`cannot register installation ${inst.installationId}: ${answer.status ?? answer.error} ${answer.text.slice(0, 300)}`)
}
