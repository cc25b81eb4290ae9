import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { payloadKeyFrom, type ModelManifest } from '@heatpool/protocol/model-manifest'
import type { Logger } from 'pino'
import type { AgentConfig } from '../config.js'
import type { ServerClient } from '../server-client.js'
import { writeFileAtomic, type StateStore, type TokenStore } from '../state.js'
import { SigningKeyPin, type TrustedKey } from './signing-key.js'
import { ModelRefused, verifyHeldBundle, type ModelProblem, type ModelVerifier, type VerifiedModel } from './verify.js'

export const MODEL_FILE = 'community_model.enc'

/** The model held, as its verified manifest describes it. */
export interface InstalledModel {
  readonly name: string
  readonly heatpumpModel: string | null
  readonly version: number
  readonly created: string
  readonly expires: string
  /** Past `expires` by the agent's clock: kept on disk, but not used. */
  readonly expired: boolean
  /** Fingerprint of the key that signed it. */
  readonly fingerprint: string
  readonly features: readonly string[]
  readonly payloadFormat: string | null
  readonly encrypted: boolean
  readonly installedAt: string
}

/** The last model refused, and why; the model held stays as it was. */
export interface ModelRejection {
  readonly at: string
  readonly problem: ModelProblem
  readonly detail: string
  /** The version the refused manifest claims, when it could be read. */
  readonly version?: number
}

export interface ModelStatus {
  readonly checkedAt: string | null
  readonly installationId: string | null
  readonly eligible: boolean | null
  readonly reason: string | null
  readonly contributionDays: number | null
  readonly daysNeeded: number | null
  /** sha256 of the model file the agent holds. */
  readonly hash: string | null
  readonly updatedAt: string | null
  readonly error: string | null
  /** The key models must be signed with (AGENT_MODEL_PUBLIC_KEY or pinned); null: none yet, every model is refused. */
  readonly signingKey: { readonly fingerprint: string, readonly source: TrustedKey['source'], readonly pinnedAt: string | null } | null
  /** The verified model held; null when none, or when the file held cannot be verified (see `error`). */
  readonly installed: InstalledModel | null
  readonly rejected: ModelRejection | null
}

/** What a scorer uses: the verified manifest and the (decrypted) payload. */
export interface CurrentModel {
  readonly manifest: ModelManifest
  readonly payload: Buffer
  readonly fingerprint: string
  readonly installedAt: string
}

type CheckFields = Omit<ModelStatus, 'signingKey' | 'installed'>

interface Held extends VerifiedModel {
  readonly installedAt: string
}

/**
 * Checks for a community model daily and on demand (upstream's updater read the wrong field,
 * never sent `installation_id` and downloaded regardless: upstream.md §1.4 items 7–9). It asks
 * with the local hash and the heat-pump model, downloads only when the server says an update is
 * available, and replaces the file atomically only with a bundle that verifies against the
 * trusted key (signature, X-Model-Hash, payload hash, expiry, a version newer than any installed
 * of that name, a known payload format). Anything else is refused and recorded; the model held
 * stays. The held bundle is re-verified at start, so a restart knows its version.
 */
export class ModelUpdater {
  #status: CheckFields
  #timer: NodeJS.Timeout | undefined
  #running: Promise<ModelStatus> | undefined
  #held: Held | null = null
  /** Fingerprint of the key the held file was last verified with (re-verified when it changes). */
  #heldKey: string | null = null
  /** Why the file held is not in use (unreadable, unverifiable), or null. */
  #heldError: string | null = null
  readonly #file: string
  readonly #pin: SigningKeyPin
  readonly #payloadKey: Buffer | null
  readonly #listeners = new Set<(model: CurrentModel) => void>()

  constructor (
    private readonly config: AgentConfig,
    private readonly client: ServerClient,
    private readonly tokens: TokenStore,
    private readonly state: StateStore,
    private readonly verifier: ModelVerifier,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.#file = join(config.AGENT_DATA_DIR, 'models', MODEL_FILE)
    this.#pin = new SigningKeyPin(config, client, state, log, clock)
    this.#payloadKey = config.AGENT_MODEL_PAYLOAD_KEY.trim() === '' ? null : payloadKeyFrom(config.AGENT_MODEL_PAYLOAD_KEY)
    this.#status = { checkedAt: null, installationId: null, eligible: null, reason: null, contributionDays: null, daysNeeded: null, hash: null, updatedAt: null, error: null, rejected: null }
    this.#loadHeld()
    const key = this.#pin.current()
    if (key !== null) this.log.info({ fingerprint: key.fingerprint, source: key.source }, 'model signing key in force')
  }

  get status (): ModelStatus {
    const key = this.#pin.current()
    if (key?.fingerprint !== this.#heldKey) this.#loadHeld()
    return {
      ...this.#status,
      signingKey: key === null ? null : { fingerprint: key.fingerprint, source: key.source, pinnedAt: key.pinnedAt },
      installed: this.#held === null ? null : this.#describe(this.#held),
    }
  }

  get file (): string {
    return this.#file
  }

  /** The verified model to score with; null when there is none, it has expired, or the trusted key changed since. */
  currentModel (): CurrentModel | null {
    const held = this.#held
    if (held === null || this.#pin.current()?.fingerprint !== held.fingerprint || this.#expired(held)) return null
    return { manifest: held.manifest, payload: held.payload, fingerprint: held.fingerprint, installedAt: held.installedAt }
  }

  /** Calls `listener` after each model installed (not for the one held at start); returns the unsubscribe. */
  onInstalled (listener: (model: CurrentModel) => void): () => void {
    this.#listeners.add(listener)
    return () => { this.#listeners.delete(listener) }
  }

  /** Pins the server's signing key unless a key is configured or pinned already (after registering). */
  async pinSigningKey (): Promise<void> {
    await this.#pin.ensure()
  }

  start (): void {
    const every = this.config.AGENT_MODEL_CHECK_INTERVAL * 1000
    if (every <= 0) return
    // First check a minute after start (as upstream), then on the interval.
    this.#timer = setTimeout(() => {
      void this.check()
      this.#timer = setInterval(() => { void this.check() }, every)
    }, Math.min(60_000, every))
    this.#timer.unref()
  }

  stop (): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
  }

  /** Checks (and installs) now; a check already running is joined, never run twice at once. */
  check (): Promise<ModelStatus> {
    this.#running ??= this.#check().finally(() => { this.#running = undefined })
    return this.#running
  }

  async #check (): Promise<ModelStatus> {
    const installationId = this.state.reload().primaryInstallationId ?? null
    const at = new Date(this.clock()).toISOString()
    if (this.#pin.current()?.fingerprint !== this.#heldKey) this.#loadHeld()
    const hash = this.#localHash()
    if (installationId === null) {
      return this.#set({ checkedAt: at, installationId, hash, error: 'no registered installation yet' })
    }
    const token = this.tokens.get(installationId) ?? (this.config.AGENT_SHARED_TOKEN || undefined)
    const model = this.config.AGENT_HEATPUMP_MODEL || null
    const answer = await this.client.checkModel(installationId, token, model, hash)
    const body = answer.body as { eligible?: boolean, reason?: string, update_available?: boolean, model_available?: boolean, contribution_days?: number | null, days_needed?: number | null } | null
    if (answer.status !== 200 || body === null || typeof body !== 'object') {
      return this.#set({ checkedAt: at, installationId, hash, error: `cannot check model: ${answer.error ?? `the server answered ${answer.status}`}` })
    }
    const base = {
      checkedAt: at,
      installationId,
      eligible: body.eligible ?? false,
      reason: body.reason ?? null,
      contributionDays: body.contribution_days ?? null,
      daysNeeded: body.days_needed ?? null,
      hash,
      error: this.#heldError,
    }
    if (body.eligible !== true || body.update_available !== true || body.model_available !== true || token === undefined) return this.#set(base)

    // Registered before keys were pinned, or the pin was reset: trust on first use now.
    let key = this.#pin.current()
    if (key === null) {
      const pinned = await this.#pin.ensure()
      if ('problem' in pinned) return this.#refuse(base, new ModelRefused('no_pinned_key', `no pinned model signing key: ${pinned.problem}`))
      key = pinned
      this.#loadHeld()
    }

    const download = await this.client.downloadModel(installationId, token, model)
    if (download.status !== 200 || download.bytes === undefined || download.headers === null) {
      return this.#set({ ...base, error: `cannot download model: ${download.error ?? `the server answered ${download.status}`}` })
    }
    const bytes = download.bytes
    if (hash !== null && createHash('sha256').update(bytes).digest('hex') === hash) return this.#set({ ...base, error: this.#heldError })

    let verified: VerifiedModel
    try {
      verified = this.verifier.verify(bytes, download.headers, { nowMs: this.clock(), publicKey: key.key, payloadKey: this.#payloadKey, versions: this.#versions() })
    } catch (err) {
      if (!(err instanceof ModelRefused)) throw err
      return this.#refuse(base, err)
    }
    writeFileAtomic(this.#file, bytes, 0o644)
    this.state.noteModelVersion(verified.manifest.name, verified.manifest.version)
    this.#held = { ...verified, installedAt: at }
    this.#heldKey = verified.fingerprint
    this.#heldError = null
    const m = verified.manifest
    this.log.info({ name: m.name, version: m.version, expires: m.expires, fingerprint: verified.fingerprint, hash: verified.sha256 }, 'community model installed')
    const current = this.currentModel()
    if (current !== null) {
      for (const listener of this.#listeners) {
        try {
          listener(current)
        } catch (err) {
          this.log.error({ err }, 'a model listener failed')
        }
      }
    }
    return this.#set({ ...base, hash: verified.sha256, updatedAt: at, error: null, rejected: null })
  }

  #refuse (base: Partial<CheckFields>, refusal: ModelRefused): ModelStatus {
    this.log.warn({ problem: refusal.problem, version: refusal.version }, `refused a community model: ${refusal.detail}`)
    const rejected: ModelRejection = { at: base.checkedAt ?? new Date(this.clock()).toISOString(), problem: refusal.problem, detail: refusal.detail, ...(refusal.version === undefined ? {} : { version: refusal.version }) }
    return this.#set({ ...base, error: refusal.message, rejected })
  }

  /** Highest installed version per name: the state's record, and the held bundle's own (a crash may fall between the two writes). */
  #versions (): Record<string, number> {
    const versions: Record<string, number> = { ...this.state.get().modelVersions }
    const held = this.#held?.manifest
    if (held !== undefined) versions[held.name] = Math.max(versions[held.name] ?? -Infinity, held.version)
    return versions
  }

  #expired (held: Held): boolean {
    return Date.parse(held.manifest.expires) <= this.clock()
  }

  #describe (held: Held): InstalledModel {
    const m = held.manifest
    return {
      name: m.name,
      heatpumpModel: m.heatpump_model ?? null,
      version: m.version,
      created: m.created,
      expires: m.expires,
      expired: this.#expired(held),
      fingerprint: held.fingerprint,
      features: m.features,
      payloadFormat: m.payload_format ?? null,
      encrypted: m.encryption !== undefined,
      installedAt: held.installedAt,
    }
  }

  #localHash (): string | null {
    return existsSync(this.#file) ? createHash('sha256').update(readFileSync(this.#file)).digest('hex') : null
  }

  /** Reads and verifies the file held with the key in force (at start, and when the key changes). */
  #loadHeld (): void {
    const key = this.#pin.current()
    this.#heldKey = key?.fingerprint ?? null
    this.#held = null
    this.#heldError = null
    if (existsSync(this.#file)) {
      try {
        const verified = verifyHeldBundle(readFileSync(this.#file), { publicKey: key?.key ?? null, payloadKey: this.#payloadKey }, this.verifier)
        this.#held = { ...verified, installedAt: statSync(this.#file).mtime.toISOString() }
      } catch (err) {
        if (!(err instanceof ModelRefused)) throw err
        this.#heldError = `cannot use the model held: ${err.detail}`
        this.log.warn({ problem: err.problem }, this.#heldError)
      }
    }
    this.#status = { ...this.#status, hash: this.#localHash(), error: this.#heldError }
  }

  #set (patch: Partial<CheckFields>): ModelStatus {
    this.#status = { ...this.#status, ...patch }
    return this.status
  }
}
