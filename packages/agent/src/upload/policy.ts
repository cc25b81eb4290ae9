import { createHash } from 'node:crypto'

/**
 * What to do with an upload's answer, like vmagent and the Prometheus remote-write spec: 2xx is
 * done; 5xx, 408, 409 (the server is still storing an earlier attempt), 429 and network errors
 * are retried forever; 401 and 403 are a credential problem, retried slowly without losing data;
 * every other 4xx is permanent: the batch is quarantined, never retried in a loop.
 */
export type Outcome = 'acknowledged' | 'retry' | 'auth' | 'quarantine'

export function classify (status: number | null): Outcome {
  if (status === null) return 'retry'
  if (status >= 200 && status < 300) return 'acknowledged'
  if (status === 401 || status === 403) return 'auth'
  if (status >= 500 || status === 408 || status === 409 || status === 425 || status === 429) return 'retry'
  return 'quarantine'
}

/** The longest Retry-After honoured: a server (or proxy) asking for more must not stall an installation for good. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and
 * Jitter"): a uniform delay in [0, min(max, min × 2^attempt)], never less than the server's
 * Retry-After. `random` is in [0, 1).
 */
export function backoffMs (attempt: number, minMs: number, maxMs: number, retryAfterMs: number | null, random: number): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30))
  const jittered = Math.floor(random * ceiling)
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS))
}

/** `Retry-After` in ms: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter (header: string | null, nowMs: number): number | null {
  if (header === null || header.trim() === '') return null
  const text = header.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = /^[a-z]{3,9}, \d{2}[ -][a-z]{3}[ -]\d{2}(?:\d{2})? \d{2}:\d{2}:\d{2} gmt$/i.test(text) ? Date.parse(text) : NaN
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs)
}

/**
 * Each installation's fixed offset within the upload interval, from its id, so a fleet spreads
 * its daily uploads over the day instead of all arriving at once.
 */
export function uploadOffsetMs (installationId: string, intervalMs: number): number {
  const h = createHash('sha256').update(installationId).digest()
  return h.readUInt32BE(0) % Math.max(1, intervalMs)
}

/** The next scheduled upload after `nowMs` for an installation's offset. */
export function nextUploadAt (nowMs: number, intervalMs: number, offsetMs: number): number {
  const cycles = Math.floor((nowMs - offsetMs) / intervalMs) + 1
  return cycles * intervalMs + offsetMs
}
