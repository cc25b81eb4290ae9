import { flushPromises, mount, type ComponentMountingOptions } from '@vue/test-utils'
import { vi } from 'vitest'
import type { Component } from 'vue'
import type { CommunityModels, Comparison, PoolStatus } from '../src/api'
import { createAppI18n, type Locale } from '../src/i18n'

/** Mounts with a fresh i18n instance in `locale`; the chart is stubbed (happy-dom has no canvas). */
export function mountWith<C extends Component> (component: C, options: ComponentMountingOptions<C> & { locale?: Locale } = {}) {
  const { locale = 'en', ...rest } = options
  const i18n = createAppI18n(locale)
  return mount(component, {
    ...rest,
    global: { plugins: [i18n], stubs: { CopBandChart: true } },
  } as ComponentMountingOptions<C>)
}

type Answer = { status: number, body: unknown } | 'network' | 'pending'

/** Replaces `fetch`: each URL prefix gets an answer (a JSON body with a status, a network failure, or never). */
export function stubFetch (answers: Record<string, Answer>) {
  const fn = vi.fn(async (input: string | URL | Request) => {
    const url = String(input)
    const key = Object.keys(answers).find((prefix) => url.startsWith(prefix))
    const answer = key === undefined ? { status: 404, body: { code: 'HP_ERR_NOT_FOUND', message: 'not found' } } : answers[key]
    if (answer === 'network') throw new TypeError('fetch failed')
    if (answer === 'pending' || answer === undefined) return new Promise<Response>(() => {})
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': 'application/json' } })
  })
  vi.stubGlobal('fetch', fn)
  return fn
}

export { flushPromises }

export const RULES = { k_anonymity: 5, min_running_hours: 100, min_band_running_hours: 10, min_electricity_kwh: 10, percentile: 'nearest rank' }
const WINDOW = { name: '365d', from: '2025-11-27', to: '2026-11-26' }

export function poolStatus (over: Partial<PoolStatus> = {}): PoolStatus {
  return {
    total_installations: 1234,
    total_data_points: 2_500_000,
    models_available: ['AERO SLM', 'community model'],
    data_sufficient: true,
    message: 'Enough data for a community model',
    message_de: 'Genug Daten für ein Community-Modell',
    progress: { installations: { current: 1234, required: 10, needed: 0 }, data_points: { current: 2_500_000, required: 100_000, needed: 0 } },
    timestamp: Date.UTC(2026, 10, 27, 12) / 1000,
    ...over,
  }
}

export function emptyPool (): PoolStatus {
  return poolStatus({
    total_installations: 0,
    total_data_points: 0,
    models_available: [],
    data_sufficient: false,
    message: 'Building the data pool',
    message_de: 'Datenpool wird aufgebaut',
    progress: { installations: { current: 0, required: 10, needed: 10 }, data_points: { current: 0, required: 100_000, needed: 100_000 } },
  })
}

export function communityModels (models: CommunityModels['models'] = [
  { model: 'AERO SLM', model_key: 'aero_slm', installations: 1234, heat_pumps: 1300, seasonal_cop: { median: 3.456, p25: 3.1, p75: 3.9 } },
  { model: 'TERRA SW', model_key: 'terra_sw', installations: 6, heat_pumps: 6, seasonal_cop: { median: null, p25: null, p75: null } },
]): CommunityModels {
  return { window: WINDOW, rules: RULES, models }
}

export function comparison (over: Partial<Comparison> = {}): Comparison {
  return {
    model: 'aero_slm',
    model_key: 'aero_slm',
    metric: 'cop',
    window: WINDOW,
    rules: RULES,
    overall: { installations: 40, heat_pumps: 41, p10: 2.5, p25: 3, median: 3.4, p75: 3.8, p90: 4.2 },
    bands: [
      { band: -6, from: -6, to: -4, installations: 12, heat_pumps: 12, p10: 2.1, p25: 2.3, median: 2.55, p75: 2.8, p90: 3 },
      // -4 … -2 is left out by the server (fewer than K)
      { band: -2, from: -2, to: 0, installations: 30, heat_pumps: 31, p10: 2.6, p25: 2.9, median: 3.2, p75: 3.5, p90: 3.9 },
      { band: 0, from: 0, to: 2, installations: 7, heat_pumps: 7, median: 3.5, withheld: 'outer quantiles need more installations' },
    ],
    ...over,
  }
}
