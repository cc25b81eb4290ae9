import { describe, expect, it } from 'vitest'
import ComparisonCard from '../src/components/ComparisonCard.vue'
import { comparison, communityModels, flushPromises, mountWith, stubFetch } from './helpers'

const model = communityModels().models[0]!
const URL_PREFIX = '/api/v2/community/comparison'

describe('ComparisonCard', () => {
  it('asks for the model\'s seasonal COP and shows a loading state', () => {
    const fetch = stubFetch({ [URL_PREFIX]: 'pending' })
    const w = mountWith(ComparisonCard, { props: { model } })
    expect(String(fetch.mock.calls[0]?.[0])).toBe('/api/v2/community/comparison?model=aero_slm&metric=cop&window=365d')
    expect(w.find('[role="status"]').exists()).toBe(true)
  })

  it('charts the bands with n, and shows bands left out for k-anonymity as gaps', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: comparison() } })
    const w = mountWith(ComparisonCard, { props: { model } })
    await flushPromises()
    expect(w.find('h3').text()).toBe('AERO SLM: COP by outdoor temperature')
    expect(w.find('[data-test="overall-n"]').text()).toBe('n = 40 installations')
    const chart = w.findComponent({ name: 'CopBandChart' })
    expect(chart.exists()).toBe(true)
    expect((chart.props('rows') as unknown[]).length).toBe(4)
    expect(w.find('[data-test="gaps"]').text()).toContain('fewer than 5 installations are shown as gaps')
    expect(w.find('[data-test="band--6"]').findAll('td').map((c) => c.text())).toEqual(['12', '2.10', '2.55', '3.00'])
    expect(w.find('[data-test="band--4"]').text()).toContain('withheld (fewer than 5)')
    expect(w.find('[data-test="band-0"]').findAll('td').map((c) => c.text())).toEqual(['7', '–', '3.50', '–'])
  })

  it('uses German formats in German', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: comparison() } })
    const w = mountWith(ComparisonCard, { locale: 'de', props: { model } })
    await flushPromises()
    expect(w.find('h3').text()).toBe('AERO SLM: COP nach Außentemperatur')
    expect(w.find('[data-test="band--6"]').text()).toContain('-6 bis -4 °C')
    expect(w.find('[data-test="band--6"]').findAll('td').map((c) => c.text())).toEqual(['12', '2,10', '2,55', '3,00'])
  })

  it('says so when no heat pump has enough data', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: comparison({ overall: { installations: 0, heat_pumps: 0, withheld: 'no heat pump has enough data' }, bands: [] }) } })
    const w = mountWith(ComparisonCard, { props: { model } })
    await flushPromises()
    expect(w.find('[data-test="no-data"]').text()).toContain('No heat pump of this model has enough data yet')
    expect(w.findComponent({ name: 'CopBandChart' }).exists()).toBe(false)
  })

  it('shows a group withheld by k-anonymity as withheld, not as zero', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: comparison({ overall: { installations: null, heat_pumps: null, withheld: 'fewer than 5 installations: no figures are published' }, bands: [] }) } })
    const w = mountWith(ComparisonCard, { props: { model } })
    await flushPromises()
    expect(w.find('[data-test="suppressed"]').text()).toContain('Withheld for privacy: fewer than 5 installations')
    expect(w.find('[data-test="no-data"]').exists()).toBe(false)
    expect(w.find('[data-test="overall-n"]').exists()).toBe(false)
    expect(w.findComponent({ name: 'CopBandChart' }).exists()).toBe(false)
  })

  it('says so when the group is published but no band is', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: comparison({ bands: [] }) } })
    const w = mountWith(ComparisonCard, { props: { model } })
    await flushPromises()
    expect(w.find('[data-test="no-bands"]').text()).toContain('No outdoor band has 5 installations')
  })

  it('shows an error and retries', async () => {
    const fetch = stubFetch({ [URL_PREFIX]: 'network' })
    const w = mountWith(ComparisonCard, { props: { model } })
    await flushPromises()
    expect(w.find('[role="alert"]').text()).toContain('The server cannot be reached')
    stubFetch({ [URL_PREFIX]: { status: 200, body: comparison() } })
    await w.find('[role="alert"] button').trigger('click')
    await flushPromises()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(w.findComponent({ name: 'CopBandChart' }).exists()).toBe(true)
  })
})
