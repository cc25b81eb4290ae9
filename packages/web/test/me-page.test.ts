import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import InstallationPage from '../src/components/installation/InstallationPage.vue'
import { agentStatus, consentText, emptyPool, flushPromises, installationMe, ME_NOW, mountWith, myComparison, poolStatus, ranking, stubFetch } from './helpers'

const CARDS = ['consent-card', 'contribution-card', 'outbox-card', 'pool-status-card', 'my-comparison-card', 'ranking-card', 'model-card']

/** Every agent route answering as a registered agent with a reachable server does. */
const healthy = () => ({
  '/api/status': { status: 200, body: agentStatus() },
  '/api/consent-text': { status: 200, body: consentText() },
  '/api/consent': { status: 200, body: { consent: { given: false, version: '2026-11', changedAt: '2026-11-27T12:00:00.000Z' } } },
  '/api/me': { status: 200, body: installationMe() },
  '/api/ranking': { status: 200, body: ranking() },
  '/api/comparison': { status: 200, body: myComparison() },
  '/api/pool-status': { status: 200, body: poolStatus() },
})

const SERVER_DOWN = { status: 502, body: { code: 'HP_ERR_SERVER_UNREACHABLE', detail: 'cannot reach the heatpool server at http://127.0.0.1:8000: ECONNREFUSED' } }

describe('InstallationPage', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(ME_NOW)
  })
  afterEach(() => { vi.useRealTimers() })

  it('shows every card with data, all from the agent\'s own API', async () => {
    const fetch = stubFetch(healthy())
    const w = mountWith(InstallationPage)
    await flushPromises()
    for (const card of CARDS) expect(w.find(`[data-test="${card}"]`).exists(), card).toBe(true)
    expect(w.find('[data-test="pool-status-card"] [data-test="installations"]').text()).toBe('1,234')
    expect(w.find('[data-test="contribution-progress"]').text()).toBe('Day 17 of 30')
    expect(w.find('[data-test="ranking-figure"]').text()).toBe('Better than 75 % of AERO SLM owners')
    expect(w.find('[role="alert"]').exists()).toBe(false)
    const urls = fetch.mock.calls.map((c) => String(c[0]))
    expect(urls.every((u) => u.startsWith('/api/') && !u.startsWith('/api/v1/') && !u.startsWith('/api/v2/'))).toBe(true)
    expect(urls).toContain('/api/pool-status')
  })

  it('with the server down: the server\'s cards show it as an error, the agent\'s own cards still show their data', async () => {
    stubFetch({ ...healthy(), '/api/me': SERVER_DOWN, '/api/ranking': SERVER_DOWN, '/api/comparison': SERVER_DOWN, '/api/pool-status': SERVER_DOWN })
    const w = mountWith(InstallationPage)
    await flushPromises()
    for (const card of ['contribution-card', 'pool-status-card', 'my-comparison-card', 'ranking-card']) {
      expect(w.find(`[data-test="${card}"] [role="alert"]`).text(), card).toContain('The heatpool server cannot be reached')
    }
    // Not an empty pool, not zero days.
    expect(w.find('[data-test="pool-empty"]').exists()).toBe(false)
    expect(w.find('[data-test="installations"]').exists()).toBe(false)
    expect(w.find('[data-test="contribution-progress"]').exists()).toBe(false)
    expect(w.find('[data-test="outbox-records"]').text()).toBe('1,234')
    expect(w.find('[data-test="consent-toggle"]').attributes('aria-checked')).toBe('true')
  })

  it('before registration: asks neither for `me` nor for the ranking (no failed loads), and says why', async () => {
    const fetch = stubFetch({ ...healthy(), '/api/status': { status: 200, body: agentStatus({ registered: false, primary_installation_id: null, consent: { given: false, version: null, changed_at: null, locked: false } }) } })
    const w = mountWith(InstallationPage)
    await flushPromises()
    const urls = fetch.mock.calls.map((c) => String(c[0]))
    expect(urls.some((u) => u.startsWith('/api/me') || u.startsWith('/api/ranking'))).toBe(false)
    expect(w.find('[data-test="registration"]').attributes('data-registered')).toBe('false')
    expect(w.find('[data-test="ranking-not-registered"]').exists()).toBe(true)
    expect(w.find('[data-test="comparison-not-registered"]').exists()).toBe(true)
    expect(w.find('[data-test="uploads-paused"]').exists()).toBe(true)
    expect(w.find('[role="alert"]').exists()).toBe(false)
  })

  it('an empty pool is shown as empty only when the server says so', async () => {
    stubFetch({ ...healthy(), '/api/pool-status': { status: 200, body: emptyPool() } })
    const w = mountWith(InstallationPage)
    await flushPromises()
    expect(w.find('[data-test="pool-empty"]').exists()).toBe(true)
  })

  it('with the agent itself down: every card says the agent cannot be reached', async () => {
    stubFetch(Object.fromEntries(Object.keys(healthy()).map((k) => [k, 'network' as const])))
    const w = mountWith(InstallationPage)
    await flushPromises()
    for (const card of CARDS) expect(w.find(`[data-test="${card}"] [role="alert"]`).text(), card).toContain('The agent cannot be reached')
  })

  it('after consent changes, the agent\'s status and the server\'s view are asked again', async () => {
    const fetch = stubFetch(healthy())
    const w = mountWith(InstallationPage)
    await flushPromises()
    const before = fetch.mock.calls.length
    await w.find('[data-test="consent-toggle"]').trigger('click')
    await flushPromises()
    const after = fetch.mock.calls.slice(before).map((c) => String(c[0]))
    expect(after).toContain('/api/consent')
    expect(after).toContain('/api/status')
    expect(after).toContain('/api/me')
  })
})
