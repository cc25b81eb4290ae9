import { describe, expect, it } from 'vitest'
import PoolStatusCard from '../src/components/PoolStatusCard.vue'
import { emptyPool, flushPromises, mountWith, poolStatus, stubFetch } from './helpers'

describe('PoolStatusCard', () => {
  it('shows a loading state while the request runs', () => {
    stubFetch({ '/api/v1/pool/status': 'pending' })
    const w = mountWith(PoolStatusCard)
    expect(w.find('[role="status"]').text()).toContain('Loading…')
    expect(w.find('section').attributes('aria-busy')).toBe('true')
    expect(w.find('button[aria-label="Refresh"]').attributes('disabled')).toBeDefined()
  })

  it('shows the pool with the message in the page language and German number formats', async () => {
    stubFetch({ '/api/v1/pool/status': { status: 200, body: poolStatus() } })
    const en = mountWith(PoolStatusCard)
    await flushPromises()
    expect(en.find('[data-test="pool-state"]').text()).toContain('Data pool ready')
    expect(en.find('[data-test="pool-state"]').text()).toContain('Enough data for a community model')
    expect(en.find('[data-test="installations"]').text()).toBe('1,234')
    expect(en.find('[data-test="data-points"]').text()).toBe('2.5M')
    expect(en.find('[data-test="models-available"]').text()).toBe('2')
    expect(en.findAll('.chip').map((c) => c.text())).toEqual(['AERO SLM', 'community model'])
    expect(en.findAll('[role="progressbar"]')).toHaveLength(2)
    expect(en.text()).toContain('1,234 of 10 installations')

    const de = mountWith(PoolStatusCard, { locale: 'de' })
    await flushPromises()
    expect(de.find('[data-test="pool-state"]').text()).toContain('Datenpool bereit')
    expect(de.find('[data-test="pool-state"]').text()).toContain('Genug Daten für ein Community-Modell')
    expect(de.find('[data-test="installations"]').text()).toBe('1.234')
    expect(de.find('[data-test="data-points"]').text()).toMatch(/^2,5\sMio\.$/)
  })

  it('says the pool is empty only when the server says so', async () => {
    stubFetch({ '/api/v1/pool/status': { status: 200, body: emptyPool() } })
    const w = mountWith(PoolStatusCard)
    await flushPromises()
    expect(w.find('[data-test="pool-state"]').text()).toContain('Building data pool')
    expect(w.find('[data-test="pool-empty"]').text()).toContain('No installation has contributed data')
    expect(w.find('[data-test="installations"]').text()).toBe('0')
    expect(w.find('[role="progressbar"]').attributes('aria-valuenow')).toBe('0')
  })

  it('shows an unreachable server as an error, not as an empty pool, and recovers on retry', async () => {
    const fetch = stubFetch({ '/api/v1/pool/status': 'network' })
    const w = mountWith(PoolStatusCard)
    await flushPromises()
    expect(w.find('[role="alert"]').text()).toContain('The server cannot be reached')
    expect(w.text()).toContain('Status unavailable')
    expect(w.find('[data-test="pool-empty"]').exists()).toBe(false)
    expect(w.find('[data-test="installations"]').exists()).toBe(false)

    stubFetch({ '/api/v1/pool/status': { status: 200, body: poolStatus() } })
    await w.find('[role="alert"] button').trigger('click')
    await flushPromises()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(w.find('[role="alert"]').exists()).toBe(false)
    expect(w.find('[data-test="installations"]').text()).toBe('1,234')
  })

  it('shows a 503 with a zero body as an error with its status', async () => {
    stubFetch({ '/api/v1/pool/status': { status: 503, body: emptyPool() } })
    const w = mountWith(PoolStatusCard, { locale: 'de' })
    await flushPromises()
    expect(w.find('[role="alert"]').text()).toContain('HTTP 503')
    expect(w.find('[data-test="pool-empty"]').exists()).toBe(false)
  })

  it('refreshes with the refresh button', async () => {
    const fetch = stubFetch({ '/api/v1/pool/status': { status: 200, body: emptyPool() } })
    const w = mountWith(PoolStatusCard)
    await flushPromises()
    await w.find('button[aria-label="Refresh"]').trigger('click')
    await flushPromises()
    expect(fetch).toHaveBeenCalledTimes(2)
  })
})
