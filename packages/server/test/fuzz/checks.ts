import { isMetricName, isPlausible, METRIC_NAMES, METRICS } from '@heatpool/protocol'
import type { LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import { expect } from 'vitest'
import { storedSamples } from '../compat/stored.js'
import type { TestApp } from '../helper.js'

/**
 * The properties every answer to client input keeps: never a 5xx, and every refusal a 4xx in
 * the `{ code, detail }` shape with a stable `HP_ERR_*` code.
 */
export function expectClientAnswer (res: LightMyRequestResponse, what: string): void {
  expect(res.statusCode, `${what}: ${res.statusCode} ${res.body.slice(0, 300)}`).toBeLessThan(500)
  if (res.statusCode < 400) return
  let body: unknown
  try {
    body = res.json()
  } catch {
    body = res.body
  }
  expect(body, `${what}: ${res.statusCode} ${res.body.slice(0, 300)}`).toMatchObject({ code: expect.stringMatching(/^HP_ERR_[A-Z0-9_]+$/), detail: expect.any(String) })
}

/** Every sample stored for the installations is a catalog metric inside its plausible range. */
export async function expectStoredInRange (t: TestApp, installationIds: readonly string[]): Promise<number> {
  let n = 0
  for (const id of installationIds) {
    for (const s of await storedSamples(t, id)) {
      n++
      expect(isMetricName(s.metric), `stored metric ${s.metric}`).toBe(true)
      if (isMetricName(s.metric)) expect(isPlausible(s.metric, s.value), `stored ${s.metric}=${s.value} at ${s.ts}`).toBe(true)
      expect(Number.isFinite(s.ts), `stored timestamp ${s.ts}`).toBe(true)
    }
  }
  return n
}

/**
 * Rows of the embedded store's sample table holding any value outside its metric's plausible
 * range (or a fractional enum code), in one scan: after every accepted batch, whatever the
 * installation, without reading the samples back one heat pump at a time.
 */
export async function outOfRangeRows (t: TestApp): Promise<{ rows: number, bad: number }> {
  const outside = METRIC_NAMES.map((m) => {
    const def = METRICS[m]
    const range = sql`(${sql.ref(m)} IS NOT NULL AND NOT (${sql.ref(m)} BETWEEN ${def.min} AND ${def.max}))`
    return def.integer === true ? sql`(${range} OR ${sql.ref(m)} <> round(${sql.ref(m)}))` : range
  })
  const { rows } = await sql<{ n: number, bad: number | null }>`SELECT count(*) AS n, sum(CASE WHEN ${sql.join(outside, sql` OR `)} THEN 1 ELSE 0 END) AS bad FROM samples`.execute(t.app.store.db)
  return { rows: Number(rows[0]?.n), bad: Number(rows[0]?.bad ?? 0) }
}
