import { describe, expect, it } from 'vitest'
import { DAY_MS } from '../ledger/contribution.js'
import { emptyFigures } from '../store/ingest-stats.js'
import { qualityReport, qualityWindow } from './report.js'

const NOW = Date.UTC(2026, 10, 27, 12, 30)
const TODAY = NOW / DAY_MS | 0
const HOUR = Math.floor(NOW / 3_600_000)

const figures = (over: Partial<ReturnType<typeof emptyFigures>>) => ({ ...emptyFigures(), ...over })
const none = {
  byDay: new Map(),
  byHour: new Map(),
  rejectionsByDay: [],
  ledger: [],
  rejections: [],
  firstLedgerDays: new Map(),
  firstRejectionDays: new Map(),
}

describe('qualityWindow', () => {
  it('covers `days` days ending today and the 48 hours up to the current one', () => {
    const w = qualityWindow(NOW, 30)
    expect(w).toEqual({ nowMs: NOW, fromDay: TODAY - 29, toDay: TODAY, fromHour: HOUR - 47, toHour: HOUR + 1 })
  })
})

describe('qualityReport', () => {
  it('lists every day and hour with zeros, oldest first', () => {
    const r = qualityReport(qualityWindow(NOW, 3), {
      ...none,
      byDay: new Map([[TODAY - 1, figures({ batches: 2, records_accepted: 10, values_stored: 50, values_rejected: 3 })]]),
      byHour: new Map([[HOUR, figures({ batches: 1, records_accepted: 4, values_stored: 20 })]]),
    })
    expect(r.generated_at).toBe('2026-11-27T12:30:00.000Z')
    expect([r.from, r.to]).toEqual(['2026-11-25', '2026-11-27'])
    expect(r.daily).toEqual([
      { day: '2026-11-25', batches: 0, records_accepted: 0, records_rejected: 0, values_stored: 0, values_rejected: 0, rejected: {} },
      { day: '2026-11-26', batches: 2, records_accepted: 10, records_rejected: 0, values_stored: 50, values_rejected: 3, rejected: {} },
      { day: '2026-11-27', batches: 0, records_accepted: 0, records_rejected: 0, values_stored: 0, values_rejected: 0, rejected: {} },
    ])
    expect(r.hourly).toHaveLength(48)
    expect(r.hourly[0]?.hour).toBe('2026-11-25T13:00:00.000Z')
    expect(r.hourly[47]).toEqual({ hour: '2026-11-27T12:00:00.000Z', batches: 1, records_accepted: 4, values_stored: 20, records_rejected: 0, values_rejected: 0 })
    expect(r.hourly.slice(0, 47).every((h) => h.batches === 0)).toBe(true)
  })

  it('totals drops by reason, biggest first, and keeps them per day', () => {
    const r = qualityReport(qualityWindow(NOW, 2), {
      ...none,
      rejectionsByDay: [
        { day: TODAY - 1, reason: 'out_of_range', records: 0, values: 4 },
        { day: TODAY, reason: 'out_of_range', records: 0, values: 3 },
        { day: TODAY, reason: 'future_timestamp', records: 9, values: 0 },
        { day: TODAY, reason: 'not_finite', records: 0, values: 1 },
      ],
    })
    expect(r.reasons).toEqual([
      { reason: 'future_timestamp', records: 9, values: 0 },
      { reason: 'out_of_range', records: 0, values: 7 },
      { reason: 'not_finite', records: 0, values: 1 },
    ])
    expect(r.daily.map((d) => d.rejected)).toEqual([{ out_of_range: 4 }, { future_timestamp: 9, not_finite: 1, out_of_range: 3 }])
  })

  it('gives each installation its stored and dropped values, implausible ones and gaps from its first day', () => {
    const r = qualityReport(qualityWindow(NOW, 10), {
      ...none,
      ledger: [
        { installationId: 'old', days: 7, stored: 7000 },
        { installationId: 'new', days: 2, stored: 300 },
      ],
      rejections: [
        { installationId: 'new', reason: 'out_of_range', records: 0, values: 5 },
        { installationId: 'new', reason: 'not_finite', records: 0, values: 2 },
        { installationId: 'new', reason: 'future_timestamp', records: 4, values: 0 },
        { installationId: 'junk', reason: 'out_of_range', records: 0, values: 40 },
      ],
      // `old` started long before the window: its gaps count over the whole window (10 - 7).
      firstLedgerDays: new Map([['old', TODAY - 100], ['new', TODAY - 3]]),
      firstRejectionDays: new Map([['new', TODAY - 3], ['junk', TODAY - 1]]),
    })
    expect(r.installations).toEqual([
      { installation_id: 'junk', values_stored: 0, values_rejected: 40, implausible_values: 40, days_with_data: 0, gap_days: 2, first_day: null },
      { installation_id: 'new', values_stored: 300, values_rejected: 7, implausible_values: 5, days_with_data: 2, gap_days: 2, first_day: '2026-11-24' },
      { installation_id: 'old', values_stored: 7000, values_rejected: 0, implausible_values: 0, days_with_data: 7, gap_days: 3, first_day: '2026-08-19' },
    ])
  })
})
