import { describe, expect, it } from 'vitest'
import RankingCard from '../src/components/installation/RankingCard.vue'
import { AgentApiError } from '../src/me-api'
import { flushPromises, installationMe, mountWith, rankedHeatPump, ranking, stubFetch } from './helpers'

const URL_PREFIX = '/api/ranking'
const me = { status: 'data' as const, data: installationMe() }

describe('RankingCard', () => {
  it('asks the agent for the 365-day ranking once `me` has answered, and shows a loading state', async () => {
    const fetch = stubFetch({ [URL_PREFIX]: 'pending' })
    const w = mountWith(RankingCard, { props: { me: { status: 'loading' } } })
    await flushPromises()
    expect(fetch).not.toHaveBeenCalled()
    expect(w.find('[role="status"]').exists()).toBe(true)
    await w.setProps({ me })
    await flushPromises()
    expect(fetch.mock.calls.map((c) => String(c[0]))).toEqual(['/api/ranking?window=365d'])
    expect(w.find('[role="status"]').exists()).toBe(true)
  })

  it('says "better than 75 % of AERO SLM owners" with n, and the badges earned with their dates', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: ranking() } })
    const w = mountWith(RankingCard, { props: { me } })
    await flushPromises()
    expect(w.find('[data-test="ranking-figure"]').text()).toBe('Better than 75 % of AERO SLM owners')
    expect(w.find('[data-test="ranking-entry"]').text()).toContain('seasonal COP 3.61 · 40 heat pumps ranked · 52 % of Carnot')
    expect(w.find('[data-badge="streak_30"]').text()).toContain('30-day streak')
    expect(w.find('[data-badge="streak_30"]').text()).toContain('earned Nov 20, 2026')
  })

  it('in German: the statement and the badge title and date in German', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: ranking() } })
    const w = mountWith(RankingCard, { locale: 'de', props: { me } })
    await flushPromises()
    expect(w.find('[data-test="ranking-figure"]').text()).toBe('Besser als 75 % der AERO SLM-Besitzer')
    expect(w.find('[data-badge="streak_30"]').text()).toContain('30 Tage am Stück')
    expect(w.find('[data-badge="streak_30"]').text()).toContain('erhalten am 20.11.2026')
  })

  it('a group too small to rank in is withheld for privacy, not a position of zero', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: ranking([rankedHeatPump({ ranked: false, percentile: null, n: null, statement: null, missing: ['group_size'], figures: { running_hours: 2400, electricity_kwh: 3100, other_installations: null } })]) } })
    const w = mountWith(RankingCard, { props: { me } })
    await flushPromises()
    expect(w.find('[data-test="ranking-suppressed"]').text()).toContain('fewer than 5 other installations')
    expect(w.find('[data-test="ranking-figure"]').exists()).toBe(false)
  })

  it('not ranked yet: says what is missing', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: ranking([rankedHeatPump({ ranked: false, percentile: null, n: null, cop: null, missing: ['running_hours', 'electricity'], figures: { running_hours: 12, electricity_kwh: 3, other_installations: 39 } })]) } })
    const w = mountWith(RankingCard, { props: { me: { status: 'data', data: installationMe({ badges: [] }) } } })
    await flushPromises()
    expect(w.find('[data-test="ranking-unranked"]').text()).toBe('AERO SLM: not ranked yet')
    expect(w.find('[data-missing="running_hours"]').text()).toBe('Running hours: 12 of 100 needed')
    expect(w.find('[data-missing="electricity"]').text()).toBe('Electricity: 3 of 10 kWh needed')
    expect(w.find('[data-test="badges-none"]').exists()).toBe(true)
  })

  it('no heat pump yet, and not registered yet: each says so, neither is an error', async () => {
    stubFetch({ [URL_PREFIX]: { status: 200, body: ranking([]) } })
    const empty = mountWith(RankingCard, { props: { me } })
    await flushPromises()
    expect(empty.find('[data-test="ranking-no-data"]').exists()).toBe(true)

    // Not registered: the answer is known, so the agent is not asked.
    const fetch = stubFetch({ [URL_PREFIX]: { status: 409, body: { code: 'HP_ERR_NOT_REGISTERED', detail: 'cannot ask for the ranking: the agent is not registered yet' } } })
    const early = mountWith(RankingCard, { props: { me: { status: 'error', error: new AgentApiError('http', '/api/me', 409, 'HP_ERR_NOT_REGISTERED') } } })
    await flushPromises()
    expect(fetch).not.toHaveBeenCalled()
    expect(early.find('[data-test="ranking-not-registered"]').exists()).toBe(true)
    expect(early.find('[data-test="badges-unavailable"]').exists()).toBe(true)
    expect(early.find('[role="alert"]').exists()).toBe(false)
  })

  it('the server down is an error with a retry; the refresh button asks again', async () => {
    const fetch = stubFetch({ [URL_PREFIX]: { status: 502, body: { code: 'HP_ERR_SERVER_UNREACHABLE', detail: 'x' } } })
    const w = mountWith(RankingCard, { props: { me } })
    await flushPromises()
    expect(w.find('[role="alert"]').text()).toContain('The heatpool server cannot be reached')
    await w.find('[data-test="refresh"]').trigger('click')
    await flushPromises()
    expect(fetch).toHaveBeenCalledTimes(2)
    expect(w.emitted('refresh')).toHaveLength(1)
  })
})
