import { describe, expect, it } from 'vitest'
import ConsentCard from '../src/components/installation/ConsentCard.vue'
import { AgentApiError } from '../src/me-api'
import { agentStatus, consentText, flushPromises, initOf, mountWith, stubFetch } from './helpers'

const TEXT = '/api/consent-text'
const CONSENT = '/api/consent'
const data = (over: Parameters<typeof agentStatus>[0] = {}) => ({ status: 'data' as const, data: agentStatus(over) })
const off = { consent: { given: false, version: null, changed_at: null, locked: false } }

describe('ConsentCard', () => {
  it('shows a loading state while the agent answers', () => {
    stubFetch({ [TEXT]: 'pending' })
    const w = mountWith(ConsentCard, { props: { status: { status: 'loading' } } })
    expect(w.find('[role="status"]').text()).toContain('Loading…')
    expect(w.find('section').attributes('aria-busy')).toBe('true')
    expect(w.find('[data-test="consent-toggle"]').exists()).toBe(false)
  })

  it('shows consent given, the consent text and what exactly is shared, in the page language', async () => {
    stubFetch({ [TEXT]: { status: 200, body: consentText() } })
    const w = mountWith(ConsentCard, { props: { status: data() } })
    await flushPromises()
    const toggle = w.find('[data-test="consent-toggle"]')
    expect(toggle.attributes('role')).toBe('switch')
    expect(toggle.attributes('aria-checked')).toBe('true')
    expect(w.find('[data-test="consent-state"]').text()).toContain('Sharing is on (consent version 2026-11)')
    expect(w.find('[data-test="consent-shared"]').text()).toContain('A random installation id')
    expect(w.find('[data-test="consent-not-shared"]').text()).toContain('Your IP address is never stored')
    expect(w.find('[data-test="consent-metrics"]').text()).toContain('temp_outdoor (°C): Outdoor air temperature')

    const de = mountWith(ConsentCard, { locale: 'de', props: { status: data() } })
    await flushPromises()
    expect(de.find('[data-test="consent-shared"]').text()).toContain('Eine zufällige Installations-ID')
    expect(de.find('[data-test="consent-not-shared"]').text()).toContain('Ihre IP-Adresse wird nie gespeichert')
    expect(de.find('[data-test="consent-state"]').text()).toContain('Teilen ist eingeschaltet')
  })

  it('without consent says uploads are paused and nothing leaves the house', async () => {
    stubFetch({ [TEXT]: { status: 200, body: consentText() } })
    const w = mountWith(ConsentCard, { props: { status: data(off) } })
    await flushPromises()
    expect(w.find('[data-test="consent-toggle"]').attributes('aria-checked')).toBe('false')
    expect(w.find('[data-test="consent-state"]').text()).toContain('uploads are paused and nothing leaves the house')
  })

  it('while the agent saves, shows it pending and the state the agent has, not the one clicked', async () => {
    const fetch = stubFetch({ [TEXT]: { status: 200, body: consentText() }, [CONSENT]: 'pending' })
    const w = mountWith(ConsentCard, { props: { status: data(off) } })
    await flushPromises()
    await w.find('[data-test="consent-toggle"]').trigger('click')
    const post = fetch.mock.calls.find((c) => String(c[0]) === CONSENT)
    expect(initOf(post)?.method).toBe('POST')
    expect(JSON.parse(String(initOf(post)?.body))).toEqual({ given: true })
    expect(w.find('[data-test="consent-pending"]').text()).toBe('Saving…')
    expect(w.find('[data-test="consent-toggle"]').attributes('disabled')).toBeDefined()
    expect(w.find('[data-test="consent-toggle"]').attributes('aria-checked')).toBe('false')
  })

  it('a failed change is an error with a retry; the retry that works turns it on and tells the page', async () => {
    stubFetch({ [TEXT]: { status: 200, body: consentText() }, [CONSENT]: 'network' })
    const w = mountWith(ConsentCard, { props: { status: data(off) } })
    await flushPromises()
    await w.find('[data-test="consent-toggle"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-test="consent-error"]').text()).toContain('The agent cannot be reached')
    expect(w.find('[data-test="consent-toggle"]').attributes('aria-checked')).toBe('false')
    expect(w.emitted('changed')).toBeUndefined()

    stubFetch({ [TEXT]: { status: 200, body: consentText() }, [CONSENT]: { status: 200, body: { consent: { given: true, version: '2026-11', changedAt: '2026-11-27T12:00:00.000Z' } } } })
    await w.find('[data-test="consent-error"] button').trigger('click')
    await flushPromises()
    expect(w.find('[data-test="consent-error"]').exists()).toBe(false)
    expect(w.find('[data-test="consent-toggle"]').attributes('aria-checked')).toBe('true')
    expect(w.emitted('changed')).toHaveLength(1)
  })

  it('consent given by the configuration: the toggle is disabled and says why; a refused withdrawal says why', async () => {
    stubFetch({ [TEXT]: { status: 200, body: consentText() } })
    const w = mountWith(ConsentCard, { props: { status: data({ consent: { given: true, version: '2026-11', changed_at: null, locked: true } }) } })
    await flushPromises()
    expect(w.find('[data-test="consent-toggle"]').attributes('disabled')).toBeDefined()
    expect(w.find('[data-test="consent-locked"]').text()).toContain('AGENT_CONSENT=true')
  })

  it('shows the agent unreachable as an error with a retry, and a missing consent text as its own error', async () => {
    stubFetch({ [TEXT]: { status: 502, body: { code: 'HP_ERR_INTERNAL', detail: 'x' } } })
    const w = mountWith(ConsentCard, { props: { status: { status: 'error', error: new AgentApiError('network', '/api/status') } } })
    await flushPromises()
    const alerts = w.findAll('[role="alert"]')
    expect(alerts[0]?.text()).toContain('The agent cannot be reached')
    expect(alerts[1]?.text()).toContain('HTTP 502')
    await alerts[0]?.find('button').trigger('click')
    expect(w.emitted('refresh')).toHaveLength(1)
  })
})
