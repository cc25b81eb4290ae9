import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { backoffMs, classify, nextUploadAt, parseRetryAfter, uploadOffsetMs, type Outcome } from './policy.js'

const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000

describe('classify', () => {
  it.each<[number | null, Outcome]>([
    [200, 'acknowledged'],
    [201, 'acknowledged'],
    [204, 'acknowledged'],
    [400, 'quarantine'],
    [401, 'auth'],
    [403, 'auth'],
    [404, 'quarantine'],
    [408, 'retry'],
    [409, 'retry'],
    [413, 'quarantine'],
    [415, 'quarantine'],
    [422, 'quarantine'],
    [425, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
    [null, 'retry'],
  ])('%s → %s', (status, outcome) => {
    expect(classify(status)).toBe(outcome)
  })

  it('never quarantines a 5xx or a network error, never acknowledges a non-2xx', () => {
    for (let status = 100; status < 600; status++) {
      const outcome = classify(status)
      if (status >= 500) expect(outcome, String(status)).toBe('retry')
      if (outcome === 'acknowledged') expect(status >= 200 && status < 300, String(status)).toBe(true)
    }
  })
})

describe('backoffMs: exponential backoff with full jitter', () => {
  const MIN = 1000
  const MAX = 300_000

  it.each([
    // attempt, ceiling min(max, min · 2^attempt)
    [0, 1000],
    [1, 2000],
    [2, 4000],
    [5, 32_000],
    [8, 256_000],
    [9, MAX],
    [30, MAX],
    [1000, MAX],
  ])('attempt %i: uniform in [0, %i]', (attempt, ceiling) => {
    expect(backoffMs(attempt, MIN, MAX, null, 0)).toBe(0)
    expect(backoffMs(attempt, MIN, MAX, null, 0.5)).toBe(Math.floor(ceiling / 2))
    const top = backoffMs(attempt, MIN, MAX, null, 1 - Number.EPSILON)
    expect(top).toBeLessThanOrEqual(ceiling)
    expect(top).toBeGreaterThanOrEqual(ceiling - 1)
  })

  it('stays within [0, min(max, min·2^n)] for any attempt and random draw', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 2000 }),
      fc.integer({ min: 1, max: 100_000 }),
      fc.integer({ min: 1, max: 10_000_000 }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (attempt, min, max, random) => {
        const delay = backoffMs(attempt, min, max, null, random)
        expect(Number.isInteger(delay)).toBe(true)
        expect(delay).toBeGreaterThanOrEqual(0)
        expect(delay).toBeLessThanOrEqual(Math.min(max, min * 2 ** Math.min(attempt, 1000)))
      },
    ))
  })

  it('is spread over the whole range (full jitter, not a fixed delay)', () => {
    const delays = Array.from({ length: 1000 }, () => backoffMs(4, MIN, MAX, null, Math.random()))
    const ceiling = 16_000
    // Each quarter of [0, ceiling] gets a fair share of 1,000 uniform draws.
    for (let q = 0; q < 4; q++) {
      const n = delays.filter((d) => d >= q * ceiling / 4 && d < (q + 1) * ceiling / 4).length
      expect(n, `quarter ${q}`).toBeGreaterThan(150)
    }
  })

  it.each([
    [0, 5000, 0],
    [0, 5000, 0.99],
    [3, 5000, 0],
    [3, 500, 0.999],
    [20, 5000, 0.5],
    // A Retry-After beyond the jitter ceiling wins: the server asked for it.
    [0, 600_000, 0.5],
  ])('attempt %i with Retry-After %i ms (random %f): never earlier than Retry-After', (attempt, retryAfter, random) => {
    const delay = backoffMs(attempt, MIN, MAX, retryAfter, random)
    expect(delay).toBeGreaterThanOrEqual(retryAfter)
    expect(delay).toBeLessThanOrEqual(Math.max(retryAfter, Math.min(MAX, MIN * 2 ** attempt)))
  })
})

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 10, 27, 12, 0, 0)

  it.each([
    ['5', 5000],
    ['0', 0],
    [' 120 ', 120_000],
    ['86400', 86_400_000],
  ])('delta-seconds %j → %i ms', (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms)
  })

  it.each([
    ['IMF-fixdate 30 s ahead', new Date(now + 30_000).toUTCString(), 30_000],
    ['IMF-fixdate 1 h ahead', new Date(now + HOUR_MS).toUTCString(), HOUR_MS],
    ['IMF-fixdate in the past', new Date(now - 60_000).toUTCString(), 0],
    ['RFC 850 date', 'Friday, 27-Nov-26 12:00:10 GMT', 10_000],
  ])('HTTP date (%s) → ms until then', (_name, header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms)
  })

  it.each([
    ['absent', null],
    ['empty', ''],
    ['blank', '   '],
    ['a word', 'soon'],
    ['fractional seconds', '5.5'],
    ['negative seconds', '-5'],
    ['exponent', '1e3'],
    ['hex', '0x10'],
    ['words and digits', 'abc 123'],
    // V8's lenient Date.parse reads these as dates decades ahead: the agent would stop uploading.
    ['words and a year', 'in 2099'],
    ['a letter and a year', 'x 9999'],
    ['a date without a time', 'Nov 27 2099'],
  ])('junk (%s) → null', (_name, header) => {
    expect(parseRetryAfter(header, now)).toBeNull()
  })
})

describe('uploadOffsetMs: each installation its own slot in the interval', () => {
  it('is stable for an id and inside [0, interval)', () => {
    for (let i = 0; i < 200; i++) {
      const id = randomUUID()
      const offset = uploadOffsetMs(id, DAY_MS)
      expect(uploadOffsetMs(id, DAY_MS)).toBe(offset)
      expect(Number.isInteger(offset)).toBe(true)
      expect(offset).toBeGreaterThanOrEqual(0)
      expect(offset).toBeLessThan(DAY_MS)
    }
  })

  it('spreads 1,000 random ids over the day: no hour holds more than 3× its share, none is empty', () => {
    const perHour = new Array<number>(24).fill(0)
    for (let i = 0; i < 1000; i++) {
      const hour = Math.floor(uploadOffsetMs(randomUUID(), DAY_MS) / HOUR_MS)
      perHour[hour] = (perHour[hour] ?? 0) + 1
    }
    const share = 1000 / 24
    expect(Math.max(...perHour)).toBeLessThanOrEqual(3 * share)
    expect(Math.min(...perHour)).toBeGreaterThan(0)
  })

  it('spreads over short intervals too (every minute of an hour is used)', () => {
    const minutes = new Set(Array.from({ length: 2000 }, () => Math.floor(uploadOffsetMs(randomUUID(), HOUR_MS) / 60_000)))
    expect(minutes.size).toBe(60)
  })

  it('differs between ids', () => {
    const offsets = new Set(Array.from({ length: 100 }, () => uploadOffsetMs(randomUUID(), DAY_MS)))
    expect(offsets.size).toBeGreaterThan(95)
  })
})

describe('nextUploadAt', () => {
  const interval = DAY_MS
  const offset = 5 * HOUR_MS
  const midnight = Date.UTC(2026, 10, 27)

  it.each([
    ['before today\'s slot', midnight + HOUR_MS, midnight + offset],
    ['exactly at today\'s slot', midnight + offset, midnight + DAY_MS + offset],
    ['just after today\'s slot', midnight + offset + 1, midnight + DAY_MS + offset],
    ['late in the day', midnight + 23 * HOUR_MS, midnight + DAY_MS + offset],
  ])('%s → the next slot strictly after now', (_name, now, expected) => {
    expect(nextUploadAt(now, interval, offset)).toBe(expected)
  })

  it('is strictly after now, at most one interval later, and on the installation\'s slot', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 4_000_000_000_000 }),
      fc.integer({ min: 1, max: 7 * DAY_MS }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (now, intervalMs, fraction) => {
        const offsetMs = Math.floor(fraction * intervalMs)
        const next = nextUploadAt(now, intervalMs, offsetMs)
        expect(next).toBeGreaterThan(now)
        expect(next).toBeLessThanOrEqual(now + intervalMs)
        expect(((next - offsetMs) % intervalMs + intervalMs) % intervalMs).toBe(0)
      },
    ))
  })
})

describe('backoffMs caps Retry-After', () => {
  it('honours at most a day, so a bogus answer cannot stall an installation for good', async () => {
    const { backoffMs, MAX_RETRY_AFTER_MS } = await import('./policy.js')
    expect(backoffMs(0, 1, 10, 10 * 365 * 86_400_000, 0.5)).toBe(MAX_RETRY_AFTER_MS)
    expect(MAX_RETRY_AFTER_MS).toBe(86_400_000)
  })
})
