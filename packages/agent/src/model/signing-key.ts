import type { KeyObject } from 'node:crypto'
import { keyFingerprint, publicKeyFromBase64, publicKeyToBase64 } from '@heatpool/protocol/model-manifest'
import type { Logger } from 'pino'
import type { AgentConfig } from '../config.js'
import type { ServerClient } from '../server-client.js'
import type { PinnedSigningKey, StateStore } from '../state.js'

/** The public key community models must be signed with, and where the agent got it. */
export interface TrustedKey {
  readonly key: KeyObject
  readonly fingerprint: string
  /** `config`: AGENT_MODEL_PUBLIC_KEY; `server`: pinned on first use; `cli`: `heatpool-agent model pin --key`. */
  readonly source: 'config' | PinnedSigningKey['source']
  readonly pinnedAt: string | null
}

const parsed = new Map<string, { key: KeyObject, fingerprint: string }>()

function parse (base64: string): { key: KeyObject, fingerprint: string } {
  let hit = parsed.get(base64)
  if (hit === undefined) {
    const key = publicKeyFromBase64(base64)
    hit = { key, fingerprint: keyFingerprint(key) }
    parsed.set(base64, hit)
  }
  return hit
}

/**
 * The configured key, else the pinned one, else null. The fingerprint is always recomputed from
 * the key itself, never read from the state file. A pinned key that cannot be read counts as none.
 */
export function trustedKey (config: Pick<AgentConfig, 'AGENT_MODEL_PUBLIC_KEY'>, pin: PinnedSigningKey | undefined): TrustedKey | null {
  if (config.AGENT_MODEL_PUBLIC_KEY.trim() !== '') return { ...parse(config.AGENT_MODEL_PUBLIC_KEY.trim()), source: 'config', pinnedAt: null }
  if (pin === undefined) return null
  try {
    return { ...parse(pin.publicKey), source: pin.source, pinnedAt: pin.pinnedAt }
  } catch {
    return null
  }
}

/** A pin record for `base64` (throws `cannot read an Ed25519 public key …` for anything else). */
export function pinRecord (base64: string, source: PinnedSigningKey['source'], now: Date): PinnedSigningKey {
  const key = publicKeyFromBase64(base64)
  return { publicKey: publicKeyToBase64(key), fingerprint: keyFingerprint(key), pinnedAt: now.toISOString(), source }
}

/**
 * Trust on first use of the server's model signing key (`GET /api/v2/models/signing-key`):
 * fetched once, when the agent registers or, failing that, before its first model download, and
 * kept in the state file. A key the server publishes later is never adopted: re-pinning is the
 * owner's decision (`heatpool-agent model pin --key …` or `--reset`, or AGENT_MODEL_PUBLIC_KEY).
 */
export class SigningKeyPin {
  #inflight: Promise<TrustedKey | { readonly problem: string }> | undefined

  constructor (
    private readonly config: AgentConfig,
    private readonly client: ServerClient,
    private readonly state: StateStore,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The key in force (as of the state last read). */
  current (): TrustedKey | null {
    return trustedKey(this.config, this.state.get().modelSigningKey)
  }

  /** The key in force, pinning the server's when there is none; one request at a time. Never throws. */
  async ensure (): Promise<TrustedKey | { readonly problem: string }> {
    const existing = trustedKey(this.config, this.state.reload().modelSigningKey)
    if (existing !== null) return existing
    this.#inflight ??= this.#pin().finally(() => { this.#inflight = undefined })
    return this.#inflight
  }

  async #pin (): Promise<TrustedKey | { readonly problem: string }> {
    const answer = await this.client.signingKey()
    const body = answer.body as { algorithm?: unknown, public_key?: unknown, fingerprint?: unknown } | null
    let problem: string | undefined
    let pin: PinnedSigningKey | undefined
    if (answer.status !== 200) problem = `the server answered ${answer.status ?? answer.error ?? 'nothing'}`
    else if (body === null || typeof body !== 'object' || body.algorithm !== 'Ed25519' || typeof body.public_key !== 'string') problem = 'the answer is not an Ed25519 public key'
    else {
      try {
        pin = pinRecord(body.public_key, 'server', new Date(this.clock()))
      } catch (err) {
        problem = (err as Error).message
      }
      if (pin !== undefined && body.fingerprint !== undefined && body.fingerprint !== pin.fingerprint) {
        problem = `the server's fingerprint ${String(body.fingerprint)} is not that of its key (${pin.fingerprint})`
      }
    }
    if (problem !== undefined || pin === undefined) {
      const detail = `cannot pin the model signing key: ${problem ?? 'no key'}`
      this.log.warn(detail)
      return { problem: detail }
    }
    // Someone (the CLI) may have pinned meanwhile: the first pin stands.
    const now = trustedKey(this.config, this.state.reload().modelSigningKey)
    if (now !== null) return now
    this.state.pinModelKey(pin)
    this.log.info({ fingerprint: pin.fingerprint }, `pinned the server's model signing key ${pin.fingerprint} (trust on first use): compare it with the fingerprint the operator publishes`)
    return trustedKey(this.config, pin) as TrustedKey
  }
}
