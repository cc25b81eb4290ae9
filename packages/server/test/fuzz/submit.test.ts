import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { build } from '../helper.js'
import { expectClientAnswer, outOfRangeRows } from './checks.js'
import { hostileSubmission, validPayload } from './payloads.js'
import { FUZZ_ENV, fuzzParameters, fuzzTimeout } from './runs.js'

describe('fuzz: POST /api/v1/submit', () => {
  it('accepts every valid v1 and v2 upload and stores only plausible catalog values', async () => {
    const t = await build(FUZZ_ENV)
    await fc.assert(fc.asyncProperty(validPayload, async (payload) => {
      const res = await t.submit(payload)
      expect(res.statusCode, res.body).toBe(200)
      expect((await outOfRangeRows(t)).bad).toBe(0)
    }), fuzzParameters(100))
    expect((await outOfRangeRows(t)).rows).toBeGreaterThan(0)
  }, fuzzTimeout(20_000, 100))

  it('answers mutated, damaged and mis-framed uploads with 2xx or a coded 4xx, and stores only plausible catalog values', async () => {
    const t = await build(FUZZ_ENV)
    const statuses = new Map<number, number>()
    await fc.assert(fc.asyncProperty(hostileSubmission, async (s) => {
      const res = await t.inject({ method: 'POST', url: '/api/v1/submit', headers: s.headers, payload: s.body })
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      expectClientAnswer(res, 'submit')
      if (res.statusCode === 200) {
        expect(res.json()).toMatchObject({ status: 'success' })
        expect((await outOfRangeRows(t)).bad).toBe(0)
      }
    }), fuzzParameters(300))
    // The mix reached both ingest and the refusals, so the property was not vacuous.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0)
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true)
    expect((await outOfRangeRows(t)).rows).toBeGreaterThan(0)
    expect((await t.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
  }, fuzzTimeout(30_000, 300))
})
