import { flushPromises, mount, type ComponentMountingOptions } from '@vue/test-utils'
import { vi } from 'vitest'
import type { Component } from 'vue'
import type { CommunityModels, Comparison, PoolStatus } from '../src/api'
import type { AdminQuality, InstallationList, InstallationSummary, ModelList, ModelListItem, TrainingRun, TrainingRuns } from '../src/admin-api'
import { ADMIN_SESSION, createAdminSession, TOKEN_STORAGE_KEY } from '../src/components/admin/session'
import { createAppI18n, type Locale } from '../src/i18n'
import type { AgentStatus, ConsentText, InstallationMe, Ranking } from '../src/me-api'

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

// --- admin dashboard ---

/** The admin token the admin tests sign in with. */
export const ADMIN_TOKEN = 'hpa_test-admin-token'

/**
 * Mounts an admin component inside a signed-in session (as AdminPage provides it), with a fresh
 * i18n in `locale`; the charts are stubbed (happy-dom has no canvas). Returns the session too.
 */
export function mountAdmin<C extends Component> (component: C, options: ComponentMountingOptions<C> & { locale?: Locale, token?: string | null } = {}) {
  const { locale = 'en', token = ADMIN_TOKEN, ...rest } = options
  if (token === null) sessionStorage.removeItem(TOKEN_STORAGE_KEY)
  else sessionStorage.setItem(TOKEN_STORAGE_KEY, token)
  const session = createAdminSession()
  const wrapper = mount(component, {
    ...rest,
    global: { plugins: [createAppI18n(locale)], provide: { [ADMIN_SESSION]: session }, stubs: { CopBandChart: true, QualityChart: true, IngestChart: true } },
  } as ComponentMountingOptions<C>)
  return { wrapper, session }
}

/** The options a stubbed fetch call was given (the stub's own type only names the URL). */
export function initOf (call: readonly unknown[] | undefined): RequestInit | undefined {
  return call?.[1] as RequestInit | undefined
}

/** The `Authorization` header a stubbed fetch call sent. */
export function authorizationOf (call: readonly unknown[] | undefined): string | undefined {
  return (initOf(call)?.headers as Record<string, string> | undefined)?.authorization
}

export const INSTALLATION_A = '0b7f4c1e-2d4a-4f7e-9a51-1c2d3e4f5a6b'
export const INSTALLATION_B = '5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b'

export function installationSummary (over: Partial<InstallationSummary> = {}): InstallationSummary {
  return {
    installation_id: INSTALLATION_A,
    registered: true,
    consent_version: '2026-11',
    heatpump_model: 'AERO SLM',
    model_key: 'aero_slm',
    first_seen: '2026-09-01T12:00:00.000Z',
    last_seen: '2026-11-26T23:15:00.000Z',
    last_sample: '2026-11-26T23:14:00.000Z',
    samples_total: 250_000,
    contribution_days: 42,
    last_contribution_day: '2026-11-25',
    ...over,
  }
}

export function installationList (installations: InstallationSummary[] = [
  installationSummary(),
  installationSummary({ installation_id: INSTALLATION_B, registered: false, heatpump_model: null, model_key: null, contribution_days: 3 }),
], total = installations.length): InstallationList {
  return { total, installations }
}

const DAYS = ['2026-11-24', '2026-11-25', '2026-11-26']

export function adminQuality (over: Partial<AdminQuality> = {}): AdminQuality {
  return {
    generated_at: '2026-11-27T12:00:00.000Z',
    from: '2026-10-29',
    to: '2026-11-27',
    daily: DAYS.map((day, i) => ({
      day,
      batches: 10 + i,
      records_accepted: 1000,
      records_rejected: i,
      values_stored: 9000,
      values_rejected: 100 * i,
      rejected: i === 0 ? {} : { out_of_range: 90 * i, future_timestamp: i, not_finite: 10 * i } as Record<string, number>,
    })),
    hourly: [
      { hour: '2026-11-27T10:00:00.000Z', batches: 2, records_accepted: 120, values_stored: 1080, records_rejected: 0, values_rejected: 12 },
      { hour: '2026-11-27T11:00:00.000Z', batches: 3, records_accepted: 180, values_stored: 1620, records_rejected: 1, values_rejected: 0 },
    ],
    reasons: [
      { reason: 'future_timestamp', records: 3, values: 0 },
      { reason: 'out_of_range', records: 0, values: 270 },
      { reason: 'not_finite', records: 0, values: 30 },
    ],
    installations: [
      { installation_id: INSTALLATION_A, values_stored: 27_000, values_rejected: 300, implausible_values: 270, days_with_data: 28, gap_days: 2, first_day: '2026-09-01' },
    ],
    ...over,
  }
}

export function trainingRun (over: Partial<TrainingRun> = {}): TrainingRun {
  return {
    id: 7,
    heatpump_model_key: 'aero_slm',
    heatpump_model: 'AERO SLM',
    trigger: 'schedule',
    status: 'succeeded',
    started: '2026-11-27T03:00:00.000Z',
    finished: '2026-11-27T03:00:12.000Z',
    progress: null,
    summary: {
      samples: 1_234_567,
      windows: 4321,
      installations: 12,
      heat_pumps: 13,
      lookback_days: 30,
      duration_ms: 12_345,
      model: {
        name: 'AERO_SLM', version: 3, sha256: 'ab'.repeat(32), size_bytes: 262_144,
        expires: '2026-12-27T03:00:12.000Z', encrypted: true, key_fingerprint: '3f9a:0c21:7be4:55d0:a1c8:9e3b:4f72:d016:8a5c:e2b9:07f3:6d41:bc28:5e90:13a7:f6c4',
      },
    },
    error: null,
    ...over,
  }
}

export function trainingRuns (over: Partial<TrainingRuns> = {}): TrainingRuns {
  return { signing_key_fingerprint: '3f9a:0c21:7be4:55d0:a1c8:9e3b:4f72:d016:8a5c:e2b9:07f3:6d41:bc28:5e90:13a7:f6c4', training_time: '03:00', busy: false, runs: [trainingRun()], ...over }
}

export function modelList (models: ModelListItem[] = [
  { name: 'AERO SLM', filename: 'AERO_SLM.enc', size_bytes: 262_144, hash: 'cd'.repeat(32), modified: Date.UTC(2026, 10, 27, 3) / 1000, version: 3, heatpump_model_key: 'aero_slm' },
  { name: 'community model', filename: 'community_model.enc', size_bytes: 1024, hash: 'ef'.repeat(32), modified: Date.UTC(2026, 10, 20, 3) / 1000, version: 1, heatpump_model_key: null },
]): ModelList {
  return { models, total: models.length, model_dir: 'MODEL_DIR' }
}

// ---------------------------------------------------------------- my installation (the agent's page)

export const MY_INSTALLATION = '7c1e9f2a-4b3d-4e5f-8a6b-9c0d1e2f3a4b'
/** "Now" of the page's tests: the ledger fixtures below are days before it (UTC). */
export const ME_NOW = Date.UTC(2026, 10, 27, 12)

export function agentStatus (over: Partial<AgentStatus> = {}): AgentStatus {
  return {
    consent: { given: true, version: '2026-11', changed_at: '2026-11-01T10:00:00.000Z', locked: false },
    installation_id: MY_INSTALLATION,
    primary_installation_id: MY_INSTALLATION,
    registered: true,
    server_url: 'https://pool.example.org',
    outbox: { records: 1234, bytes: 3 * 1024 * 1024 + 200 * 1024, pendingBatches: 2, quarantinedBatches: 0, quarantinedRecords: 0, dropped: 0, uploaded: 56_789 },
    uploads: [{ installationId: MY_INSTALLATION, nextScheduled: '2026-11-28T03:17:00.000Z', retryAt: null, attempts: 0, problem: null }],
    last_upload: { at: '2026-11-27T03:17:00.000Z', installationId: MY_INSTALLATION, outcome: 'acknowledged', status: 200, records: 500 },
    quarantined: [],
    model: {
      checkedAt: '2026-11-27T04:00:00.000Z',
      eligible: true,
      reason: null,
      contributionDays: 42,
      daysNeeded: 0,
      hash: 'ab'.repeat(32),
      error: null,
      signingKey: { fingerprint: '3f9a 0c21 7be4 55d0', source: 'server', pinnedAt: '2026-10-01T10:00:00.000Z' },
      installed: {
        name: 'AERO_SLM', heatpumpModel: 'AERO SLM', version: 3, created: '2026-11-26T03:00:00.000Z', expires: '2026-12-26T03:00:00.000Z', expired: false,
        fingerprint: '3f9a 0c21 7be4 55d0', features: ['temp_outdoor', 'cop'], installedAt: '2026-11-26T04:00:00.000Z',
      },
      rejected: null,
    },
    anomalies: { model: { name: 'AERO_SLM', version: 3 }, error: null, alerts: 0, events: [] },
    ...over,
  }
}

export function consentText (): ConsentText {
  const body = (title: string, item: string, notItem: string, metric: string) => ({
    title,
    paragraphs: [`${title}: paragraph`],
    shared: [{ id: 'installation_id', text: item }],
    metrics: [{ name: 'temp_outdoor', unit: '°C', description: metric }],
    not_shared: [{ id: 'ip_address', text: notItem }],
  })
  return {
    version: '2026-11',
    accepted_version: '2026-11',
    languages: {
      en: body('Sharing your data', 'A random installation id', 'Your IP address is never stored', 'Outdoor air temperature'),
      de: body('Daten teilen', 'Eine zufällige Installations-ID', 'Ihre IP-Adresse wird nie gespeichert', 'Außentemperatur'),
    },
  }
}

const meDay = (daysAgo: number): string => new Date(ME_NOW - daysAgo * 86_400_000).toISOString().slice(0, 10)

export function installationMe (over: Partial<InstallationMe> = {}): InstallationMe {
  return {
    installation_id: MY_INSTALLATION,
    heatpump_model: 'AERO SLM',
    model_key: 'aero_slm',
    registered_at: '2026-10-01T10:00:00.000Z',
    last_sample: '2026-11-27T11:59:00.000Z',
    contribution_days: {
      total: 17,
      last: meDay(1),
      min_samples: 100,
      recent: [
        { day: meDay(3), samples: 2880, stored: 2880, counted: true },
        { day: meDay(2), samples: 40, stored: 40, counted: false },
        { day: meDay(1), samples: 2880, stored: 2880, counted: true },
      ],
    },
    eligibility: { eligible: false, required_days: 30, days_needed: 13, recent_days: 30, lapsed: false, eligible_since: null, reason: 'needs 13 more contribution days' },
    badges: [{ id: 'streak_30', title: '30-day streak', title_de: '30 Tage am Stück', earned: '2026-11-20', rules_version: 1 }],
    badge_rules_version: 1,
    ...over,
  }
}

type RankedEntry = Ranking['heat_pumps'][number]

export function rankedHeatPump (over: Partial<RankedEntry> = {}): RankedEntry {
  return {
    heat_pump: 'hp-1',
    model: 'AERO SLM',
    model_key: 'aero_slm',
    ranked: true,
    missing: [],
    figures: { running_hours: 2400, electricity_kwh: 3100, other_installations: 39 },
    cop: 3.61,
    percentile: 75,
    n: 40,
    statement: 'better than 75 % of AERO SLM owners',
    bands: [],
    normalised: { band_score: 1.07, bands_used: 9, heat_share: 0.93, pct_carnot: 52, pct_carnot_percentile: 70 },
    ...over,
  }
}

export function ranking (heatPumps: RankedEntry[] = [rankedHeatPump()]): Ranking {
  return { window: WINDOW, rules: RULES, heat_pumps: heatPumps }
}

/** The community comparison with this installation's own heat pump (`mine`). */
export function myComparison (over: Partial<Comparison> = {}): Comparison {
  return comparison({
    model: 'aero_slm',
    mine: [{
      heat_pump: 'hp-1',
      value: 3.61,
      percentile: 75,
      missing: [],
      bands: [
        { band: -6, from: -6, to: -4, value: 2.4, percentile: 40 },
        { band: -4, from: -4, to: -2, value: 2.9, percentile: null },
        { band: 0, from: 0, to: 2, value: 3.8, percentile: 80 },
      ],
    }],
    ...over,
  })
}
