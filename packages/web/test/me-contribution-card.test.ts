import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { calendarDays } from '../src/components/installation/calendar'
import ContributionCard from '../src/components/installation/ContributionCard.vue'
import { AgentApiError } from '../src/me-api'
import { agentStatus, installationMe, ME_NOW, mountWith } from './helpers'

const status = (over: Parameters<typeof agentStatus>[0] = {}) => ({ status: 'data' as const, data: agentStatus(over) })
const me = (over: Parameters<typeof installationMe>[0] = {}) => ({ status: 'data' as const, data: installationMe(over) })
const notRegistered = { status: 'error' as const, error: new AgentApiError('http', '/api/me', 409, 'HP_ERR_NOT_REGISTERED') }

describe('calendarDays', () => {
  it('lists every day of the span, oldest first, marking counted, partial and empty days', () => {
    const days = calendarDays([
      { day: '2026-11-25', samples: 2880, stored: 2880, counted: true },
      { day: '2026-11-26', samples: 40, stored: 90, counted: false },
    ], '2026-11-27', 5)
    expect(days.map((d) => [d.day, d.state, d.samples])).toEqual([
      ['2026-11-23', 'none', 0],
      ['2026-11-24', 'none', 0],
      ['2026-11-25', 'counted', 2880],
      ['2026-11-26', 'partial', 40],
      ['2026-11-27', 'none', 0],
    ])
    // 2026-11-23 is a Monday: the first row of the week.
    expect(days[0]?.weekday).toBe(0)
    expect(days[4]?.weekday).toBe(4)
  })
})

describe('ContributionCard', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(ME_NOW)
  })
  afterEach(() => { vi.useRealTimers() })

  it('shows a loading state', () => {
    const w = mountWith(ContributionCard, { props: { status: { status: 'loading' }, me: { status: 'loading' } } })
    expect(w.find('[role="status"]').exists()).toBe(true)
    expect(w.find('section').attributes('aria-busy')).toBe('true')
  })

  it('shows registration, "day 17 of 30", eligibility and a labelled calendar of the last 60 days', () => {
    const w = mountWith(ContributionCard, { props: { status: status(), me: me() } })
    expect(w.find('[data-test="registration"]').attributes('data-registered')).toBe('true')
    expect(w.find('[data-test="registration"]').text()).toContain('Registered with https://pool.example.org')
    expect(w.find('[data-test="contribution-progress"]').text()).toBe('Day 17 of 30')
    const bar = w.find('[role="progressbar"]')
    expect(bar.attributes('aria-valuenow')).toBe('17')
    expect(bar.attributes('aria-valuemax')).toBe('30')
    expect(w.find('[data-test="eligibility"]').text()).toContain('13 more contribution days')
    expect(w.find('[data-test="eligibility"]').attributes('data-eligible')).toBe('false')

    const days = w.findAll('[data-test="calendar-day"]')
    expect(days).toHaveLength(60)
    expect(days.at(-1)?.attributes('data-day')).toBe('2026-11-27')
    expect(days.map((d) => d.attributes('data-state')).filter((s) => s !== 'none')).toEqual(['counted', 'partial', 'counted'])
    expect(w.find('[data-day="2026-11-26"]').attributes('aria-label')).toBe('Nov 26, 2026: contribution day (2,880 samples on time)')
    expect(w.find('[data-day="2026-11-25"]').attributes('aria-label')).toBe('Nov 25, 2026: data, but not enough on time to count (40 samples on time)')
    expect(w.find('[data-day="2026-11-20"]').attributes('aria-label')).toBe('Nov 20, 2026: no data')
    expect(w.find('figcaption').text()).toBe('Contribution days in the last 60 days: 2')
  })

  it('in German: "Tag 17 von 30" and German dates', () => {
    const w = mountWith(ContributionCard, { locale: 'de', props: { status: status(), me: me() } })
    expect(w.find('[data-test="contribution-progress"]').text()).toBe('Tag 17 von 30')
    expect(w.find('[data-day="2026-11-26"]').attributes('aria-label')).toBe('26.11.2026: Beitragstag (2.880 Messwerte rechtzeitig)')
  })

  it('says eligible since when, and when eligibility lapsed', () => {
    const eligible = mountWith(ContributionCard, { props: { status: status(), me: me({ contribution_days: { ...installationMe().contribution_days, total: 42 }, eligibility: { eligible: true, required_days: 30, days_needed: 0, recent_days: 30, lapsed: false, eligible_since: '2026-10-30', reason: null } }) } })
    expect(eligible.find('[data-test="contribution-progress"]').text()).toBe('Day 30 of 30')
    expect(eligible.find('[data-test="eligibility"]').text()).toBe('Eligible for community models since Oct 30, 2026.')
    const lapsed = mountWith(ContributionCard, { props: { status: status(), me: me({ eligibility: { eligible: false, required_days: 30, days_needed: 0, recent_days: 30, lapsed: true, eligible_since: '2026-09-01', reason: 'lapsed' } }) } })
    expect(lapsed.find('[data-test="eligibility"]').text()).toContain('more than 30 days ago')
  })

  it('not registered: says so, and why, instead of an error', () => {
    const noConsent = mountWith(ContributionCard, { props: { status: status({ registered: false, primary_installation_id: null, consent: { given: false, version: null, changed_at: null, locked: false } }), me: notRegistered } })
    expect(noConsent.find('[data-test="registration"]').attributes('data-registered')).toBe('false')
    expect(noConsent.find('[data-test="registration"]').text()).toContain('nothing is registered or sent before you give consent')
    expect(noConsent.find('[data-test="contribution-none"]').exists()).toBe(true)
    expect(noConsent.find('[role="alert"]').exists()).toBe(false)
    expect(noConsent.find('[data-test="calendar"]').exists()).toBe(false)

    const waiting = mountWith(ContributionCard, { props: { status: status({ registered: false, primary_installation_id: null }), me: notRegistered } })
    expect(waiting.find('[data-test="registration"]').text()).toContain('registers with the server at its first upload')
  })

  it('the server down is an error with a retry, not zero days', async () => {
    const w = mountWith(ContributionCard, { props: { status: status(), me: { status: 'error', error: new AgentApiError('http', '/api/me', 502, 'HP_ERR_SERVER_UNREACHABLE') } } })
    expect(w.find('[role="alert"]').text()).toContain('The heatpool server cannot be reached')
    expect(w.find('[data-test="contribution-progress"]').exists()).toBe(false)
    await w.find('[role="alert"] button').trigger('click')
    await w.find('[data-test="refresh"]').trigger('click')
    expect(w.emitted('refresh')).toHaveLength(2)
  })
})
