/**
 * What is worth telling the owner, decided from snapshots of the agent's state: pure functions,
 * no I/O, no clock of their own. Every event has a `key` that names it for good — the same
 * facts give the same key, so an event seen again (every poll while the owner is eligible, or
 * after a restart) is recognised and never announced twice.
 */

export interface EligibleEvent {
  readonly kind: 'eligible'
  readonly key: string
  readonly installationId: string
  readonly contributionDays: number | null
  readonly requiredDays: number | null
  /** The contribution day that completed the required days (YYYY-MM-DD), when known. */
  readonly eligibleSince: string | null
}

export interface ModelEvent {
  readonly kind: 'model'
  readonly key: string
  readonly name: string
  readonly version: number
  readonly heatpumpModel: string | null
  readonly installedAt: string
  readonly expires: string
}

export interface AnomalyFeature {
  readonly feature: string
  readonly value: number
  readonly typical: number
  readonly z: number
}

export interface AnomalyNotice {
  readonly kind: 'anomaly'
  readonly key: string
  readonly installationId: string
  readonly heatPump: string
  readonly mode: string
  /** End of the window that completed the anomalous run. */
  readonly at: string
  readonly score: number
  readonly threshold: number
  readonly topFeatures: readonly AnomalyFeature[]
}

export interface UploadsFailingEvent {
  readonly kind: 'uploads-failing'
  readonly key: string
  readonly since: string
  readonly hours: number
  readonly detail: string | null
  readonly waitingRecords: number
}

export interface OutboxFullEvent {
  readonly kind: 'outbox-full'
  readonly key: string
  readonly since: string
  readonly bytes: number
  readonly maxBytes: number
}

export interface BadgeEvent {
  readonly kind: 'badge'
  readonly key: string
  readonly installationId: string
  readonly badge: string
  readonly title: string
  readonly titleDe: string
  /** The day it was earned (YYYY-MM-DD). */
  readonly earned: string
}

export type NotifyEvent = EligibleEvent | ModelEvent | AnomalyNotice | UploadsFailingEvent | OutboxFullEvent | BadgeEvent
export type EventKind = NotifyEvent['kind']

/** Uploads failing this long are announced. */
export const UPLOADS_FAILING_AFTER_MS = 24 * 3_600_000
/** The outbox this full (of AGENT_OUTBOX_MAX_BYTES) is announced… */
export const OUTBOX_NEAR_CAP = 0.9
/** …and the episode ends (a later one is announced anew) only once it is back under this. */
export const OUTBOX_CLEAR = 0.8

/** What the server says about the primary installation (`GET /api/v2/installations/me`), as far as notifications go. */
export interface ServerStanding {
  readonly installationId: string
  readonly eligible: boolean
  readonly contributionDays: number | null
  readonly requiredDays: number | null
  readonly eligibleSince: string | null
  readonly badges: readonly { readonly id: string, readonly title: string, readonly titleDe: string, readonly earned: string }[]
}

/** The eligible event and one event per badge, from the server's standing. */
export function standingEvents (s: ServerStanding): NotifyEvent[] {
  const events: NotifyEvent[] = []
  if (s.eligible) events.push(eligibleEvent(s.installationId, s.contributionDays, s.requiredDays, s.eligibleSince))
  for (const b of s.badges) {
    events.push({ kind: 'badge', key: `badge:${s.installationId}:${b.id}`, installationId: s.installationId, badge: b.id, title: b.title, titleDe: b.titleDe, earned: b.earned })
  }
  return events
}

/** Eligible for the community model: once per installation, whichever source says it first. */
export function eligibleEvent (installationId: string, contributionDays: number | null, requiredDays: number | null, eligibleSince: string | null = null): EligibleEvent {
  return { kind: 'eligible', key: `eligible:${installationId}`, installationId, contributionDays, requiredDays, eligibleSince }
}

/** The server's `/api/v2/installations/me` answer read defensively; null when it is not one. */
export function readStanding (body: unknown): ServerStanding | null {
  if (body === null || typeof body !== 'object') return null
  const b = body as { installation_id?: unknown, contribution_days?: { total?: unknown }, eligibility?: { eligible?: unknown, required_days?: unknown, eligible_since?: unknown }, badges?: unknown }
  if (typeof b.installation_id !== 'string' || typeof b.eligibility?.eligible !== 'boolean') return null
  const badges = Array.isArray(b.badges) ? b.badges : []
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null)
  return {
    installationId: b.installation_id,
    eligible: b.eligibility.eligible,
    contributionDays: num(b.contribution_days?.total),
    requiredDays: num(b.eligibility.required_days),
    eligibleSince: typeof b.eligibility.eligible_since === 'string' ? b.eligibility.eligible_since : null,
    badges: badges.flatMap((x: { id?: unknown, title?: unknown, title_de?: unknown, earned?: unknown }) => typeof x?.id === 'string' && typeof x.earned === 'string'
      ? [{ id: x.id, title: typeof x.title === 'string' ? x.title : x.id, titleDe: typeof x.title_de === 'string' ? x.title_de : typeof x.title === 'string' ? x.title : x.id, earned: x.earned }]
      : []),
  }
}

/** A model installed by the updater: once per name and version. */
export function modelEvent (m: { readonly name: string, readonly version: number, readonly heatpumpModel: string | null, readonly installedAt: string, readonly expires: string }): ModelEvent {
  return { kind: 'model', key: `model:${m.name}:${m.version}`, ...m }
}

/** An anomaly the detector raised: once per heat pump and moment (the detector's cooldown spaces them). */
export function anomalyNotice (a: { readonly at: string, readonly installation_id: string, readonly heat_pump: string, readonly mode: string, readonly score: number, readonly threshold: number, readonly top_features: readonly AnomalyFeature[] }): AnomalyNotice {
  return {
    kind: 'anomaly',
    key: `anomaly:${a.installation_id}:${a.heat_pump}:${a.at}`,
    installationId: a.installation_id,
    heatPump: a.heat_pump,
    mode: a.mode,
    at: a.at,
    score: a.score,
    threshold: a.threshold,
    topFeatures: a.top_features.slice(0, 3).map((f) => ({ feature: f.feature, value: f.value, typical: f.typical, z: f.z })),
  }
}

/** What the uploader says: failing (a retry or credential problem waits), fine, or not known yet (nothing tried since start). */
export interface UploadSnapshot {
  readonly failing: boolean | null
  readonly detail: string | null
  readonly waitingRecords: number
}

/** The uploader's schedule and last result read as an `UploadSnapshot`. */
export function uploadSnapshot (
  schedule: readonly { readonly attempts: number, readonly problem: string | null }[],
  last: { readonly outcome: string, readonly detail?: string } | undefined,
  waitingRecords: number,
): UploadSnapshot {
  const problem = schedule.find((s) => s.problem !== null && s.problem !== 'no_consent')
  const retrying = schedule.some((s) => s.attempts > 0)
  if (retrying || problem !== undefined) return { failing: true, detail: last?.detail ?? problem?.problem ?? null, waitingRecords }
  if (last === undefined) return { failing: null, detail: null, waitingRecords }
  return { failing: false, detail: null, waitingRecords }
}

/** What the local watch remembers between ticks (and restarts). */
export interface WatchMemory {
  /** When uploads were first seen failing in the current run of failures, ISO 8601. */
  readonly uploadsFailingSince: string | null
  /** When the outbox first reached OUTBOX_NEAR_CAP in the current episode, ISO 8601. */
  readonly outboxFullSince: string | null
}

export const EMPTY_WATCH: WatchMemory = { uploadsFailingSince: null, outboxFullSince: null }

/**
 * The local conditions: uploads failing for UPLOADS_FAILING_AFTER_MS, the outbox at
 * OUTBOX_NEAR_CAP of its cap. Each is an episode keyed by its start, so one long outage is one
 * notification and a later one is another. An upload state not known yet (just restarted)
 * keeps the episode running rather than starting its 24 hours again.
 */
export function watchLocal (memory: WatchMemory, uploads: UploadSnapshot, outbox: { readonly bytes: number, readonly maxBytes: number }, nowMs: number): { memory: WatchMemory, events: NotifyEvent[] } {
  const now = new Date(nowMs).toISOString()
  const events: NotifyEvent[] = []

  let failingSince = memory.uploadsFailingSince
  if (uploads.failing === true) failingSince ??= now
  else if (uploads.failing === false) failingSince = null
  if (failingSince !== null && nowMs - Date.parse(failingSince) >= UPLOADS_FAILING_AFTER_MS) {
    const hours = Math.floor((nowMs - Date.parse(failingSince)) / 3_600_000)
    events.push({ kind: 'uploads-failing', key: `uploads-failing:${failingSince}`, since: failingSince, hours, detail: uploads.detail, waitingRecords: uploads.waitingRecords })
  }

  let fullSince = memory.outboxFullSince
  const share = outbox.maxBytes > 0 ? outbox.bytes / outbox.maxBytes : 0
  if (share >= OUTBOX_NEAR_CAP) fullSince ??= now
  else if (share < OUTBOX_CLEAR) fullSince = null
  if (fullSince !== null && share >= OUTBOX_NEAR_CAP) {
    events.push({ kind: 'outbox-full', key: `outbox-full:${fullSince}`, since: fullSince, bytes: outbox.bytes, maxBytes: outbox.maxBytes })
  }

  return { memory: { uploadsFailingSince: failingSince, outboxFullSince: fullSince }, events }
}
