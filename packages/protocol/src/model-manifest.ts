import { createCipheriv, createDecipheriv, createHash, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto'

/**
 * Signed model manifests (issue 7; anchors: TUF's signed metadata, minisign). The operator's
 * Ed25519 key signs the canonical JSON of a manifest that names the payload by sha256 and size;
 * an agent holding the pinned public key accepts a model only if the signature verifies, the
 * payload matches, the manifest has not expired and its version is not older than what it has.
 * Node only (node:crypto): a subpath of its own, never loaded by the package index.
 */
export const MANIFEST_FORMAT = 'heatpool-model/1'

export interface ModelManifest {
  readonly format: typeof MANIFEST_FORMAT
  /** Registry name of the model file. */
  readonly name: string
  /** Heat-pump model key it was trained for (null: generic). */
  readonly heatpump_model: string | null
  /** Strictly increasing per name: agents refuse anything older than what they hold. */
  readonly version: number
  readonly sha256: string
  readonly size: number
  /** ISO 8601. */
  readonly created: string
  readonly expires: string
  readonly features: readonly string[]
  readonly training: Readonly<Record<string, unknown>>
  /** What the payload holds once decrypted (e.g. `heatpool-anomaly/1`). */
  readonly payload_format?: string
  /** Absent: the payload is plain. `aes-256-gcm`: IV (12 bytes) ‖ ciphertext ‖ tag (16 bytes). */
  readonly encryption?: typeof PAYLOAD_ENCRYPTION
}

export interface SignedManifest {
  readonly manifest: ModelManifest
  /** Base64 Ed25519 signature of `canonicalJson(manifest)`. */
  readonly signature: string
  /** `keyFingerprint` of the signing key, so a verifier can say which key it expected. */
  readonly key_id: string
}

/**
 * JSON with object keys sorted at every level and no whitespace: the bytes that are signed, the
 * same for any key order. Refuses values JSON cannot carry exactly (non-finite numbers,
 * undefined, functions) instead of silently dropping them.
 */
export function canonicalJson (value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot encode ${value} in canonical JSON`)
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  throw new Error(`cannot encode a ${typeof value} in canonical JSON`)
}

/** sha256 of the raw 32-byte Ed25519 public key, hex in groups of four: what admins compare. */
export function keyFingerprint (publicKey: KeyObject): string {
  const raw = rawPublicKey(publicKey)
  return (createHash('sha256').update(raw).digest('hex').match(/.{4}/g) as string[]).join(':')
}

/** The raw public key, base64 (32 bytes): how the server publishes it and agents pin it. */
export function publicKeyToBase64 (publicKey: KeyObject): string {
  return rawPublicKey(publicKey).toString('base64')
}

export function publicKeyFromBase64 (text: string): KeyObject {
  const raw = Buffer.from(text.trim(), 'base64')
  if (raw.length !== 32) throw new Error(`cannot read an Ed25519 public key from ${raw.length} bytes (expected 32)`)
  // SPKI DER of an Ed25519 key: a fixed 12-byte prefix, then the 32 raw bytes.
  return createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' })
}

function rawPublicKey (publicKey: KeyObject): Buffer {
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`cannot use a ${publicKey.asymmetricKeyType ?? 'symmetric'} key: Ed25519 only`)
  const der = (publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey).export({ format: 'der', type: 'spki' })
  return der.subarray(der.length - 32)
}

export function signManifest (manifest: ModelManifest, privateKey: KeyObject): SignedManifest {
  const signature = sign(null, Buffer.from(canonicalJson(manifest)), privateKey).toString('base64')
  return { manifest, signature, key_id: keyFingerprint(privateKey) }
}

export type ManifestProblem = 'malformed' | 'wrong_key' | 'bad_signature' | 'expired' | 'not_yet_valid' | 'rollback' | 'payload_mismatch'

export interface ManifestVerdict {
  readonly ok: boolean
  readonly problem?: ManifestProblem
  readonly detail: string
}

export interface VerifyOptions {
  readonly nowMs: number
  /** The version the verifier already holds for this name; an older one is a rollback. */
  readonly currentVersion?: number
  /** The payload, when it is at hand: its sha256 and size must match the manifest. */
  readonly payload?: Buffer
  /** Allowed clock difference for `created`, ms (default 5 minutes). */
  readonly clockSkewMs?: number
}

/** Checks a signed manifest (and its payload) against the pinned public key. Never throws. */
export function verifyManifest (signed: unknown, publicKey: KeyObject, o: VerifyOptions): ManifestVerdict {
  const bad = (problem: ManifestProblem, detail: string): ManifestVerdict => ({ ok: false, problem, detail })
  const s = signed as Partial<SignedManifest> | null
  const m = s?.manifest as Partial<ModelManifest> | undefined
  if (s === null || typeof s !== 'object' || typeof s.signature !== 'string' || m === undefined || m === null || typeof m !== 'object') return bad('malformed', 'not a signed manifest')
  if (m.format !== MANIFEST_FORMAT) return bad('malformed', `unknown manifest format ${JSON.stringify(m.format)}`)
  if (typeof m.version !== 'number' || !Number.isInteger(m.version) || typeof m.sha256 !== 'string' || typeof m.size !== 'number' ||
    typeof m.expires !== 'string' || typeof m.created !== 'string') return bad('malformed', 'manifest fields missing or of the wrong type')
  const expected = keyFingerprint(publicKey)
  if (s.key_id !== undefined && s.key_id !== expected) return bad('wrong_key', `signed by key ${String(s.key_id)}, pinned key is ${expected}`)
  let valid = false
  try {
    valid = verify(null, Buffer.from(canonicalJson(m)), publicKey, Buffer.from(s.signature, 'base64'))
  } catch (err) {
    return bad('malformed', `cannot check the signature: ${(err as Error).message}`)
  }
  if (!valid) return bad('bad_signature', 'the signature does not match the manifest and the pinned key')
  const expires = Date.parse(m.expires)
  const created = Date.parse(m.created)
  if (!Number.isFinite(expires) || !Number.isFinite(created)) return bad('malformed', 'created or expires is not a date')
  if (expires <= o.nowMs) return bad('expired', `expired at ${m.expires}`)
  if (created > o.nowMs + (o.clockSkewMs ?? 300_000)) return bad('not_yet_valid', `created in the future (${m.created})`)
  if (o.currentVersion !== undefined && m.version < o.currentVersion) return bad('rollback', `version ${m.version} is older than the current ${o.currentVersion}`)
  if (o.payload !== undefined) {
    const sha = createHash('sha256').update(o.payload).digest('hex')
    if (o.payload.length !== m.size || sha !== m.sha256.toLowerCase()) return bad('payload_mismatch', `payload sha256 ${sha} (${o.payload.length} bytes) does not match the manifest's ${m.sha256} (${m.size} bytes)`)
  }
  return { ok: true, detail: `version ${m.version} of ${String(m.name)}, signed by ${expected}` }
}

/**
 * A model file as the registry stores and serves it: one JSON document holding the signed
 * manifest and the payload (base64). `sha256` and `size` in the manifest are those of the
 * payload bytes as carried (encrypted, when encrypted), so a verifier checks them before it
 * decrypts anything.
 */
export const BUNDLE_FORMAT = 'heatpool-model-bundle/1'

export interface ModelBundle {
  readonly signed: SignedManifest
  readonly payload: Buffer
}

export function packModelBundle (bundle: ModelBundle): Buffer {
  return Buffer.from(JSON.stringify({ format: BUNDLE_FORMAT, signed: bundle.signed, payload: bundle.payload.toString('base64') }))
}

/** Reads a bundle's parts; throws `cannot read model bundle: …` for anything else. Verify with `verifyManifest`. */
export function unpackModelBundle (bytes: Buffer): { readonly signed: unknown, readonly payload: Buffer } {
  let doc: unknown
  try {
    doc = JSON.parse(bytes.toString('utf8'))
  } catch {
    throw new Error('cannot read model bundle: not JSON')
  }
  const d = doc as { format?: unknown, signed?: unknown, payload?: unknown } | null
  if (d === null || typeof d !== 'object' || d.format !== BUNDLE_FORMAT) throw new Error(`cannot read model bundle: format is not ${BUNDLE_FORMAT}`)
  if (typeof d.payload !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(d.payload)) throw new Error('cannot read model bundle: payload is not base64')
  return { signed: d.signed, payload: Buffer.from(d.payload, 'base64') }
}

/** Optional payload encryption: AES-256-GCM with a 32-byte key shared by the operator and the agents. */
export const PAYLOAD_ENCRYPTION = 'aes-256-gcm'
const IV_BYTES = 12
const TAG_BYTES = 16

/** Reads a payload key: 32 bytes as base64 (44 characters) or hex (64). */
export function payloadKeyFrom (text: string): Buffer {
  const t = text.trim()
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64')
  if (key.length !== 32) throw new Error(`cannot use a model payload key of ${key.length} bytes: AES-256 needs 32 (base64 or hex)`)
  return key
}

export function encryptPayload (plain: Buffer, key: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const body = Buffer.concat([cipher.update(plain), cipher.final()])
  return Buffer.concat([iv, body, cipher.getAuthTag()])
}

/** Throws `cannot decrypt model payload: …` for a wrong key or changed bytes. */
export function decryptPayload (sealed: Buffer, key: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('cannot decrypt model payload: too short')
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES))
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()])
  } catch {
    throw new Error('cannot decrypt model payload: wrong key or altered bytes')
  }
}
