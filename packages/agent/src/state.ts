import { randomBytes, randomUUID } from 'node:crypto'
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** Writes a file atomically: temp file, fsync, rename over the target, fsync the directory. */
export function writeFileAtomic (path: string, data: string | Buffer, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`
  const fd = openSync(tmp, 'w', mode)
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  const dir = openSync(dirname(path), 'r')
  try {
    fsyncSync(dir)
  } finally {
    closeSync(dir)
  }
}

export interface AgentState {
  /** This agent's own installation id: generated once, kept across restarts. */
  readonly installationId: string
  readonly consent: {
    readonly given: boolean
    readonly version: string | null
    readonly changedAt: string | null
  }
  /** The installation the model updater and the local page speak for: the first one registered. */
  readonly primaryInstallationId?: string
  /** The server's model signing key, pinned on first use (unused while AGENT_MODEL_PUBLIC_KEY is set). */
  readonly modelSigningKey?: PinnedSigningKey
  /** The highest manifest version installed so far, per model name: anything not newer is a rollback. */
  readonly modelVersions?: Readonly<Record<string, number>>
}

export interface PinnedSigningKey {
  /** Raw Ed25519 public key, base64 (32 bytes). */
  readonly publicKey: string
  readonly fingerprint: string
  readonly pinnedAt: string
  /** `server`: fetched from the server on first use; `cli`: set with `heatpool-agent model pin --key`. */
  readonly source: 'server' | 'cli'
}

/** The agent's small persistent state (`state.json`), written atomically. */
export class StateStore {
  readonly #path: string
  #state: AgentState

  constructor (dataDir: string) {
    this.#path = join(dataDir, 'state.json')
    if (existsSync(this.#path)) {
      this.#state = JSON.parse(readFileSync(this.#path, 'utf8')) as AgentState
    } else {
      this.#state = { installationId: randomUUID(), consent: { given: false, version: null, changedAt: null } }
      writeFileAtomic(this.#path, JSON.stringify(this.#state, null, 2))
    }
  }

  get (): AgentState {
    return this.#state
  }

  /** Re-reads the file (a `heatpool-agent consent` command may have changed it). */
  reload (): AgentState {
    if (existsSync(this.#path)) this.#state = JSON.parse(readFileSync(this.#path, 'utf8')) as AgentState
    return this.#state
  }

  setConsent (given: boolean, version: string, now = new Date()): AgentState {
    return this.#write({ ...this.reload(), consent: { given, version, changedAt: now.toISOString() } })
  }

  /** Remembers the first installation registered as the primary one (later calls change nothing). */
  notePrimary (installationId: string): AgentState {
    const current = this.reload()
    return current.primaryInstallationId === undefined ? this.#write({ ...current, primaryInstallationId: installationId }) : current
  }

  /** Pins the model signing key (replacing any pinned one: callers decide when that is allowed). */
  pinModelKey (pin: PinnedSigningKey): AgentState {
    return this.#write({ ...this.reload(), modelSigningKey: pin })
  }

  /** Forgets the pinned model signing key: the next registration or model check pins the server's anew. */
  unpinModelKey (): AgentState {
    const { modelSigningKey: _dropped, ...rest } = this.reload()
    return this.#write(rest)
  }

  /** Records that `version` of model `name` was installed (the high-water mark never goes down). */
  noteModelVersion (name: string, version: number): AgentState {
    const current = this.reload()
    const versions = current.modelVersions ?? {}
    if ((versions[name] ?? -Infinity) >= version) return current
    return this.#write({ ...current, modelVersions: { ...versions, [name]: version } })
  }

  #write (state: AgentState): AgentState {
    this.#state = state
    writeFileAtomic(this.#path, JSON.stringify(state, null, 2))
    return state
  }
}

/**
 * Installation tokens, one file each under `tokens/` (directory 0700, files 0600: readable by
 * the agent's user only). The server keeps only their hashes, so a lost file means registering
 * anew is refused: the operator must restore it or have the installation erased.
 */
export class TokenStore {
  readonly #dir: string

  constructor (dataDir: string) {
    this.#dir = join(dataDir, 'tokens')
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 })
    chmodSync(this.#dir, 0o700)
  }

  #file (installationId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(installationId)) throw new Error(`BUG: not a canonical installation id: ${installationId}`)
    return join(this.#dir, `${installationId}.token`)
  }

  get (installationId: string): string | undefined {
    const file = this.#file(installationId)
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined
  }

  set (installationId: string, token: string): void {
    writeFileAtomic(this.#file(installationId), `${token}\n`, 0o600)
  }

  /**
   * The token proposed to the server for an installation not yet confirmed: generated once and
   * saved before the first registration request, so a retry after a lost answer repeats it and
   * the server recognises the registration as ours.
   */
  proposal (installationId: string): string {
    const file = `${this.#file(installationId)}.pending`
    if (existsSync(file)) return readFileSync(file, 'utf8').trim()
    const token = `hpi_${randomBytes(32).toString('base64url')}`
    writeFileAtomic(file, `${token}\n`, 0o600)
    return token
  }

  /** The server accepted the proposed token: it becomes the installation's token. */
  confirm (installationId: string, token: string): void {
    this.set(installationId, token)
    rmSync(`${this.#file(installationId)}.pending`, { force: true })
  }
}
