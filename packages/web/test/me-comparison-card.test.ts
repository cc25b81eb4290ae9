import { describe, expect, it } from 'vitest'
import MyComparisonCard from '../src/components/installation/MyComparisonCard.vue'
import { AgentApiError } from '../src/me-api'
import { comparison, flushPromises, installationMe, mountWith, myComparison, stubFetch } from './helpers'

const URL_PREFIX = '/api/comparison'
const me = { status: 'data' as const, data: installationMe() }
const notRegistered = { status: 'error' as const, error: new AgentApiError('http', '/api/me', 409, 'HP_ERR_NOT_REGISTERED') }

describe('MyComparisonCard', () => {
  it('waits for the installation\'s model, then asks the agent for it with the COP over 365 days', async () => {
    const fetch = stubFetch({ [URL_PREFIX]: 'pending' })
    const w = mountWith(MyComparisonCard, { props: { me: { status: 'loading' } } })
    await flushPromises()
    expect(fetch).not.toHaveBeenCalled()
    expect(w.find('[role="status"]').exists()).toBe(true)
    await w.setProps({ me })
    await flushPromises()
    expect(fetch.mock.calls.map((c) => String(c[0]))).toEqual(['/api/comparison?model=AERO+SLM&metric=cop&window=365d'])
    expect(w.find('[role="status"]').exists()).toBe(true)
  })

  it('charts my COP per band against the community\'s p10–p90 and median, with n; withheld bands as gaps', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: myComparison() } })
    const w = mountWith(MyComparisonCard, { props: { me } })
    await flushPromises()
    expect(w.find('[data-test="comparison-mine"]').text()).toBe('My seasonal COP: 3.61 · better than 75 % of the group')
    expect(w.find('[data-test="comparison-n"]').text()).toContain('n = 40 installations')
    const chart = w.findComponent({ name: 'CopBandChart' })
    expect((chart.props('rows') as unknown[]).length).toBe(4)
    expect(chart.props('mine')).toEqual([{ label: 'My heat pump', values: [2.4, 2.9, null, 3.8] }])
    expect(w.find('[data-test="comparison-gaps"]').text()).toContain('fewer than 5 installations are shown as gaps')
    expect(w.find('[data-test="my-band--6"]').findAll('td').map((c) => c.text())).toEqual(['12', '2.10', '2.55', '3.00', '2.40'])
    // The community withheld this band; my own value is still mine to see.
    expect(w.find('[data-test="my-band--4"]').findAll('td').map((c) => c.text())).toEqual(['withheld (fewer than 5)', '2.90'])
    expect(w.find('[data-test="my-band--2"]').findAll('td').map((c) => c.text())).toEqual(['30', '2.60', '3.20', '3.90', '–'])
  })

  it('in German', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: myComparison() } })
    const w = mountWith(MyComparisonCard, { locale: 'de', props: { me } })
    await flushPromises()
    expect(w.find('[data-test="comparison-mine"]').text()).toBe('Mein Jahres-COP: 3,61 · besser als 75 % der Gruppe')
    expect(w.find('[data-test="my-band--6"]').text()).toContain('-6 bis -4 °C')
  })

  it('shows the community group withheld by k-anonymity as withheld, not as zero', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: myComparison({ overall: { installations: null, heat_pumps: null, withheld: 'fewer than 5 installations' }, bands: [] }) } })
    const w = mountWith(MyComparisonCard, { props: { me } })
    await flushPromises()
    expect(w.find('[data-test="comparison-suppressed"]').text()).toContain('Withheld for privacy: fewer than 5 installations')
    expect(w.find('[data-test="comparison-no-data"]').exists()).toBe(false)
    expect(w.findComponent({ name: 'CopBandChart' }).exists()).toBe(false)
  })

  it('no data in the group, and no heat pump of mine in it', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: myComparison({ overall: { installations: 0, heat_pumps: 0 }, bands: [], mine: [] }) } })
    const w = mountWith(MyComparisonCard, { props: { me } })
    await flushPromises()
    expect(w.find('[data-test="comparison-no-data"]').exists()).toBe(true)
    expect(w.find('[data-test="comparison-no-mine"]').exists()).toBe(true)
  })

  it('before registration: the community figures of the agent\'s configured model, and a note on my own values', async () => {
    const fetch = stubFetch({ [URL_PREFIX]: { status: 200, body: comparison() } })
    const w = mountWith(MyComparisonCard, { props: { me: notRegistered } })
    await flushPromises()
    expect(String(fetch.mock.calls[0]?.[0])).toBe('/api/comparison?metric=cop&window=365d')
    expect(w.find('[data-test="comparison-not-registered"]').exists()).toBe(true)
    expect(w.findComponent({ name: 'CopBandChart' }).props('mine')).toEqual([])
  })

  it('no model known anywhere: says how to set it', async () => {
    stubFetch({ [URL_PREFIX]: { status: 422, body: { code: 'HP_ERR_VALIDATION', detail: 'querystring must have required property model' } } })
    const w = mountWith(MyComparisonCard, { props: { me: notRegistered } })
    await flushPromises()
    expect(w.find('[data-test="comparison-no-model"]').text()).toContain('AGENT_HEATPUMP_MODEL')
    expect(w.find('[role="alert"]').exists()).toBe(false)
  })

  it('the server down is an error (not an empty chart) and recovers on retry', async () => {
    const fetch = stubFetch({ [URL_PREFIX]: { status: 502, body: { code: 'HP_ERR_SERVER_UNREACHABLE', detail: 'cannot reach the heatpool server' } } })
    const w = mountWith(MyComparisonCard, { props: { me } })
    await flushPromises()
    expect(w.find('[role="alert"]').text()).toContain('The heatpool server cannot be reached')
    expect(w.findComponent({ name: 'CopBandChart' }).exists()).toBe(false)
    stubFetch({ [URL_PREFIX]: { status: 200, body: myComparison() } })
    await w.find('[role="alert"] button').trigger('click')
    await flushPromises()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(w.findComponent({ name: 'CopBandChart' }).exists()).toBe(true)
  })
})
