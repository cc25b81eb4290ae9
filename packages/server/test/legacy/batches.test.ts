import { describe, expect, it } from 'vitest'
import { MAX_BATCH_RECORDS, planBatches } from '../../src/legacy/batches.js'
import type { LegacyRecord } from '../../src/legacy/join.js'

const WINDOW = { fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 10, 2) }

function records (n: number, modelLabel: string | null = 'AERO_SLM', startMs = WINDOW.fromMs): LegacyRecord[] {
  return Array.from({ length: n }, (_, i) => ({ ts: startMs + i * 60_000, modelLabel, values: { temp_outside: i } }))
}

describe('planBatches', () => {
  it('cuts a day into batches of at most 500 v1 records, received at their newest timestamp', () => {
    const day = records(1440)
    const batches = planBatches(day, WINDOW)
    expect(batches.map((b) => b.data.length)).toEqual([MAX_BATCH_RECORDS, MAX_BATCH_RECORDS, 440])
    expect(batches[0]?.data[1]).toEqual({ timestamp: (WINDOW.fromMs + 60_000) / 1000, temp_outside: 1 })
    expect(batches[0]?.receivedAt).toBe(WINDOW.fromMs + 499 * 60_000)
    expect(batches[2]?.receivedAt).toBe(WINDOW.fromMs + 1439 * 60_000)
    expect(batches[0]?.model).toEqual({ name: 'AERO SLM', key: 'aero_slm' })
  })

  it('gives deterministic keys, per window, batch and content', () => {
    const a = planBatches(records(600), WINDOW)
    const again = planBatches(records(600), WINDOW)
    expect(again.map((b) => [b.idempotencyKey, b.bodyHash])).toEqual(a.map((b) => [b.idempotencyKey, b.bodyHash]))
    expect(new Set(a.map((b) => b.idempotencyKey)).size).toBe(2)
    expect(a[0]?.idempotencyKey).toMatch(new RegExp(`^legacy:${WINDOW.fromMs}-${WINDOW.toMs}:0:[0-9a-f]{16}$`))
    // More data in the same window since (the upstream server still wrote): another key.
    expect(planBatches(records(601), WINDOW)[1]?.idempotencyKey).not.toBe(a[1]?.idempotencyKey)
    // The same records under another model name: another body.
    expect(planBatches(records(600, 'AERO_ALM'), WINDOW)[0]?.bodyHash).not.toBe(a[0]?.bodyHash)
    for (const b of a) expect(b.idempotencyKey).toMatch(/^[\x21-\x7e]{1,255}$/)
  })

  it('starts a new batch where the model label changes', () => {
    const mixed = [...records(3, 'AERO_SLM'), ...records(2, null, WINDOW.fromMs + 3 * 60_000), ...records(1, 'AERO_ALM', WINDOW.fromMs + 5 * 60_000)]
    const batches = planBatches(mixed, WINDOW)
    expect(batches.map((b) => [b.data.length, b.model.name])).toEqual([[3, 'AERO SLM'], [2, null], [1, 'AERO ALM']])
  })

  it('plans nothing for no records', () => {
    expect(planBatches([], WINDOW)).toEqual([])
  })
})
