import { describe, expect, it } from 'vitest'
import OutboxCard from '../src/components/installation/OutboxCard.vue'
import { AgentApiError } from '../src/me-api'
import { agentStatus, flushPromises, initOf, MY_INSTALLATION, mountWith, stubFetch } from './helpers'

const status = (over: Parameters<typeof agentStatus>[0] = {}) => ({ status: 'data' as const, data: agentStatus(over) })

describe('OutboxCard', () => {
  it('shows a loading state', () => {
    const w = mountWith(OutboxCard, { props: { status: { status: 'loading' } } })
    expect(w.find('[role="status"]').exists()).toBe(true)
    expect(w.find('[data-test="flush"]').exists()).toBe(false)
  })

  it('shows what waits, the last upload and the next one', () => {
    const w = mountWith(OutboxCard, { props: { status: status() } })
    expect(w.find('[data-test="outbox-records"]').text()).toBe('1,234')
    expect(w.find('[data-test="outbox-bytes"]').text()).toBe('3.2 MB')
    expect(w.find('[data-test="outbox-batches"]').text()).toBe('2')
    expect(w.find('[data-test="outbox-uploaded"]').text()).toBe('56,789')
    expect(w.find('[data-test="last-upload"]').attributes('data-outcome')).toBe('acknowledged')
    expect(w.find('[data-test="last-upload"]').text()).toContain('Uploaded')
    expect(w.find('[data-test="last-upload"]').text()).toContain('500 records · HTTP 200')
    expect(w.find('[data-test="next-upload"]').text()).toContain('Next scheduled upload')
    expect(w.find('[data-test="uploads-paused"]').exists()).toBe(false)
    expect(w.find('[data-test="quarantined"]').exists()).toBe(false)

    const de = mountWith(OutboxCard, { locale: 'de', props: { status: status() } })
    expect(de.find('[data-test="outbox-records"]').text()).toBe('1.234')
    expect(de.find('[data-test="outbox-bytes"]').text()).toBe('3,2 MB')
  })

  it('nothing yet: says the outbox is empty and no upload happened', () => {
    const w = mountWith(OutboxCard, { props: { status: status({ outbox: { records: 0, bytes: 0, pendingBatches: 0, quarantinedBatches: 0, quarantinedRecords: 0, dropped: 0, uploaded: 0 }, last_upload: null, uploads: [] }) } })
    expect(w.find('[data-test="outbox-empty"]').text()).toContain('Nothing has arrived yet')
    expect(w.find('[data-test="last-upload"]').attributes('data-outcome')).toBe('none')
    expect(w.find('[data-test="next-upload"]').exists()).toBe(false)
  })

  it('shows a failing server as retries, quarantined batches and dropped records', () => {
    const w = mountWith(OutboxCard, {
      props: {
        status: status({
          outbox: { records: 10, bytes: 900, pendingBatches: 1, quarantinedBatches: 1, quarantinedRecords: 3, dropped: 7, uploaded: 0 },
          last_upload: { at: '2026-11-27T03:17:00.000Z', installationId: MY_INSTALLATION, outcome: 'retry', status: 503, records: 10, detail: 'HP_ERR_STORE_UNAVAILABLE: later' },
          uploads: [{ installationId: MY_INSTALLATION, nextScheduled: '2026-11-28T03:17:00.000Z', retryAt: '2026-11-27T03:18:00.000Z', attempts: 2, problem: 'server answered 503' }],
          quarantined: [{ batch: 4, installation_id: MY_INSTALLATION, status: 422, error: 'HP_ERR_VALIDATION: cannot validate body', created_at: '2026-11-26T03:17:00.000Z' }],
        }),
      },
    })
    expect(w.find('[data-test="outbox-bytes"]').text()).toBe('900 byte')
    expect(w.find('[data-test="last-upload"]').text()).toContain('Failed, will retry')
    expect(w.find('[data-test="last-upload"]').text()).toContain('HP_ERR_STORE_UNAVAILABLE')
    expect(w.find('[data-test="next-upload"]').text()).toContain('Next attempt (retrying)')
    expect(w.find('[data-test="next-upload"]').text()).toContain('server answered 503')
    expect(w.find('[data-test="quarantined"]').text()).toContain('HTTP 422')
    expect(w.find('[data-test="outbox-dropped"]').text()).toContain('7 of the oldest records were dropped')
  })

  it('without consent: uploads paused, nothing leaves the house, "send now" disabled', () => {
    const w = mountWith(OutboxCard, { props: { status: status({ consent: { given: false, version: null, changed_at: null, locked: false } }) } })
    expect(w.find('[data-test="uploads-paused"]').text()).toContain('Nothing leaves the house')
    expect(w.find('[data-test="flush"]').attributes('disabled')).toBeDefined()
  })

  it('"send now" posts a flush, shows it pending, then tells the page', async () => {
    const fetch = stubFetch({ '/api/flush': 'pending' })
    const w = mountWith(OutboxCard, { props: { status: status() } })
    await w.find('[data-test="flush"]').trigger('click')
    expect(initOf(fetch.mock.calls[0])?.method).toBe('POST')
    expect(w.find('[data-test="flush"]').text()).toBe('Sending…')
    expect(w.find('[data-test="flush"]').attributes('disabled')).toBeDefined()

    stubFetch({ '/api/flush': { status: 200, body: { last_upload: null, outbox: agentStatus().outbox } } })
    const ok = mountWith(OutboxCard, { props: { status: status() } })
    await ok.find('[data-test="flush"]').trigger('click')
    await flushPromises()
    expect(ok.emitted('changed')).toHaveLength(1)
  })

  it('a failed "send now" is an error with a retry', async () => {
    stubFetch({ '/api/flush': { status: 500, body: { code: 'HP_ERR_INTERNAL', detail: 'Internal Server Error' } } })
    const w = mountWith(OutboxCard, { props: { status: status() } })
    await w.find('[data-test="flush"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-test="flush-error"]').text()).toContain('HTTP 500')
    expect(w.emitted('changed')).toBeUndefined()
    stubFetch({ '/api/flush': { status: 200, body: { last_upload: null, outbox: agentStatus().outbox } } })
    await w.find('[data-test="flush-error"] button').trigger('click')
    await flushPromises()
    expect(w.find('[data-test="flush-error"]').exists()).toBe(false)
    expect(w.emitted('changed')).toHaveLength(1)
  })

  it('the agent unreachable is an error, not an empty outbox', () => {
    const w = mountWith(OutboxCard, { props: { status: { status: 'error', error: new AgentApiError('network', '/api/status') } } })
    expect(w.find('[role="alert"]').text()).toContain('The agent cannot be reached')
    expect(w.find('[data-test="outbox-records"]').exists()).toBe(false)
    expect(w.find('[data-test="outbox-empty"]').exists()).toBe(false)
  })
})
