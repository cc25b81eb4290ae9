import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * The upstream model file ("IDM Metrics Collector", `export_model.py` / `load_encrypted_model`),
 * read and written for interoperability only. Three formats exist:
 *
 * - v0: the file is a raw Fernet token of the model bytes;
 * - v2.0 with the older payload-only signature: a JSON envelope whose HMAC covers the payload;
 * - v2.0: a JSON envelope whose HMAC covers `payload + "." + json.dumps(metadata, sort_keys=True)`.
 *
 * The HMAC key and the Fernet key are one shared string, and upstream's default is public
 * (`UPSTREAM_DEFAULT_KEY`): a valid envelope proves only that its maker held that string, never
 * who made it. heatpool's own models are Ed25519-signed bundles (model-manifest.ts); nothing
 * trusts this format by default. Node only (node:crypto): a subpath of its own.
 */

/**
 * Upstream's default `TELEMETRY_ENCRYPTION_KEY` (also its `COMMUNITY_KEY`). It is PUBLIC: it is
 * written in upstream's source, so anyone can make an envelope that verifies with it. Named
 * here only so tests and documentation can refer to it; never use it as a default.
 */
export const UPSTREAM_DEFAULT_KEY = 'gR6xZ9jK3q2L5n8P7s4v1t0wY_mH-cJdKbNxVfZlQqA='

export const LEGACY_ENVELOPE_VERSION = '2.0'

// ---------------------------------------------------------------------------------------------
// Fernet (https://github.com/fernet/spec): 0x80 | timestamp (8 bytes BE, s) | IV (16) |
// AES-128-CBC/PKCS7 ciphertext | HMAC-SHA256 (32) of everything before; url-safe base64.

const FERNET_VERSION = 0x80
const IV_BYTES = 16
const MAC_BYTES = 32
const HEADER_BYTES = 1 + 8 + IV_BYTES
/** Header, one cipher block (an empty plaintext still pads to one), MAC. */
const MIN_TOKEN_BYTES = HEADER_BYTES + 16 + MAC_BYTES

interface FernetKeys {
  readonly signing: Buffer
  readonly encryption: Buffer
}

/** Whether `key` is a Fernet key: 44 characters of (url-safe) base64 decoding to 32 bytes. */
export function isFernetKey (key: string): boolean {
  return /^[A-Za-z0-9_\-+/]{43}=$/.test(key)
}

function fernetKeys (key: string): FernetKeys {
  if (!isFernetKey(key)) throw new Error('cannot use the Fernet key: it must be 44 characters of url-safe base64 (32 bytes)')
  // Node's base64 decoder reads both alphabets, as Python's urlsafe_b64decode does.
  const raw = Buffer.from(key, 'base64')
  return { signing: raw.subarray(0, 16), encryption: raw.subarray(16, 32) }
}

/** Python's `base64.urlsafe_b64encode`: url-safe alphabet, padded. */
function urlSafeBase64 (bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_')
}

export interface FernetEncryptOptions {
  /** The token's timestamp (its whole seconds are kept); default now. */
  readonly nowMs?: number
  /** 16 bytes; default random. Fixed only for known-answer tests. */
  readonly iv?: Uint8Array
}

/** A Fernet token (url-safe base64 text, padded, as Python's `cryptography` writes it). Throws for a bad key or IV. */
export function fernetEncrypt (plain: Uint8Array, key: string, o: FernetEncryptOptions = {}): string {
  const keys = fernetKeys(key)
  const iv = o.iv === undefined ? randomBytes(IV_BYTES) : Buffer.from(o.iv)
  if (iv.length !== IV_BYTES) throw new Error(`cannot make a Fernet token: the IV has ${iv.length} bytes, 16 are needed`)
  const header = Buffer.alloc(9)
  header[0] = FERNET_VERSION
  header.writeBigUInt64BE(BigInt(Math.floor((o.nowMs ?? Date.now()) / 1000)), 1)
  const cipher = createCipheriv('aes-128-cbc', keys.encryption, iv) // PKCS#7 padding is Node's default
  const body = Buffer.concat([header, iv, cipher.update(plain), cipher.final()])
  const mac = createHmac('sha256', keys.signing).update(body).digest()
  return urlSafeBase64(Buffer.concat([body, mac]))
}

type Opened =
  | { readonly ok: true, readonly plain: Buffer, readonly timestampMs: number }
  | { readonly ok: false, readonly malformed: boolean, readonly detail: string }

/** Never throws. `malformed`: not a Fernet token at all; otherwise the MAC or padding failed. */
function openFernet (token: string, keys: FernetKeys): Opened {
  const text = token.trim()
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9_\-+/]*={0,2}$/.test(text)) return { ok: false, malformed: true, detail: 'not url-safe base64 text' }
  const data = Buffer.from(text, 'base64')
  if (data.length < MIN_TOKEN_BYTES || data[0] !== FERNET_VERSION) return { ok: false, malformed: true, detail: 'not a Fernet token (version byte or length)' }
  const signed = data.subarray(0, data.length - MAC_BYTES)
  const mac = createHmac('sha256', keys.signing).update(signed).digest()
  if (!timingSafeEqual(mac, data.subarray(data.length - MAC_BYTES))) {
    return { ok: false, malformed: false, detail: 'the Fernet token\'s MAC does not match the key (wrong key, or the token was changed)' }
  }
  try {
    const decipher = createDecipheriv('aes-128-cbc', keys.encryption, data.subarray(9, HEADER_BYTES))
    const plain = Buffer.concat([decipher.update(data.subarray(HEADER_BYTES, data.length - MAC_BYTES)), decipher.final()])
    return { ok: true, plain, timestampMs: Number(data.readBigUInt64BE(1)) * 1000 }
  } catch {
    return { ok: false, malformed: false, detail: 'the Fernet token does not decrypt (bad length or padding)' }
  }
}

/** The plaintext of a Fernet token (no TTL, as upstream). Throws `cannot decrypt Fernet token: …`. */
export function fernetDecrypt (token: string | Uint8Array, key: string): Buffer {
  const opened = openFernet(typeof token === 'string' ? token : Buffer.from(token).toString('latin1'), fernetKeys(key))
  if (!opened.ok) throw new Error(`cannot decrypt Fernet token: ${opened.detail}`)
  return opened.plain
}

// ---------------------------------------------------------------------------------------------
// JSON as Python reads and writes it. The envelope's signature covers Python's json.dumps of the
// metadata, and JSON.parse would lose what that depends on (1769600000.0 becomes 1769600000;
// big integers are rounded), so the file is parsed into a tree that keeps every number literal
// as its source text, and serialised back the way Python would.

type PyNode =
  | { readonly kind: 'object', readonly entries: ReadonlyArray<readonly [string, PyNode]> }
  | { readonly kind: 'array', readonly items: readonly PyNode[] }
  | { readonly kind: 'string', readonly value: string }
  /** The literal as written (also Python's `NaN`, `Infinity`, `-Infinity`). */
  | { readonly kind: 'number', readonly raw: string }
  | { readonly kind: 'literal', readonly raw: 'true' | 'false' | 'null' }

class JsonSyntaxError extends Error {}

const MAX_DEPTH = 200
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y
const PLAIN_CHARS = /[^"\\\u0000-\u001f]*/y // eslint-disable-line no-control-regex
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

/** Parses JSON as Python's `json.loads` does (strict strings; NaN and Infinity accepted). Throws JsonSyntaxError. */
function parsePython (text: string): PyNode {
  let i = 0
  function fail (what: string): never {
    throw new JsonSyntaxError(`${what} at offset ${i}`)
  }
  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(i)
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return
      i++
    }
  }
  const string = (): string => {
    i++ // the opening quote
    let out = ''
    for (;;) {
      PLAIN_CHARS.lastIndex = i
      const run = PLAIN_CHARS.exec(text)?.[0] ?? ''
      out += run
      i += run.length
      const c = text[i]
      if (c === '"') {
        i++
        return out
      }
      if (c !== '\\') fail(c === undefined ? 'unterminated string' : 'control character in a string')
      const e = text[i + 1] ?? ''
      if (e === 'u') {
        const hex = text.slice(i + 2, i + 6)
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape')
        out += String.fromCharCode(parseInt(hex, 16))
        i += 6
      } else {
        const decoded = ESCAPES[e]
        if (decoded === undefined) fail('bad escape')
        out += decoded
        i += 2
      }
    }
  }
  const value = (depth: number): PyNode => {
    if (depth > MAX_DEPTH) fail('nested too deeply')
    skipSpace()
    const c = text[i]
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']'
      const entries: Array<readonly [string, PyNode]> = []
      const items: PyNode[] = []
      i++
      skipSpace()
      if (text[i] === close) {
        i++
      } else {
        for (;;) {
          if (c === '{') {
            skipSpace()
            if (text[i] !== '"') fail('expected a string key')
            const key = string()
            skipSpace()
            if (text[i] !== ':') fail('expected \':\'')
            i++
            entries.push([key, value(depth + 1)])
          } else {
            items.push(value(depth + 1))
          }
          skipSpace()
          if (text[i] === ',') {
            i++
            continue
          }
          if (text[i] !== close) fail(`expected ',' or '${close}'`)
          i++
          break
        }
      }
      return c === '{' ? { kind: 'object', entries } : { kind: 'array', items }
    }
    if (c === '"') return { kind: 'string', value: string() }
    for (const raw of ['true', 'false', 'null'] as const) {
      if (text.startsWith(raw, i)) {
        i += raw.length
        return { kind: 'literal', raw }
      }
    }
    for (const raw of ['NaN', 'Infinity', '-Infinity']) {
      if (text.startsWith(raw, i)) {
        i += raw.length
        return { kind: 'number', raw }
      }
    }
    NUMBER.lastIndex = i
    const number = NUMBER.exec(text)?.[0]
    if (number === undefined) fail('expected a value')
    i += number.length
    return { kind: 'number', raw: number }
  }
  const root = value(0)
  skipSpace()
  if (i !== text.length) fail('extra data after the document')
  return root
}

/** Python's dict from pairs: the last value of a repeated key wins, at the key's first position. */
function dictEntries (node: Extract<PyNode, { kind: 'object' }>): Array<[string, PyNode]> {
  return [...new Map(node.entries).entries()]
}

/** Python's `str` ordering: by code point (UTF-16 code unit order differs above U+D7FF). */
function byCodePoint (a: string, b: string): number {
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i) ?? 0
    const cb = b.codePointAt(j) ?? 0
    if (ca !== cb) return ca - cb
    i += ca > 0xffff ? 2 : 1
    j += cb > 0xffff ? 2 : 1
  }
  return (i < a.length ? 1 : 0) - (j < b.length ? 1 : 0)
}

/**
 * Python's `repr(float)` as `json.dumps` writes it: the shortest digits that round-trip, fixed
 * notation with at least one decimal (`1769600000.0`) from 1e-4 up to below 1e16, else
 * `1e+16` / `1.5e-05` style; `NaN`, `Infinity` and `-Infinity` for the rest.
 */
export function pythonFloatRepr (x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const sign = x < 0 ? '-' : ''
  // toExponential() without an argument gives the shortest round-trip digits, as repr does.
  const [mantissa = '', exponent = '0'] = Math.abs(x).toExponential().split('e')
  const digits = mantissa.replace('.', '')
  const point = Number(exponent) + 1 // x = 0.<digits> × 10^point
  if (point > -4 && point <= 16) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`
    if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
  }
  const e = point - 1
  return `${sign}${digits[0] ?? ''}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`
}

/** A number literal as Python re-serialises it: integers keep every digit, floats go through repr. */
function pythonNumber (raw: string): string {
  if (raw === 'NaN' || raw === 'Infinity' || raw === '-Infinity') return raw
  if (!/[.eE]/.test(raw)) return raw === '-0' ? '0' : raw
  return pythonFloatRepr(Number(raw))
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' }

/** A string as `json.dumps(ensure_ascii=True)` writes it: everything outside ' '..'~' escaped, astral characters as surrogate pairs. */
function pythonString (s: string): string {
  // Without the u flag the class matches UTF-16 code units, which is what Python escapes.
  return `"${s.replace(/[\\"\u0000-\u001f\u007f-\uffff]/g, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"` // eslint-disable-line no-control-regex
}

interface DumpOptions {
  /** `indent=`: None (one line, ", " and ": ") or spaces per level ("," and ": "). */
  readonly indent?: number
  readonly sortKeys: boolean
}

function pythonDumps (node: PyNode, o: DumpOptions, level = 0): string {
  switch (node.kind) {
    case 'string': return pythonString(node.value)
    case 'number': return pythonNumber(node.raw)
    case 'literal': return node.raw
    case 'array': return wrap('[', ']', node.items.map((item) => pythonDumps(item, o, level + 1)), o, level)
    case 'object': {
      const entries = dictEntries(node)
      if (o.sortKeys) entries.sort(([a], [b]) => byCodePoint(a, b))
      return wrap('{', '}', entries.map(([k, v]) => `${pythonString(k)}: ${pythonDumps(v, o, level + 1)}`), o, level)
    }
  }
}

function wrap (open: string, close: string, parts: string[], o: DumpOptions, level: number): string {
  if (parts.length === 0) return `${open}${close}`
  if (o.indent === undefined) return `${open}${parts.join(', ')}${close}`
  const inner = `\n${' '.repeat(o.indent * (level + 1))}`
  return `${open}${inner}${parts.join(`,${inner}`)}\n${' '.repeat(o.indent * level)}${close}`
}

/** The tree as plain JavaScript values (numbers as JS numbers: for display only). */
function plain (node: PyNode): unknown {
  switch (node.kind) {
    case 'string': return node.value
    case 'number': return Number(node.raw)
    case 'literal': return node.raw === 'null' ? null : node.raw === 'true'
    case 'array': return node.items.map(plain)
    case 'object': return Object.fromEntries(dictEntries(node).map(([k, v]) => [k, plain(v)]))
  }
}

// ---------------------------------------------------------------------------------------------
// The envelope.

export type LegacyFormat = 'legacy-v2' | 'legacy-v2-payload-only' | 'legacy-v0'
/** `bad_key`: the key given is not a Fernet key (44 characters of url-safe base64). */
export type LegacyProblem = 'malformed' | 'bad_signature' | 'bad_token' | 'bad_key'

export interface LegacyVerdict {
  readonly ok: boolean
  /** What the file is; for a v2 envelope whose signature fails, `legacy-v2`. */
  readonly format: LegacyFormat
  readonly problem?: LegacyProblem
  readonly detail: string
  /** v2: the metadata as parsed (numbers as JS numbers; see `signedMetadata` for the exact text). */
  readonly metadata?: Readonly<Record<string, unknown>>
  /** v2: Python's `json.dumps(metadata, sort_keys=True)`, the text the signature covers. */
  readonly signedMetadata?: string
  /** The model bytes, when `ok`. */
  readonly plaintext?: Buffer
  /** The Fernet token's timestamp (whole seconds), ms, when `ok`. */
  readonly tokenTimeMs?: number
}

function hmacHex (key: string, message: string): string {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(message, 'utf8').digest('hex')
}

/** `hmac.compare_digest` of two strings: constant time for equal lengths. */
function sameText (a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  return x.length === y.length && timingSafeEqual(x, y)
}

function asText (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
}

/**
 * Which legacy format the file looks like, without a key: `legacy-v2` for a JSON object with
 * `payload` and `signature` (as upstream's loader decides), `legacy-v0` for a Fernet token,
 * undefined for anything else. Says nothing about validity.
 */
export function legacyFormatOf (bytes: Uint8Array): 'legacy-v2' | 'legacy-v0' | undefined {
  const text = asText(bytes).trim()
  if (text.startsWith('{')) {
    try {
      const doc = parsePython(text)
      if (doc.kind !== 'object') return undefined
      const keys = new Set(doc.entries.map(([k]) => k))
      return keys.has('payload') && keys.has('signature') ? 'legacy-v2' : undefined
    } catch {
      return undefined
    }
  }
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9_\-+/]+={0,2}$/.test(text)) return undefined
  const data = Buffer.from(text, 'base64')
  return data.length >= MIN_TOKEN_BYTES && data[0] === FERNET_VERSION ? 'legacy-v0' : undefined
}

/**
 * Verifies and decrypts an upstream model file with `key` (the 44-character Fernet key string,
 * which is also the HMAC key as UTF-8 text) the way upstream's `load_encrypted_model` does, but
 * reporting which variant it is and what failed. Never throws.
 *
 * An `ok` verdict means only that whoever made the file held `key`; with upstream's public
 * default key that is anyone.
 */
export function readLegacyEnvelope (bytes: Uint8Array, key: string): LegacyVerdict {
  try {
    const text = asText(bytes)
    return text.trim().startsWith('{') ? readV2(text, key) : readV0(text, key)
  } catch (err) {
    return { ok: false, format: 'legacy-v2', problem: 'malformed', detail: `cannot read the file: ${(err as Error).message}` }
  }
}

function badKey (format: LegacyFormat): LegacyVerdict {
  return { ok: false, format, problem: 'bad_key', detail: 'the key is not a Fernet key (44 characters of url-safe base64, 32 bytes)' }
}

function readV2 (text: string, key: string): LegacyVerdict {
  const bad = (problem: LegacyProblem, detail: string, extra: Partial<LegacyVerdict> = {}): LegacyVerdict =>
    ({ ok: false, format: 'legacy-v2', problem, detail, ...extra })
  let doc: PyNode
  try {
    doc = parsePython(text)
  } catch (err) {
    if (err instanceof JsonSyntaxError) return bad('malformed', `not JSON: ${err.message}`)
    throw err
  }
  if (doc.kind !== 'object') return bad('malformed', 'not a JSON object')
  const fields = new Map(doc.entries)
  const version = fields.get('version')
  const payload = fields.get('payload')
  const signature = fields.get('signature')
  const metadata = fields.get('metadata')
  if (payload === undefined || signature === undefined) return bad('malformed', 'a JSON object without payload and signature: not a model envelope')
  if (version?.kind !== 'string' || version.value !== LEGACY_ENVELOPE_VERSION) {
    return bad('malformed', `envelope version ${version === undefined ? 'missing' : pythonDumps(version, { sortKeys: true }).slice(0, 40)}, expected "${LEGACY_ENVELOPE_VERSION}"`)
  }
  if (payload.kind !== 'string' || signature.kind !== 'string') return bad('malformed', 'payload and signature must be strings')
  // Upstream signs `metadata or {}`: a missing or null metadata is signed as {}.
  const meta: PyNode = metadata === undefined || (metadata.kind === 'literal' && metadata.raw === 'null') ? { kind: 'object', entries: [] } : metadata
  if (meta.kind !== 'object') return bad('malformed', 'metadata is not a JSON object')
  const signedMetadata = pythonDumps(meta, { sortKeys: true })
  const described = { metadata: plain(meta) as Record<string, unknown>, signedMetadata }
  if (!isFernetKey(key)) return { ...badKey('legacy-v2'), ...described }

  let format: LegacyFormat
  if (sameText(hmacHex(key, `${payload.value}.${signedMetadata}`), signature.value)) {
    format = 'legacy-v2'
  } else if (sameText(hmacHex(key, payload.value), signature.value)) {
    format = 'legacy-v2-payload-only'
  } else {
    return bad('bad_signature', 'the HMAC does not match the payload and metadata under this key (wrong key, or the file was changed)', described)
  }
  const b64 = payload.value
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return { ok: false, format, problem: 'bad_token', detail: 'the payload is not base64', ...described }
  const opened = openFernet(Buffer.from(b64, 'base64').toString('latin1'), fernetKeys(key))
  if (!opened.ok) return { ok: false, format, problem: 'bad_token', detail: `the signature checks out but the payload does not: ${opened.detail}`, ...described }
  const claimed = described.metadata.size_original
  const sizeNote = typeof claimed === 'number' && claimed !== opened.plain.length ? ` (metadata says size_original ${claimed}, decrypted ${opened.plain.length} bytes)` : ''
  const detail = format === 'legacy-v2'
    ? `the HMAC over payload and metadata and the Fernet token check out under the given key${sizeNote}`
    : `the HMAC covers the payload only (the older upstream variant): the metadata is not protected; the Fernet token checks out under the given key${sizeNote}`
  return { ok: true, format, detail, ...described, plaintext: opened.plain, tokenTimeMs: opened.timestampMs }
}

function readV0 (text: string, key: string): LegacyVerdict {
  const trimmed = text.trim()
  if (trimmed.length % 4 !== 0 || !/^[A-Za-z0-9_\-+/]+={0,2}$/.test(trimmed)) {
    return { ok: false, format: 'legacy-v0', problem: 'malformed', detail: 'neither a v2.0 JSON envelope nor a Fernet token' }
  }
  if (!isFernetKey(key)) return badKey('legacy-v0')
  const opened = openFernet(trimmed, fernetKeys(key))
  if (!opened.ok) return { ok: false, format: 'legacy-v0', problem: opened.malformed ? 'malformed' : 'bad_token', detail: opened.detail }
  return {
    ok: true,
    format: 'legacy-v0',
    detail: 'a raw Fernet token (upstream v0): it checks out under the given key; there is no metadata',
    plaintext: opened.plain,
    tokenTimeMs: opened.timestampMs,
  }
}

export interface WriteLegacyOptions {
  /** `metadata.filename` (upstream: the basename of the exported file, e.g. `AERO_SLM.pkl`). */
  readonly filename: string
  /** `metadata.timestamp` (Python float seconds) and the Fernet timestamp; default now. */
  readonly nowMs?: number
}

/**
 * The bytes upstream's `export_model` writes for `plain`: `json.dump(indent=2)` of version,
 * metadata {timestamp, filename, size_original}, payload and signature, in that order, no
 * trailing newline. For interoperability tests and migrations, not for publishing models.
 */
export function writeLegacyEnvelope (plain: Uint8Array, key: string, o: WriteLegacyOptions): Buffer {
  const nowMs = o.nowMs ?? Date.now()
  const token = fernetEncrypt(plain, key, { nowMs })
  const payload = Buffer.from(token, 'latin1').toString('base64')
  const metadata: PyNode = {
    kind: 'object',
    entries: [
      ['timestamp', { kind: 'number', raw: pythonFloatRepr(nowMs / 1000) }],
      ['filename', { kind: 'string', value: o.filename }],
      ['size_original', { kind: 'number', raw: String(plain.length) }],
    ],
  }
  const signature = hmacHex(key, `${payload}.${pythonDumps(metadata, { sortKeys: true })}`)
  const file: PyNode = {
    kind: 'object',
    entries: [
      ['version', { kind: 'string', value: LEGACY_ENVELOPE_VERSION }],
      ['metadata', metadata],
      ['payload', { kind: 'string', value: payload }],
      ['signature', { kind: 'string', value: signature }],
    ],
  }
  return Buffer.from(pythonDumps(file, { indent: 2, sortKeys: false }), 'utf8')
}

/**
 * `json.dumps(value, sort_keys=True)` of JSON text, keeping number literals as Python would
 * re-serialise them (`1769600000.0` stays a float). Throws for text that is not JSON.
 */
export function pythonCanonicalJson (jsonText: string): string {
  return pythonDumps(parsePython(jsonText), { sortKeys: true })
}
