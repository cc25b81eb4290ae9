import { describe, expect, it } from 'vitest'
import { dayLabel, migrationRange, parseDateOption, splitByDays } from '../../src/legacy/windows.js'

const DAY = 86_400_000
const D = (iso: string) => Date.parse(iso)

describe('--from / --to', () => {
  it('reads a date as the whole UTC day, --to inclusive', () => {
    expect(parseDateOption('from', '2025-01-31')).toBe(D('2025-01-31T00:00:00Z'))
    expect(parseDateOption('to', '2025-01-31')).toBe(D('2025-02-01T00:00:00Z'))
  })

  it('reads an ISO date-time with a zone as that instant', () => {
    expect(parseDateOption('to', '2025-01-31T12:30:00+01:00')).toBe(D('2025-01-31T11:30:00Z'))
    expect(parseDateOption('from', '2025-01-31T12:30Z')).toBe(D('2025-01-31T12:30:00Z'))
  })

  it.each(['2025-02-30', '31.01.2025', '2025-01-31T12:00:00', 'yesterday', ''])('refuses %j, naming the option', (text) => {
    expect(() => parseDateOption('from', text)).toThrow(/^cannot use --from /)
  })
})

describe('migrationRange', () => {
  const limits = { nowMs: D('2026-11-27T12:00:00Z'), retentionDays: 365, futureToleranceMs: 3_600_000 }

  it('defaults to what live ingest would keep: RETENTION_DAYS back to now plus the tolerance', () => {
    expect(migrationRange({}, limits)).toEqual({
      fromMs: limits.nowMs - 365 * DAY,
      toMs: limits.nowMs + 3_600_001,
      clippedToRetention: false,
      clippedToNow: false,
    })
  })

  it('clips what was asked to that span and says so', () => {
    const r = migrationRange({ fromMs: D('2020-01-01T00:00:00Z'), toMs: D('2030-01-01T00:00:00Z') }, limits)
    expect(r).toMatchObject({ fromMs: limits.nowMs - 365 * DAY, toMs: limits.nowMs + 3_600_001, clippedToRetention: true, clippedToNow: true })
    expect(migrationRange({ fromMs: D('2026-11-01T00:00:00Z'), toMs: D('2026-11-03T00:00:00Z') }, limits))
      .toMatchObject({ fromMs: D('2026-11-01T00:00:00Z'), toMs: D('2026-11-03T00:00:00Z'), clippedToRetention: false })
  })
})

describe('splitByDays', () => {
  it('cuts at UTC midnights', () => {
    const from = D('2026-11-01T06:00:00Z')
    const to = D('2026-11-03T18:00:00Z')
    expect(splitByDays({ fromMs: from, toMs: to })).toEqual([
      { fromMs: from, toMs: D('2026-11-02T00:00:00Z') },
      { fromMs: D('2026-11-02T00:00:00Z'), toMs: D('2026-11-03T00:00:00Z') },
      { fromMs: D('2026-11-03T00:00:00Z'), toMs: to },
    ])
    expect(dayLabel(from)).toBe('2026-11-01')
  })

  it('makes spans of several days, covering the range exactly once', () => {
    const range = { fromMs: D('2025-01-15T13:00:00Z'), toMs: D('2026-03-02T01:00:00Z') }
    const spans = splitByDays(range, 30)
    expect(spans[0]).toEqual({ fromMs: range.fromMs, toMs: D('2025-02-14T00:00:00Z') })
    expect(spans.at(-1)?.toMs).toBe(range.toMs)
    for (let i = 1; i < spans.length; i++) expect(spans[i]?.fromMs).toBe(spans[i - 1]?.toMs)
    expect(spans.every((s) => s.toMs - s.fromMs <= 30 * DAY)).toBe(true)
  })

  it('gives nothing for an empty range', () => {
    expect(splitByDays({ fromMs: 10, toMs: 10 })).toEqual([])
  })
})
