import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { AgentConfig } from '../config.js'
import type { ServerClient } from '../server-client.js'
import { writeFileAtomic, type StateStore, type TokenStore } from '../state.js'
import type { ModelVerifier } from './verify.js'

export const MODEL_FILE = 'community_model.enc'

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
}

/**
 * Checks for a community model daily and on demand (upstream's updater read the wrong field,
 * never sent `installation_id` and downloaded regardless: upstream.md §1.4 items 7–9). It asks
 * with the local hash and the heat-pump model, downloads only when the server says an update is
 * available, verifies it, and replaces the file atomically.
 */
export class ModelUpdater {
  #status: ModelStatus
  #timer: NodeJS.Timeout | undefined
  readonly #file: string

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
    this.#status = { checkedAt: null, installationId: null, eligible: null, reason: null, contributionDays: null, daysNeeded: null, hash: this.#localHash(), updatedAt: null, error: null }
  }

  get status (): ModelStatus {
    return this.#status
  }

  get file (): string {
    return this.#file
  }

  #localHash (): string | null {
    return existsSync(this.#file) ? createHash('sha256').update(readFileSync(this.#file)).digest('hex') : null
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

  async check (): Promise<ModelStatus> {
    const installationId = this.state.reload().primaryInstallationId ?? null
    const at = new Date(this.clock()).toISOString()
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
      error: null,
    }
    if (body.eligible !== true || body.update_available !== true || body.model_available !== true || token === undefined) return this.#set(base)

    const download = await this.client.downloadModel(installationId, token, model)
    if (download.status !== 200 || download.bytes === undefined || download.headers === null) {
      return this.#set({ ...base, error: `cannot download model: ${download.error ?? `the server answered ${download.status}`}` })
    }
    try {
      this.verifier.verify(download.bytes, download.headers)
    } catch (err) {
      this.log.error({ err }, 'refused a downloaded model')
      return this.#set({ ...base, error: (err as Error).message })
    }
    writeFileAtomic(this.#file, download.bytes, 0o644)
    this.log.info({ hash: download.headers.get('x-model-hash') }, 'community model updated')
    return this.#set({ ...base, hash: this.#localHash(), updatedAt: at })
  }

  #set (patch: Partial<ModelStatus>): ModelStatus {
    this.#status = { ...this.#status, ...patch }
    return this.#status
  }
}
