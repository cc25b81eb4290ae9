import type { Comparison, ConsentTextAnswer as ConsentText, InstallationMe, PoolStatus, Ranking } from '@heatpool/protocol'
import { ApiError, isObject, requestJson, type ApiErrorKind } from './api'

export type { Comparison, InstallationMe, PoolStatus, Ranking }
export type RankedHeatPump = Ranking['heat_pumps'][number]
export type InstallationBadge = InstallationMe['badges'][number]
export type LedgerDay = InstallationMe['contribution_days']['recent'][number]

/*
 * The agent's local API as the "my installation" page reads it (packages/agent/src/api/app.ts).
 * The agent keeps its own answers plain (no schema library at run time), so their shapes are
 * written out here; the server's answers it passes through are the protocol's.
 */

export interface AgentConsent {
  readonly given: boolean
  readonly version: string | null
  readonly changed_at: string | null
  /** AGENT_CONSENT=true in the agent's configuration: it cannot be withdrawn on the page. */
  readonly locked: boolean
}

export interface OutboxStats {
  readonly records: number
  readonly bytes: number
  readonly pendingBatches: number
  readonly quarantinedBatches: number
  readonly quarantinedRecords: number
  readonly dropped: number
  readonly uploaded: number
}

export interface UploadSchedule {
  readonly installationId: string
  readonly nextScheduled: string
  readonly retryAt: string | null
  readonly attempts: number
  readonly problem: string | null
}

export type UploadOutcome = 'acknowledged' | 'retry' | 'auth' | 'quarantine' | 'no_credential'

export interface UploadResult {
  readonly at: string
  readonly installationId: string
  readonly outcome: UploadOutcome
  readonly status: number | null
  readonly records: number
  readonly detail?: string
}

export interface QuarantinedBatch {
  readonly batch: number
  readonly installation_id: string
  readonly status: number | null
  readonly error: string | null
  readonly created_at: string
}

export interface InstalledModel {
  readonly name: string
  readonly heatpumpModel: string | null
  readonly version: number
  readonly created: string
  readonly expires: string
  readonly expired: boolean
  readonly fingerprint: string
  readonly features: readonly string[]
  readonly installedAt: string
}

export interface ModelStatus {
  readonly checkedAt: string | null
  readonly eligible: boolean | null
  readonly reason: string | null
  readonly contributionDays: number | null
  readonly daysNeeded: number | null
  readonly hash: string | null
  readonly error: string | null
  readonly signingKey: { readonly fingerprint: string, readonly source: string, readonly pinnedAt: string | null } | null
  readonly installed: InstalledModel | null
  readonly rejected: { readonly at: string, readonly problem: string, readonly detail: string, readonly version?: number } | null
}

export interface AnomalyEvent {
  readonly at: string
  readonly installation_id: string
  readonly heat_pump: string
  readonly mode: string
  readonly score: number
  readonly threshold: number
  readonly top_features: readonly { readonly feature: string, readonly value: number, readonly typical: number, readonly z: number }[]
  readonly model: { readonly name: string, readonly version: number }
}

export interface AnomalyStatus {
  readonly model: { readonly name: string, readonly version: number } | null
  readonly error: string | null
  readonly alerts: number
  readonly events: readonly AnomalyEvent[]
}

/** `GET /api/status` of the agent. */
export interface AgentStatus {
  readonly consent: AgentConsent
  readonly installation_id: string
  readonly primary_installation_id: string | null
  readonly registered: boolean
  readonly server_url: string
  readonly outbox: OutboxStats
  readonly uploads: readonly UploadSchedule[]
  readonly last_upload: UploadResult | null
  readonly quarantined: readonly QuarantinedBatch[]
  readonly model: ModelStatus
  /** null: anomaly detection is off. */
  readonly anomalies: AnomalyStatus | null
}

export type { ConsentItem, ConsentTextBody } from '@heatpool/protocol'
export type { ConsentText }

/** An ApiError made with the code first (as the agent answers `{ code, detail }`): for states the page sets itself, and tests. */
export class AgentApiError extends ApiError {
  constructor (kind: ApiErrorKind, path: string, status?: number, code?: string, detail?: string) {
    super(kind, path, status, detail, code)
  }
}

/** The agent has no token yet, so the server cannot be asked about this installation. */
export function isNotRegistered (error: ApiError): boolean {
  return error.code === 'HP_ERR_NOT_REGISTERED'
}


/** A request to the agent's local API (same origin) as JSON. */
function agentJson<T> (method: 'GET' | 'POST', path: string, check: (body: unknown) => boolean, signal?: AbortSignal, body?: unknown): Promise<T> {
  return requestJson(path, check, { method, body, signal })
}

export function fetchAgentStatus (signal?: AbortSignal): Promise<AgentStatus> {
  return agentJson('GET', '/api/status', (b) => isObject(b) && isObject(b.consent) && isObject(b.outbox) && isObject(b.model) && Array.isArray(b.uploads), signal)
}

export function fetchConsentText (signal?: AbortSignal): Promise<ConsentText> {
  return agentJson('GET', '/api/consent-text', (b) => isObject(b) && typeof b.version === 'string' && isObject(b.languages) && isObject(b.languages.en) && isObject(b.languages.de), signal)
}

/** The server's `installations/me` through the agent: 409 HP_ERR_NOT_REGISTERED before registration. */
export function fetchMe (signal?: AbortSignal): Promise<InstallationMe> {
  return agentJson('GET', '/api/me', (b) => isObject(b) && isObject(b.contribution_days) && isObject(b.eligibility) && Array.isArray(b.badges), signal)
}

export function fetchRanking (signal?: AbortSignal): Promise<Ranking> {
  return agentJson('GET', '/api/ranking?window=365d', (b) => isObject(b) && Array.isArray(b.heat_pumps) && isObject(b.rules), signal)
}

/** Seasonal COP per outdoor band of `model` (the agent's configured one when null), with `mine` once registered. */
export function fetchMyComparison (model: string | null, signal?: AbortSignal): Promise<Comparison> {
  const query = new URLSearchParams({ ...(model === null ? {} : { model }), metric: 'cop', window: '365d' })
  return agentJson('GET', `/api/comparison?${query.toString()}`, (b) => isObject(b) && Array.isArray(b.bands) && isObject(b.overall) && isObject(b.rules), signal)
}

/** The server's pool status through the agent: 502 when the server cannot be reached, never zeros. */
export function fetchAgentPoolStatus (signal?: AbortSignal): Promise<PoolStatus> {
  return agentJson('GET', '/api/pool-status', (b) => isObject(b) && typeof b.total_installations === 'number' && typeof b.data_sufficient === 'boolean' && isObject(b.progress), signal)
}

export function postConsent (given: boolean): Promise<{ consent: Omit<AgentConsent, 'locked'> }> {
  return agentJson('POST', '/api/consent', (b) => isObject(b) && isObject(b.consent), undefined, { given })
}

export function postFlush (): Promise<{ last_upload: UploadResult | null, outbox: OutboxStats }> {
  return agentJson('POST', '/api/flush', (b) => isObject(b) && isObject(b.outbox), undefined, {})
}

export function postCheckModel (): Promise<unknown> {
  return agentJson('POST', '/api/check-model', isObject, undefined, {})
}
