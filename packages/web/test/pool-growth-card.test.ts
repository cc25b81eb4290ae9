import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { Line } from 'vue-chartjs'
import type { CommunityGrowth } from '../src/api'
import PoolGrowthCard from '../src/components/PoolGrowthCard.vue'
import { createAppI18n, type Locale } from '../src/i18n'
import { flushPromises, stubFetch } from './helpers'

const URL_PREFIX = '/api/v2/community/growth'

/** Mounted with the chart stubbed (happy-dom has no canvas), so its data can be read from the stub. */
function mountCard (locale: Locale = 'en') {
  return mount(PoolGrowthCard, { global: { plugins: [createAppI18n(locale)], stubs: { Line: true } } })
}

function growth (over: Partial<CommunityGrowth> = {}): CommunityGrowth {
  return {
    from: '2026-11-22',
    to: '2026-11-26',
    k_anonymity: 5,
    days: [
      { day: '2026-11-22', active_installations: 1200, total_installations: 1230, data_points: 1_000_000 },
      { day: '2026-11-23', active_installations: 1210, total_installations: 1232, data_points: 1_100_000 },
      { day: '2026-11-24', active_installations: null, total_installations: 1233, data_points: null },
      { day: '2026-11-25', active_installations: 0, total_installations: 1233, data_points: 0 },
      { day: '2026-11-26', active_installations: 1221, total_installations: 1234, data_points: 1_000_000 },
    ],
    ...over,
  }
}

const emptyGrowth = (): CommunityGrowth => growth({
  days: growth().days.map((d) => ({ ...d, active_installations: 0, total_installations: 0, data_points: 0 })),
})

describe('PoolGrowthCard', () => {
  it('asks for a year of growth and shows a loading state', () => {
    const fetch = stubFetch({ [URL_PREFIX]: 'pending' })
    const w = mountCard()
    expect(String(fetch.mock.calls[0]?.[0])).toBe('/api/v2/community/growth?days=365')
    expect(w.find('[role="status"]').text()).toContain('Loading…')
    expect(w.find('section').attributes('aria-busy')).toBe('true')
    expect(w.find('button[aria-label="Refresh"]').attributes('disabled')).toBeDefined()
  })

  it('charts active and total installations, with a withheld day as a gap, not as zero', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: growth() } })
    const w = mountCard()
    await flushPromises()
    expect(w.find('h2').text()).toBe('Pool growth')
    expect(w.find('[data-test="growth-total"]').text()).toBe('1,234')
    expect(w.find('[data-test="growth-active"]').text()).toBe('1,221')
    expect(w.find('[data-test="growth-points"]').text()).toBe('3.1M')
    expect(w.text()).toContain('Active on Nov 26')
    const data = w.findComponent(Line).props('data') as { labels: string[], datasets: { label: string, data: (number | null)[] }[] }
    expect(data.labels).toEqual(['Nov 22', 'Nov 23', 'Nov 24', 'Nov 25', 'Nov 26'])
    expect(data.datasets.map((d) => d.label)).toEqual(['Active installations', 'Installations so far'])
    expect(data.datasets[0]?.data).toEqual([1200, 1210, null, 0, 1221])
    expect(data.datasets[1]?.data).toEqual([1230, 1232, 1233, 1233, 1234])
    expect(w.find('[data-test="growth-withheld"]').text()).toBe('Days with fewer than 5 active installations are withheld for privacy and shown as gaps.')
    expect(w.find('[data-test="growth-window"]').text()).toBe('Nov 22, 2026 to Nov 26, 2026 (UTC days)')
  })

  it('uses German words, numbers and dates in German', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: growth() } })
    const w = mountCard('de')
    await flushPromises()
    expect(w.find('h2').text()).toBe('Wachstum des Datenpools')
    expect(w.find('[data-test="growth-total"]').text()).toBe('1.234')
    expect(w.find('[data-test="growth-points"]').text()).toMatch(/^3,1\sMio\.$/)
    expect(w.text()).toContain('Aktiv am 26. Nov.')
    const data = w.findComponent(Line).props('data') as { labels: string[], datasets: { label: string }[] }
    expect(data.labels[0]).toBe('22. Nov.')
    expect(data.datasets.map((d) => d.label)).toEqual(['Aktive Installationen', 'Installationen bisher'])
    expect(w.find('[data-test="growth-window"]').text()).toBe('22.11.2026 bis 26.11.2026 (UTC-Tage)')
  })

  it('starts the chart a week before the first contribution, not a year of zeros earlier', async () => {
    const days = Array.from({ length: 30 }, (_, i) => {
      const day = new Date(Date.UTC(2026, 9, 28 + i)).toISOString().slice(0, 10)
      return i < 20 ? { day, active_installations: 0, total_installations: 0, data_points: 0 } : { day, active_installations: 6, total_installations: 6, data_points: 600 }
    })
    stubFetch({ [URL_PREFIX]: { status: 200, body: growth({ from: '2026-10-28', to: '2026-11-26', days }) } })
    const w = mountCard()
    await flushPromises()
    const data = w.findComponent(Line).props('data') as { labels: string[], datasets: { data: (number | null)[] }[] }
    expect(data.labels).toHaveLength(17)
    expect(data.labels[0]).toBe('Nov 10')
    expect(data.datasets[1]?.data).toEqual([0, 0, 0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6])
  })

  it('shows the latest day withheld by k-anonymity as withheld', async () => {
    const body = growth()
    body.days[4] = { day: '2026-11-26', active_installations: null, total_installations: 3, data_points: null }
    stubFetch({ [URL_PREFIX]: { status: 200, body } })
    const w = mountCard()
    await flushPromises()
    expect(w.find('[data-test="growth-active"]').text()).toBe('withheld')
    expect(w.find('[data-test="growth-total"]').text()).toBe('3')
  })

  it('says the pool is empty only when the server says so, without a chart', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: emptyGrowth() } })
    const w = mountCard()
    await flushPromises()
    expect(w.find('[data-test="growth-empty"]').text()).toBe('No installation has contributed data yet.')
    expect(w.findComponent(Line).exists()).toBe(false)
    expect(w.find('[data-test="growth-withheld"]').exists()).toBe(false)
    expect(w.find('[role="alert"]').exists()).toBe(false)
  })

  it('shows an unreachable server as an error, not as an empty pool, and recovers on retry', async () => {
    const failing = stubFetch({ [URL_PREFIX]: 'network' })
    const w = mountCard()
    await flushPromises()
    expect(w.find('[role="alert"]').text()).toContain('The server cannot be reached')
    expect(w.text()).toContain('Growth unavailable')
    expect(w.find('[data-test="growth-empty"]').exists()).toBe(false)
    expect(w.findComponent(Line).exists()).toBe(false)
    expect(failing).toHaveBeenCalledTimes(1)

    stubFetch({ [URL_PREFIX]: { status: 200, body: growth() } })
    await w.find('[role="alert"] button').trigger('click')
    await flushPromises()
    expect(w.find('[role="alert"]').exists()).toBe(false)
    expect(w.find('[data-test="growth-total"]').text()).toBe('1,234')
  })

  it('shows an HTTP error with its status, and an unreadable answer as such', async () => {
    stubFetch({ [URL_PREFIX]: { status: 503, body: { code: 'HP_ERR_STORE_UNAVAILABLE', detail: 'cannot reach the store' } } })
    const w = mountCard('de')
    await flushPromises()
    expect(w.find('[role="alert"]').text()).toContain('HTTP 503')
    expect(w.text()).toContain('Wachstum nicht verfügbar')

    stubFetch({ [URL_PREFIX]: { status: 200, body: { days: 'soon' } } })
    await w.find('button[aria-label="Aktualisieren"]').trigger('click')
    await flushPromises()
    expect(w.find('[role="alert"]').text()).toContain('Die Antwort des Servers konnte nicht gelesen werden.')
  })

  it('refreshes with the refresh button', async () => {
    const fetch = stubFetch({ [URL_PREFIX]: { status: 200, body: growth() } })
    const w = mountCard()
    await flushPromises()
    await w.find('button[aria-label="Refresh"]').trigger('click')
    await flushPromises()
    expect(fetch).toHaveBeenCalledTimes(2)
    expect(w.find('[data-test="growth-total"]').text()).toBe('1,234')
  })
})
