import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { isFernetKey, legacyFormatOf, readLegacyEnvelope, UPSTREAM_DEFAULT_KEY, type LegacyVerdict } from '@heatpool/protocol/legacy-envelope'
import {
  BUNDLE_FORMAT, keyFingerprint, publicKeyFromBase64, unpackModelBundle, verifyManifest, type ManifestProblem, type ModelManifest,
} from '@heatpool/protocol/model-manifest'
import { loadConfig, type Config } from '../config.js'
import { signingKeyPath } from '../models/signing-key.js'

export const VERIFY_MODEL_USAGE = `Usage: heatpool-admin verify-model FILE [--key K] [--json] [--now ISO]

Checks a model file offline and says whether it is valid: a heatpool model bundle
(${BUNDLE_FORMAT}, an Ed25519-signed manifest and its payload), or an upstream legacy
file (the v2.0 JSON envelope, or a v0 raw Fernet token) for interoperability.

Heatpool bundles are checked as an agent checks them: the signature against the key, the
payload's sha256 and size, created/expires against the time. The key is --key, else the
server's own signing key from its configuration (MODEL_SIGNING_KEY, MODEL_SIGNING_KEY_FILE
or <DATA_DIR>/keys/model-signing.pem; this command never creates one).

Legacy files are only checked against a key given with --key (the 44-character Fernet key
string): upstream's default key is public, so anyone could have made a file that verifies
with it. Even with a key, a valid legacy file proves only that its maker held the key.

Options:
  --key K      bundle: the server's public key, base64 (32 bytes, as GET
               /api/v2/models/signing-key serves it), or a file holding it, a PEM
               public key or that endpoint's JSON answer
               legacy: the Fernet key string, or a file holding it
  --json       print the verdict as JSON
  --now ISO    check expiry at this time instead of now (e.g. 2026-01-31T12:00:00Z)
  -h, --help   show this help

Exit codes: 0 valid, 1 not valid (or a legacy file without --key), 2 usage error.
`

interface Io {
  out (text: string): void
  err (text: string): void
}

class UsageError extends Error {}

const TRUST_NOTE = 'interoperability format only: an HMAC under a shared key proves nothing about who made the file (anyone holding the key could have)'
const NO_KEY_NOTE = 'legacy envelopes are only checked against an explicitly given --key: the upstream default key is public, so anyone could have made this file'

type Verdict = Record<string, unknown> & { readonly valid: boolean }

/** `heatpool-admin verify-model`: returns the exit code. `env` is the server's configuration environment. */
export async function runVerifyModel (argv: string[], env: Readonly<Record<string, string | undefined>>, io: Io): Promise<number> {
  let path: string
  let keyArg: string | undefined
  let json: boolean
  let nowMs: number
  let bytes: Buffer
  try {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        key: { type: 'string' },
        json: { type: 'boolean', default: false },
        now: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
    if (parsed.values.help) {
      io.out(VERIFY_MODEL_USAGE)
      return 0
    }
    const [file, ...rest] = parsed.positionals
    if (file === undefined) throw new UsageError('cannot verify a model: no FILE given')
    if (rest.length > 0) throw new UsageError(`cannot verify a model: unexpected argument ${JSON.stringify(rest[0])}`)
    path = resolve(file)
    keyArg = parsed.values.key
    json = parsed.values.json
    nowMs = parsed.values.now === undefined ? Date.now() : Date.parse(parsed.values.now)
    if (!Number.isFinite(nowMs)) throw new UsageError(`cannot use --now ${JSON.stringify(parsed.values.now)}: not an ISO 8601 time`)
    try {
      bytes = readFileSync(path)
    } catch (err) {
      throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  } catch (err) {
    return usage(io, err)
  }

  let verdict: Verdict
  try {
    if (isBundle(bytes)) {
      const key = keyArg === undefined ? serverKey(env) : bundleKey(keyArg)
      verdict = { file: path, ...checkBundle(bytes, key, nowMs) }
    } else {
      const legacy = legacyFormatOf(bytes)
      if (legacy === undefined) {
        verdict = { file: path, format: 'unknown', valid: false, problem: 'malformed', detail: `neither a heatpool model bundle (${BUNDLE_FORMAT}) nor an upstream legacy envelope or Fernet token` }
      } else if (keyArg === undefined) {
        verdict = { file: path, format: legacy, valid: false, problem: 'not_checked', detail: NO_KEY_NOTE }
      } else {
        verdict = { file: path, ...checkLegacy(bytes, legacyKey(keyArg)) }
      }
    }
  } catch (err) {
    return usage(io, err)
  }
  io.out(json ? `${JSON.stringify(verdict, null, 2)}\n` : describe(verdict))
  return verdict.valid ? 0 : 1
}

function usage (io: Io, err: unknown): number {
  const message = err instanceof UsageError ? err.message : `cannot read arguments: ${(err as Error).message}`
  io.err(`${message}\n\n${VERIFY_MODEL_USAGE}`)
  return 2
}

function isBundle (bytes: Buffer): boolean {
  // A cheap look before parsing: bundles are one JSON object naming their format.
  if (!bytes.includes(BUNDLE_FORMAT)) return false
  try {
    return (JSON.parse(bytes.toString('utf8')) as { format?: unknown } | null)?.format === BUNDLE_FORMAT
  } catch {
    return false
  }
}

// -- keys

interface CheckKey {
  readonly key: KeyObject
  /** Where it came from, for the verdict. */
  readonly source: string
}

const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/

/** --key for a bundle: base64 raw Ed25519 public key, or a file with it, a PEM key or the signing-key endpoint's JSON. */
function bundleKey (arg: string): CheckKey {
  const text = arg.trim()
  if (BASE64_32.test(text)) return { key: rawKey(text, '--key'), source: '--key' }
  const path = resolve(arg)
  if (!existsSync(path)) throw new UsageError(`cannot use --key ${JSON.stringify(arg)}: neither a base64 Ed25519 public key (32 bytes) nor a file`)
  let content: string
  try {
    content = readFileSync(path, 'utf8').trim()
  } catch (err) {
    throw new UsageError(`cannot read the key file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  const source = `--key ${path}`
  if (content.includes('-----BEGIN')) {
    let key: KeyObject
    try {
      key = createPublicKey(content) // a private key's PEM gives its public half
    } catch (err) {
      throw new UsageError(`cannot read a PEM key from ${path}: ${(err as Error).message}`)
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new UsageError(`cannot use the key in ${path}: it is ${key.asymmetricKeyType ?? 'not asymmetric'}, Ed25519 is required`)
    return { key, source }
  }
  if (content.startsWith('{')) {
    let answer: { public_key?: unknown } | null = null
    try {
      answer = JSON.parse(content) as { public_key?: unknown } | null
    } catch {
      answer = null
    }
    if (typeof answer?.public_key !== 'string') throw new UsageError(`cannot read a key from ${path}: JSON without a public_key`)
    return { key: rawKey(answer.public_key, path), source }
  }
  return { key: rawKey(content, path), source }
}

function rawKey (text: string, what: string): KeyObject {
  if (!BASE64_32.test(text.trim())) throw new UsageError(`cannot use the key from ${what}: not a base64 Ed25519 public key (32 bytes)`)
  try {
    return publicKeyFromBase64(text)
  } catch (err) {
    throw new UsageError(`cannot use the key from ${what}: ${(err as Error).message}`)
  }
}

/**
 * The public half of the server's own signing key, loaded as models/signing-key.ts does but
 * never created: a verifier that made a key would report everything as signed by a stranger.
 */
function serverKey (env: Readonly<Record<string, string | undefined>>): CheckKey {
  let config: Config
  try {
    config = loadConfig(env)
  } catch (err) {
    throw new UsageError(`cannot find the server's signing key: ${(err as Error).message}; pass --key`)
  }
  if (config.MODEL_SIGNING_KEY.trim() !== '') return { key: publicHalf(config.MODEL_SIGNING_KEY, 'MODEL_SIGNING_KEY'), source: 'server key (MODEL_SIGNING_KEY)' }
  const path = signingKeyPath(config)
  let pem: string
  try {
    pem = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new UsageError(code === 'ENOENT'
      ? `cannot find the server's signing key: ${path} does not exist (this command never creates one); pass --key with the public key from GET /api/v2/models/signing-key`
      : `cannot read the server's signing key ${path}: ${code ?? (err as Error).message}; pass --key`)
  }
  return { key: publicHalf(pem, path), source: `server key ${path}` }
}

function publicHalf (pem: string, what: string): KeyObject {
  let key: KeyObject
  try {
    key = createPublicKey(createPrivateKey(pem))
  } catch (err) {
    throw new UsageError(`cannot read the model signing key from ${what}: ${(err as Error).message}`)
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new UsageError(`cannot use the model signing key from ${what}: it is ${key.asymmetricKeyType ?? 'not asymmetric'}, Ed25519 is required`)
  return key
}

/** --key for a legacy file: the Fernet key string, or a file holding it. */
function legacyKey (arg: string): string {
  if (isFernetKey(arg.trim())) return arg.trim()
  const path = resolve(arg)
  if (existsSync(path)) {
    let content: string
    try {
      content = readFileSync(path, 'utf8').trim()
    } catch (err) {
      throw new UsageError(`cannot read the key file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
    if (isFernetKey(content)) return content
    throw new UsageError(`cannot use the key in ${path}: not a Fernet key (44 characters of url-safe base64)`)
  }
  throw new UsageError(`cannot use --key ${JSON.stringify(arg)} for a legacy envelope: neither a Fernet key (44 characters of url-safe base64) nor a file`)
}

// -- checks

function checkBundle (bytes: Buffer, k: CheckKey, nowMs: number): Verdict {
  const base = { format: BUNDLE_FORMAT, key: { fingerprint: keyFingerprint(k.key), source: k.source } }
  let unpacked: ReturnType<typeof unpackModelBundle>
  try {
    unpacked = unpackModelBundle(bytes)
  } catch (err) {
    return { ...base, valid: false, problem: 'malformed' satisfies ManifestProblem, detail: (err as Error).message }
  }
  const verdict = verifyManifest(unpacked.signed, k.key, { nowMs, payload: unpacked.payload })
  const signed = unpacked.signed as { manifest?: Partial<ModelManifest>, key_id?: unknown } | null
  const m = typeof signed?.manifest === 'object' && signed.manifest !== null ? signed.manifest : undefined
  return {
    ...base,
    valid: verdict.ok,
    ...(verdict.problem === undefined ? {} : { problem: verdict.problem }),
    detail: verdict.detail,
    ...(m === undefined
      ? {}
      : {
          name: m.name,
          heatpump_model: m.heatpump_model,
          version: m.version,
          created: m.created,
          expires: m.expires,
          sha256: m.sha256,
          size: m.size,
          features: Array.isArray(m.features) ? m.features.length : undefined,
          payload_format: m.payload_format,
          encryption: m.encryption ?? 'none',
        }),
    signed_by: typeof signed?.key_id === 'string' ? signed.key_id : undefined,
    payload_bytes: unpacked.payload.length,
  }
}

function checkLegacy (bytes: Buffer, key: string): Verdict {
  const v: LegacyVerdict = readLegacyEnvelope(bytes, key)
  return {
    format: v.format,
    valid: v.ok,
    ...(v.problem === undefined ? {} : { problem: v.problem }),
    detail: v.detail,
    ...(v.signedMetadata === undefined ? {} : { metadata: v.metadata, signed_metadata: v.signedMetadata }),
    ...(v.plaintext === undefined ? {} : { decrypted_size: v.plaintext.length }),
    ...(v.tokenTimeMs === undefined ? {} : { token_time: new Date(v.tokenTimeMs).toISOString() }),
    trust: TRUST_NOTE,
    ...(key === UPSTREAM_DEFAULT_KEY ? { warning: 'the key is the upstream default key, which is public: anyone can make a file that verifies with it' } : {}),
  }
}

// -- output

const FORMAT_NAMES: Readonly<Record<string, string>> = {
  [BUNDLE_FORMAT]: `${BUNDLE_FORMAT} (heatpool model bundle, Ed25519-signed manifest)`,
  'legacy-v2': 'legacy-v2 (upstream v2.0 envelope: HMAC over payload and metadata, Fernet payload)',
  'legacy-v2-payload-only': 'legacy-v2-payload-only (upstream v2.0 envelope, older variant: HMAC over the payload only, metadata unprotected)',
  'legacy-v0': 'legacy-v0 (upstream raw Fernet token, no metadata)',
}

function describe (v: Verdict): string {
  const lines: string[] = [`file: ${String(v.file)}`, `format: ${FORMAT_NAMES[String(v.format)] ?? String(v.format)}`]
  const show = (label: string, value: unknown): void => {
    if (value !== undefined) lines.push(`${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
  }
  if (v.format === BUNDLE_FORMAT) {
    show('name', v.name)
    if ('heatpump_model' in v) show('heat-pump model', v.heatpump_model ?? 'generic')
    show('version', v.version)
    show('created', v.created)
    show('expires', v.expires)
    if (v.sha256 !== undefined) lines.push(`sha256: ${String(v.sha256)} (${String(v.size)} bytes)`)
    show('features', v.features)
    show('payload format', v.payload_format)
    show('encryption', v.encryption === 'none' || v.encryption === undefined ? v.encryption : `${String(v.encryption)} (the payload is not decrypted here; its sha256 covers the encrypted bytes)`)
    show('signed by', v.signed_by)
    const key = v.key as { fingerprint: string, source: string }
    lines.push(`checked with: ${key.fingerprint} (${key.source})`)
  } else if (v.problem !== 'not_checked' && v.format !== 'unknown') {
    show('metadata', v.signed_metadata)
    const meta = v.metadata as { timestamp?: unknown } | undefined
    if (typeof meta?.timestamp === 'number' && Number.isFinite(meta.timestamp) && Math.abs(meta.timestamp) < 8.64e12) {
      lines.push(`metadata time: ${new Date(meta.timestamp * 1000).toISOString()}`)
    }
    show('token time', v.token_time)
    if (v.decrypted_size !== undefined) lines.push(`decrypted size: ${String(v.decrypted_size)} bytes`)
    show('trust', v.trust)
    show('warning', v.warning)
  }
  if (v.problem === 'not_checked') lines.push(`NOT CHECKED: ${String(v.detail)}`)
  else if (v.valid) lines.push(`checked: ${String(v.detail)}`, 'valid')
  else lines.push(`INVALID: ${String(v.problem)}: ${String(v.detail)}`)
  return `${lines.join('\n')}\n`
}
