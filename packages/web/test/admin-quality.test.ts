import { describe, expect, it } from 'vitest'
import type { AdminQuality } from '../src/admin-api'
import { ApiError } from '../src/api'
import IngestCard from '../src/components/admin/IngestCard.vue'
import QualityCard from '../src/components/admin/QualityCard.vue'
import { qualityRatio, qualityTotals, rejectionSeries } from '../src/components/admin/quality'
import type { RequestState } from '../src/request'
import { adminQuality, mountAdmin } from './helpers'

const data = (q: AdminQuality = adminQuality()): RequestState<AdminQuality> => ({ status: 'data', data: q })
const failed: RequestState<AdminQuality> = { status: 'error', error: new ApiError('http', '/api/v2/admin/quality', 503, 'cannot reach the store') }
const idle = (q: AdminQuality): AdminQuality => ({
  ...q,
  daily: q.daily.map((d) => ({ ...d, batches: 0, records_accepted: 0, records_rejected: 0, values_stored: 0, values_rejected: 0, rejected: {} })),
  hourly: q.hourly.map((h) => ({ ...h, batches: 0, records_accepted: 0, values_stored: 0, records_rejected: 0, values_rejected: 0 })),
  reasons: [],
  installations: [],
})

describe('quality figures', () => {
  it('treats "sent nothing" as no data, not as 0 % quality', () => {
    expect(qualityRatio(0, 0)).toBeNull()
    expect(qualityRatio(0, 5)).toBe(0)
    expect(qualityRatio(27_000, 300)).toBeCloseTo(0.989, 3)
  })

  it('adds up the window, implausible values and gaps', () => {
    expect(qualityTotals(adminQuality())).toEqual({
      batches: 33, recordsAccepted: 3000, recordsRejected: 3, valuesStored: 27_000, valuesRejected: 300,
      ratio: 27_000 / 27_300, implausibleValues: 270, installationsWithGaps: 1, gapDays: 2,
    })
  })

  it('stacks rejections per reason over every day, most frequent reason first, and drops reasons that never occur', () => {
    const { days, series } = rejectionSeries({
      daily: [...adminQuality().daily].reverse(), // order on the wire is not trusted
      reasons: [...adminQuality().reasons, { reason: 'too_old', records: 0, values: 0 }],
    })
    expect(days).toEqual(['2026-11-24', '2026-11-25', '2026-11-26'])
    expect(series).toEqual([
      { reason: 'out_of_range', counts: [0, 90, 180] },
      { reason: 'not_finite', counts: [0, 10, 20] },
      { reason: 'future_timestamp', counts: [0, 1, 2] },
    ])
  })

  it('keeps a reason the days mention even when the totals do not', () => {
    const q = adminQuality()
    const { series } = rejectionSeries({ daily: q.daily.map((d) => ({ ...d, rejected: { ...d.rejected, brand_new_reason: 1 } })), reasons: q.reasons })
    expect(series.map((s) => s.reason)).toContain('brand_new_reason')
  })
})

describe('QualityCard', () => {
  it('shows a loading state', () => {
    const { wrapper: w } = mountAdmin(QualityCard, { props: { state: { status: 'loading' }, days: 30 } })
    expect(w.find('[role="status"]').text()).toContain('Loading…')
    expect(w.find('[data-test="quality-card"]').attributes('aria-busy')).toBe('true')
  })

  it('shows totals, implausible values, gaps, the stacked chart and the reasons', () => {
    const { wrapper: w } = mountAdmin(QualityCard, { props: { state: data(), days: 30 } })
    expect(w.find('[data-test="quality-batches"]').text()).toBe('33')
    expect(w.find('[data-test="quality-ratio"]').text()).toBe('98.9%')
    expect(w.find('[data-test="quality-records-rejected"]').text()).toBe('3')
    expect(w.find('[data-test="quality-implausible"]').text()).toBe('270')
    expect(w.find('[data-test="quality-gaps"]').text()).toBe('1')
    expect(w.find('[data-test="quality-gaps"]').attributes('title')).toBe('2 gap days in all')
    const chart = w.findComponent({ name: 'QualityChart' })
    expect(chart.props('days')).toEqual(['2026-11-24', '2026-11-25', '2026-11-26'])
    expect((chart.props('series') as { reason: string }[]).map((s) => s.reason)).toEqual(['out_of_range', 'not_finite', 'future_timestamp'])
    expect(w.find('[data-test="reason-out_of_range"]').findAll('td').map((c) => c.text())).toEqual(['0', '270'])
    expect(w.find('[data-test="reason-out_of_range"] th').text()).toContain('out of range')
    expect(w.find('[data-test="reason-future_timestamp"] th').text()).toContain('timestamp in the future')
  })

  it('translates reasons and formats numbers in German', () => {
    const { wrapper: w } = mountAdmin(QualityCard, { locale: 'de', props: { state: data(adminQuality({ installations: [{ installation_id: 'x', values_stored: 1, values_rejected: 0, implausible_values: 12_345, days_with_data: 1, gap_days: 0, first_day: null }] })), days: 30 } })
    expect(w.find('h2').text()).toBe('Datenqualität')
    expect(w.find('[data-test="quality-implausible"]').text()).toBe('12.345')
    expect(w.find('[data-test="quality-ratio"]').text()).toMatch(/^98,9\s%$/)
    expect(w.find('[data-test="reason-out_of_range"] th').text()).toContain('außerhalb des Bereichs')
    expect(w.find('.badge').text()).toBe('29.10.2026 bis 27.11.2026')
  })

  it('says nothing was rejected instead of drawing an empty chart', () => {
    const q = adminQuality()
    const clean = { ...q, daily: q.daily.map((d) => ({ ...d, records_rejected: 0, values_rejected: 0, rejected: {} })), reasons: [] }
    const { wrapper: w } = mountAdmin(QualityCard, { props: { state: data(clean), days: 30 } })
    expect(w.find('[data-test="quality-no-rejections"]').text()).toContain('Nothing was rejected')
    expect(w.findComponent({ name: 'QualityChart' }).exists()).toBe(false)
    expect(w.find('[data-test="quality-ratio"]').text()).toBe('100.0%')
  })

  it('says so when nothing arrived in the window', () => {
    const { wrapper: w } = mountAdmin(QualityCard, { props: { state: data(idle(adminQuality())), days: 30 } })
    expect(w.find('[data-test="quality-empty"]').text()).toBe('Nothing was received in the last 30 days.')
    expect(w.find('[data-test="quality-batches"]').exists()).toBe(false)
  })

  it('shows an error, not an empty pool, and asks the dashboard to retry', async () => {
    const { wrapper: w } = mountAdmin(QualityCard, { props: { state: failed, days: 30 } })
    expect(w.find('[data-test="quality-error"]').text()).toContain('HTTP 503')
    expect(w.find('[data-test="quality-empty"]').exists()).toBe(false)
    await w.find('[data-test="quality-error"] button').trigger('click')
    expect(w.emitted('retry')).toHaveLength(1)
  })
})

describe('IngestCard', () => {
  it('shows a loading state', () => {
    const { wrapper: w } = mountAdmin(IngestCard, { props: { state: { status: 'loading' } } })
    expect(w.find('[role="status"]').exists()).toBe(true)
    expect(w.find('[data-test="ingest-card"]').attributes('aria-busy')).toBe('true')
  })

  it('charts records and values per hour in time order with the 48 h totals', () => {
    const q = adminQuality()
    const { wrapper: w } = mountAdmin(IngestCard, { props: { state: data({ ...q, hourly: [...q.hourly].reverse() }) } })
    expect(w.find('[data-test="ingest-batches"]').text()).toBe('5')
    expect(w.find('[data-test="ingest-records"]').text()).toBe('300')
    expect(w.find('[data-test="ingest-values"]').text()).toBe('2.7K')
    expect(w.find('[data-test="ingest-values"]').attributes('title')).toBe('2,700')
    const hours = w.findComponent({ name: 'IngestChart' }).props('hours') as { hour: string }[]
    expect(hours.map((h) => h.hour)).toEqual(['2026-11-27T10:00:00.000Z', '2026-11-27T11:00:00.000Z'])
    expect(w.find('[data-test="ingest-latest"]').text()).toContain('180 records, 1,620 values')
  })

  it('says so when nothing arrived in the last 48 hours', () => {
    const { wrapper: w } = mountAdmin(IngestCard, { props: { state: data(idle(adminQuality())) } })
    expect(w.find('[data-test="ingest-empty"]').text()).toBe('Nothing was received in the last 48 hours.')
    expect(w.findComponent({ name: 'IngestChart' }).exists()).toBe(false)
  })

  it('shows an error and asks the dashboard to retry', async () => {
    const { wrapper: w } = mountAdmin(IngestCard, { locale: 'de', props: { state: failed } })
    expect(w.find('[data-test="ingest-error"]').text()).toContain('HTTP 503')
    await w.find('[data-test="ingest-error"] button').trigger('click')
    expect(w.emitted('retry')).toHaveLength(1)
  })
})
