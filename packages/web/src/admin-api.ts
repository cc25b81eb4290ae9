import type {
  InstallationList, InstallationSummary, ModelList, ModelListItem, QualityDay, QualityHour, QualityInstallation, QualityReason,
  QualityReport, ReinstatementResult, RevocationResult, TrainingRun, TrainingRuns,
} from '@heatpool/protocol'
import { ApiError, isObject, requestJson } from './api'

export type {
  InstallationList, InstallationSummary, ModelList, ModelListItem, QualityDay, QualityHour, QualityInstallation, QualityReason,
  ReinstatementResult, RevocationResult, TrainingRun, TrainingRuns,
}

/** `GET /api/v2/admin/quality`: ingest by day (rejections by reason), the last 48 hours, reasons and installations. */
export type AdminQuality = QualityReport

/** `DELETE /api/v2/admin/installations/:id`: `samples_deleted` is null when the sample store cannot count (VictoriaMetrics). */
export interface ErasureResult {
  readonly installation_id: string
  readonly samples_deleted: number | null
}

/**
 * One admin request with the admin token as Bearer. Every failure is an ApiError: 401/403 say
 * the token is wrong (see isAuthError), an unreachable server is `network`, never an empty list.
 */
function adminJson<T> (
  token: string,
  path: string,
  check: (body: unknown) => boolean,
  options: { method?: 'GET' | 'POST' | 'DELETE', signal?: AbortSignal | undefined } = {},
): Promise<T> {
  return requestJson(path, check, { ...options, headers: { authorization: `Bearer ${token}` } })
}

/** The server refused the token: 401 (missing or wrong) or 403 (a token, but not the admin's). */
export function isAuthError (err: unknown): err is ApiError {
  return err instanceof ApiError && err.kind === 'http' && (err.status === 401 || err.status === 403)
}

const isArrayOf = (b: Record<string, unknown>, ...keys: string[]): boolean => keys.every((k) => Array.isArray(b[k]))

/** `GET /api/v2/admin/installations`: one page of installations and the total. */
export function fetchInstallations (token: string, page: { limit: number, offset: number }, signal?: AbortSignal): Promise<InstallationList> {
  const query = new URLSearchParams({ limit: String(page.limit), offset: String(page.offset) })
  return adminJson(token, `/api/v2/admin/installations?${query.toString()}`, (b) => isObject(b) && typeof b.total === 'number' && isArrayOf(b, 'installations'), { signal })
}

/** `GET /api/v2/admin/quality`: ingest and rejections of the last `days` days (hourly: the last 48 h). */
export function fetchQuality (token: string, days: number, signal?: AbortSignal): Promise<AdminQuality> {
  return adminJson(token, `/api/v2/admin/quality?days=${days}`, (b) => isObject(b) && isArrayOf(b, 'daily', 'hourly', 'reasons', 'installations'), { signal })
}

/** `GET /api/v2/admin/training`: the latest runs, whether one is going, and the signing key fingerprint. */
export function fetchTrainingRuns (token: string, signal?: AbortSignal): Promise<TrainingRuns> {
  return adminJson(token, '/api/v2/admin/training', (b) => isObject(b) && typeof b.busy === 'boolean' && isArrayOf(b, 'runs'), { signal })
}

/** `POST /api/v2/admin/training?wait=false`: starts training every model with enough data; follow it with fetchTrainingRuns. */
export function startTraining (token: string): Promise<{ started: boolean }> {
  return adminJson(token, '/api/v2/admin/training?wait=false', (b) => isObject(b) && typeof b.started === 'boolean', { method: 'POST' })
}

/** `GET /api/v1/models`: the community model files the server serves. */
export function fetchModelFiles (token: string, signal?: AbortSignal): Promise<ModelList> {
  return adminJson(token, '/api/v1/models', (b) => isObject(b) && isArrayOf(b, 'models'), { signal })
}

/**
 * `POST /api/v2/admin/installations/:id/revoke`: final until reinstated. The token stops working
 * and the id can no longer register or upload; its data stays. `revoked: false`: it already was.
 */
export function revokeInstallation (token: string, installationId: string): Promise<RevocationResult> {
  return adminJson(token, `/api/v2/admin/installations/${encodeURIComponent(installationId)}/revoke`, (b) => isObject(b) && typeof b.revoked === 'boolean', { method: 'POST' })
}

/**
 * `POST /api/v2/admin/installations/:id/reinstate`: undoes a revocation. The installation stays
 * without a token; the first registration of its id claims it. `reinstated: false`: it was not revoked.
 */
export function reinstateInstallation (token: string, installationId: string): Promise<ReinstatementResult> {
  return adminJson(token, `/api/v2/admin/installations/${encodeURIComponent(installationId)}/reinstate`, (b) => isObject(b) && typeof b.reinstated === 'boolean', { method: 'POST' })
}

/** `DELETE /api/v2/admin/installations/:id`: erases the installation and all its data. */
export function eraseInstallation (token: string, installationId: string): Promise<ErasureResult> {
  return adminJson(token, `/api/v2/admin/installations/${encodeURIComponent(installationId)}`, (b) => isObject(b) && typeof b.installation_id === 'string', { method: 'DELETE' })
}

/**
 * The pseudonym the dashboard shows instead of an installation id: the first 8 hex digits of
 * its SHA-256. Undefined where the browser offers no Web Crypto (pages over plain HTTP other
 * than localhost): the id is then not shown at all rather than shown in full.
 */
export async function shortHash (installationId: string): Promise<string | undefined> {
  const subtle = globalThis.crypto?.subtle
  if (subtle === undefined) return undefined
  const digest = await subtle.digest('SHA-256', new TextEncoder().encode(installationId))
  return Array.from(new Uint8Array(digest).subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join('')
}
