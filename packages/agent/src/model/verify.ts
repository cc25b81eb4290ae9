import { createHash, type KeyObject } from 'node:crypto'
import {
  decryptPayload, keyFingerprint, PAYLOAD_ENCRYPTION, unpackModelBundle, verifyManifest, type ManifestProblem, type ModelManifest,
} from '@heatpool/protocol/model-manifest'
import type { AnswerHeaders } from '../server-client.js'

/**
 * Payload formats this agent can use. A model in any other format is refused before it replaces
 * the one held: a scorer must never be handed bytes it cannot read.
 */
export const KNOWN_PAYLOAD_FORMATS: readonly string[] = ['heatpool-anomaly/1']

/** Why a model was refused: the manifest verdicts of @heatpool/protocol/model-manifest, and the agent's own. */
export type ModelProblem =
  | ManifestProblem
  /** The bytes do not hash to the server's X-Model-Hash (or it sent none). */
  | 'hash_mismatch'
  /** Not a `heatpool-model-bundle/1` document. */
  | 'not_a_bundle'
  /** Neither AGENT_MODEL_PUBLIC_KEY nor a pinned key: nothing can be verified. */
  | 'no_pinned_key'
  /** The payload is encrypted and AGENT_MODEL_PAYLOAD_KEY is empty. */
  | 'no_payload_key'
  | 'unknown_encryption'
  /** The payload key does not open it (wrong key or altered ciphertext). */
  | 'undecryptable'
  | 'unknown_payload_format'
  /** Served under another name than its manifest's (a genuine file copied over another model's). */
  | 'name_mismatch'

/** A model that must not be used, with the reason; `version` is the one its manifest claims, when readable. */
export class ModelRefused extends Error {
  override readonly name = 'ModelRefused'

  constructor (readonly problem: ModelProblem, readonly detail: string, readonly version?: number) {
    super(`cannot verify model: ${detail}`)
  }
}

export interface VerifiedModel {
  readonly manifest: ModelManifest
  /** The payload, decrypted when the manifest says it is encrypted. */
  readonly payload: Buffer
  /** Fingerprint of the key that signed the manifest (the trusted one). */
  readonly fingerprint: string
  /** sha256 of the bundle file (what X-Model-Hash and the check's `current_hash` name). */
  readonly sha256: string
}

export interface VerifyContext {
  /** The agent's clock: expiry and creation time are judged by it. */
  readonly nowMs: number
  /** AGENT_MODEL_PUBLIC_KEY or the pinned key; null refuses every model. */
  readonly publicKey: KeyObject | null
  /** AGENT_MODEL_PAYLOAD_KEY (32 bytes), or null. */
  readonly payloadKey: Buffer | null
  /**
   * The highest version installed so far, per model name. A bundle must be strictly newer than
   * the one of its name (TUF: versions only go up), so neither an older nor a different file
   * with the same version replaces it.
   */
  readonly versions: Readonly<Record<string, number>>
}

/**
 * The seam where a downloaded model is accepted or refused before it replaces the current one.
 * Throws `ModelRefused`; never touches the file held.
 */
export interface ModelVerifier {
  /** `headers` null: bytes that did not come with a download (nothing to compare X-Model-Hash with). */
  verify (bytes: Buffer, headers: AnswerHeaders | null, context: VerifyContext): VerifiedModel
}

/** The manifest's claimed version, read without trusting it (for the refusal record only). */
function claimedVersion (signed: unknown): number | undefined {
  const v = (signed as { manifest?: { version?: unknown } } | null)?.manifest?.version
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined
}

/**
 * A signed model bundle, checked in this order: X-Model-Hash; the bundle's shape; the manifest
 * against the trusted key (signature, key id, expiry, creation time, payload sha256 and size);
 * its name against X-Model-Name (TUF's mix-and-match: a genuine file served as another model);
 * the version against what was installed; the payload format; then decryption when encrypted.
 */
export function verifyBundle (bytes: Buffer, headers: AnswerHeaders | null, c: VerifyContext): VerifiedModel {
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  if (headers !== null) {
    const expected = headers.get('x-model-hash')
    if (expected === null) throw new ModelRefused('hash_mismatch', 'the server sent no X-Model-Hash')
    if (sha256 !== expected.trim().toLowerCase()) throw new ModelRefused('hash_mismatch', `sha256 ${sha256} does not match X-Model-Hash ${expected}`)
  }
  let bundle: ReturnType<typeof unpackModelBundle>
  try {
    bundle = unpackModelBundle(bytes)
  } catch (err) {
    throw new ModelRefused('not_a_bundle', (err as Error).message)
  }
  const claimed = claimedVersion(bundle.signed)
  if (c.publicKey === null) {
    throw new ModelRefused('no_pinned_key', 'no pinned model signing key (set AGENT_MODEL_PUBLIC_KEY, or run `heatpool-agent model pin`)', claimed)
  }
  const name = (bundle.signed as { manifest?: { name?: unknown } } | null)?.manifest?.name
  const held = typeof name === 'string' ? c.versions[name] : undefined
  const verdict = verifyManifest(bundle.signed, c.publicKey, { nowMs: c.nowMs, payload: bundle.payload, ...(held === undefined ? {} : { currentVersion: held }) })
  if (!verdict.ok) throw new ModelRefused(verdict.problem ?? 'malformed', verdict.detail, claimed)
  const m = (bundle.signed as { manifest: ModelManifest }).manifest
  if (typeof m.name !== 'string' || m.name === '' || !Array.isArray(m.features)) throw new ModelRefused('malformed', 'manifest name or features missing', m.version)
  const served = headers?.get('x-model-name') ?? null
  if (served !== null && served !== m.name) throw new ModelRefused('name_mismatch', `the manifest names model ${JSON.stringify(m.name)}, the server served it as ${JSON.stringify(served)}`, m.version)
  if (held !== undefined && m.version <= held) throw new ModelRefused('rollback', `version ${m.version} of ${m.name} is not newer than the installed ${held}`, m.version)
  if (m.payload_format === undefined || !KNOWN_PAYLOAD_FORMATS.includes(m.payload_format)) {
    throw new ModelRefused('unknown_payload_format', `payload format ${JSON.stringify(m.payload_format ?? null)} is not one this agent reads (${KNOWN_PAYLOAD_FORMATS.join(', ')})`, m.version)
  }
  let payload = bundle.payload
  if (m.encryption !== undefined) {
    if (m.encryption !== PAYLOAD_ENCRYPTION) throw new ModelRefused('unknown_encryption', `payload encryption ${JSON.stringify(m.encryption)} is not ${PAYLOAD_ENCRYPTION}`, m.version)
    if (c.payloadKey === null) throw new ModelRefused('no_payload_key', `the payload is encrypted (${m.encryption}) and AGENT_MODEL_PAYLOAD_KEY is not set`, m.version)
    try {
      payload = decryptPayload(payload, c.payloadKey)
    } catch (err) {
      throw new ModelRefused('undecryptable', (err as Error).message, m.version)
    }
  }
  return { manifest: m, payload, fingerprint: keyFingerprint(c.publicKey), sha256 }
}

export const bundleVerifier: ModelVerifier = { verify: verifyBundle }

/**
 * The bundle the agent already holds, verified as it was when installed: judged at its own
 * `created` time, so an expired one still reads (the caller reports it expired and does not use
 * it) while a changed byte or another key is still refused.
 */
export function verifyHeldBundle (bytes: Buffer, c: Pick<VerifyContext, 'publicKey' | 'payloadKey'>, verifier: ModelVerifier = bundleVerifier): VerifiedModel {
  let created = Number.NaN
  try {
    const signed = unpackModelBundle(bytes).signed as { manifest?: { created?: unknown } } | null
    created = typeof signed?.manifest?.created === 'string' ? Date.parse(signed.manifest.created) : Number.NaN
  } catch { /* refused below with the reason */ }
  return verifier.verify(bytes, null, { ...c, nowMs: Number.isFinite(created) ? created : 0, versions: {} })
}
