// A simulated upstream iDM logger: v1 records at a fixed cadence, relayed in chunks to the
// agent's POST /api/v1/submit the way a logger whose TELEMETRY_ENDPOINT points at the agent does.
import { httpRequest, sleep } from './processes.js'

export const MODEL = 'AERO SLM'

/** A v1 record as the logger sends it; its values follow from its index, so the store can be checked. */
export interface V1Record {
  readonly timestamp: number
  readonly temp_outside: number
  readonly temp_heat_pump_flow: number
  readonly power_current: number
  readonly power_current_draw: number
}

/** The outdoor temperature of record `i`: a tenth-degree value that identifies the record modulo 300. */
export const outdoorOf = (i: number) => -10 + (i % 300) / 10

/**
 * `n` records `stepS` seconds apart, the last one at `lastTsS` (whole seconds), oldest first.
 * Four values that map to catalog metrics (temp_outdoor, temp_flow, power_heat, power_electric),
 * all inside the catalog's plausible ranges.
 */
export function loggerRecords (n: number, lastTsS: number, stepS: number): V1Record[] {
  const first = lastTsS - (n - 1) * stepS
  return Array.from({ length: n }, (_, i) => ({
    timestamp: first + i * stepS,
    temp_outside: outdoorOf(i),
    temp_heat_pump_flow: 30 + (i % 200) / 10,
    power_current: 2 + (i % 70) / 10,
    power_current_draw: 0.5 + (i % 25) / 10,
  }))
}

export function chunksOf<T> (items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export type RelayOutcome =
  /** 200 from the agent: the records are in its outbox and must reach the server. */
  | { readonly kind: 'acknowledged', readonly processed: number, readonly droppedOldest: number }
  /** The request got no answer after it may have been received (the agent died mid-request). */
  | { readonly kind: 'in_doubt', readonly error: string }
  /** Any other HTTP answer. */
  | { readonly kind: 'refused', readonly status: number, readonly body: string }

export interface RelayOptions {
  /** How long to keep retrying while the agent is down (connection refused: nothing was received). */
  readonly downTimeoutMs?: number
}

/**
 * POSTs one chunk to the agent. A refused connection means nothing was received, so it is sent
 * again (the agent is restarting), for at most `downTimeoutMs`. Any other failure leaves the
 * chunk in doubt: like upstream's logger, which clears its buffer before sending, it is not sent
 * again.
 */
export async function relayChunk (agentUrl: string, installationId: string, records: readonly V1Record[], o: RelayOptions = {}): Promise<RelayOutcome> {
  const body = JSON.stringify({ installation_id: installationId, heatpump_model: MODEL, version: '1.0.2', data: records })
  const deadline = Date.now() + (o.downTimeoutMs ?? 20_000)
  for (;;) {
    const res = await httpRequest('POST', `${agentUrl}/api/v1/submit`, body, { 'content-type': 'application/json' })
    if (res.status === 200) {
      const json = JSON.parse(res.body) as { status: string, processed: number, dropped_oldest: number }
      if (json.status !== 'success' || json.processed !== records.length) throw new Error(`the agent answered 200 with ${res.body}`)
      return { kind: 'acknowledged', processed: json.processed, droppedOldest: json.dropped_oldest }
    }
    if (res.status !== null) return { kind: 'refused', status: res.status, body: res.body }
    if (res.error !== 'ECONNREFUSED') return { kind: 'in_doubt', error: res.error ?? 'no answer' }
    if (Date.now() > deadline) throw new Error(`the agent at ${agentUrl} refused connections for ${o.downTimeoutMs ?? 20_000} ms`)
    await sleep(30)
  }
}

/** A small seedable PRNG (mulberry32) in [0, 1), so a failing run can be replayed with its seed. */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
