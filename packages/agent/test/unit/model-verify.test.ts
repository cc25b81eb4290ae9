import { describe, expect, it } from 'vitest'
import type { AnswerHeaders } from '../../src/server-client.js'
import { KNOWN_PAYLOAD_FORMATS, ModelRefused, verifyBundle, verifyHeldBundle, type ModelProblem, type VerifyContext } from '../../src/model/verify.js'
import { bundle, DAY, sha256, signer, tamper } from './support/bundles.js'

const NOW = Date.UTC(2026, 10, 27, 12)
const operator = signer()
const stranger = signer()
const payloadKey = Buffer.alloc(32, 9)

const headers = (bytes: Buffer, hash: string | null = sha256(bytes), served: string | null = modelName(bytes)): AnswerHeaders => ({
  get: (name) => (name.toLowerCase() === 'x-model-hash' ? hash : name.toLowerCase() === 'x-model-name' ? served : null),
})

/** The name the registry serves a bundle under: its manifest's (AERO_SLM when it has none). */
function modelName (bytes: Buffer): string {
  try {
    const name = (JSON.parse(bytes.toString('utf8')) as { signed?: { manifest?: { name?: unknown } } }).signed?.manifest?.name
    return typeof name === 'string' ? name : 'AERO_SLM'
  } catch {
    return 'AERO_SLM'
  }
}

const context = (o: Partial<VerifyContext> = {}): VerifyContext => ({ nowMs: NOW, publicKey: operator.publicKey, payloadKey: null, versions: {}, ...o })

function refusal (fn: () => unknown): ModelRefused {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ModelRefused)
    return err as ModelRefused
  }
  throw new Error('expected the model to be refused')
}

/** The genuine bundle the agent holds in the rollback cases: version 5 of AERO_SLM. */
const v5 = bundle(operator, { version: 5, nowMs: NOW })

describe('bundle verifier', () => {
  it('accepts a genuine bundle: the manifest as signed, the payload, the key\'s fingerprint and the file\'s hash', () => {
    const plain = Buffer.from('{"format":"heatpool-anomaly/1","trees":[1,2,3]}')
    const bytes = bundle(operator, { version: 6, payload: plain, nowMs: NOW })
    const model = verifyBundle(bytes, headers(bytes), context({ versions: { AERO_SLM: 5 } }))
    expect(model.manifest).toMatchObject({ name: 'AERO_SLM', version: 6, payload_format: 'heatpool-anomaly/1', features: ['temp_outdoor', 'temp_flow', 'power_electric'] })
    expect(model.payload.equals(plain)).toBe(true)
    expect(model.fingerprint).toBe(operator.fingerprint)
    expect(model.sha256).toBe(sha256(bytes))
    // X-Model-Hash in upper case is the same hash.
    expect(verifyBundle(bytes, headers(bytes, sha256(bytes).toUpperCase()), context()).manifest.version).toBe(6)
  })

  const newer = bundle(operator, { version: 6, nowMs: NOW })
  it.each<[string, () => Buffer, ModelProblem, RegExp, Partial<VerifyContext>?]>([
    ['changed payload', () => tamper(newer, (d) => { d.payload = Buffer.from('a different model entirely').toString('base64') }), 'payload_mismatch', /payload sha256 [0-9a-f]{64} \(26 bytes\) does not match/],
    ['a flipped payload byte', () => tamper(newer, (d) => {
      const p = Buffer.from(d.payload, 'base64')
      p[3] = (p[3] as number) ^ 1
      d.payload = p.toString('base64')
    }), 'payload_mismatch', /does not match the manifest's/],
    ['changed manifest: version', () => tamper(newer, (d) => { d.signed.manifest.version = 99 }), 'bad_signature', /signature does not match/],
    ['changed manifest: expiry', () => tamper(newer, (d) => { d.signed.manifest.expires = new Date(NOW + 3650 * DAY).toISOString() }), 'bad_signature', /signature does not match/],
    ['changed manifest: features', () => tamper(newer, (d) => { d.signed.manifest.features = ['temp_outdoor'] }), 'bad_signature', /signature does not match/],
    ['changed manifest: payload hash to match a changed payload', () => tamper(newer, (d) => {
      const p = Buffer.from('evil model')
      d.payload = p.toString('base64')
      d.signed.manifest.sha256 = sha256(p)
      d.signed.manifest.size = p.length
    }), 'bad_signature', /signature does not match/],
    ['another key', () => bundle(stranger, { version: 6, nowMs: NOW }), 'wrong_key', new RegExp(`signed by key ${stranger.fingerprint}, pinned key is ${operator.fingerprint}`)],
    ['another key, its key id replaced by the pinned one', () => tamper(bundle(stranger, { version: 6, nowMs: NOW }), (d) => { d.signed.key_id = operator.fingerprint }), 'bad_signature', /signature does not match/],
    ['an older version', () => bundle(operator, { version: 4, nowMs: NOW }), 'rollback', /version 4 is older than the current 5/],
    ['the same version with other content', () => bundle(operator, { version: 5, nowMs: NOW, payload: Buffer.from('another v5') }), 'rollback', /version 5 of AERO_SLM is not newer than the installed 5/],
    ['an expired manifest', () => bundle(operator, { version: 6, nowMs: NOW, created: new Date(NOW - 40 * DAY).toISOString(), expires: new Date(NOW - DAY).toISOString() }), 'expired', /^expired at 2026-11-26/],
    ['a manifest created in the future', () => bundle(operator, { version: 6, nowMs: NOW, created: new Date(NOW + DAY).toISOString(), expires: new Date(NOW + 30 * DAY).toISOString() }), 'not_yet_valid', /created in the future/],
    ['an encrypted payload without a payload key', () => bundle(operator, { version: 6, nowMs: NOW, encryptWith: payloadKey }), 'no_payload_key', /payload is encrypted \(aes-256-gcm\) and AGENT_MODEL_PAYLOAD_KEY is not set/],
    ['an encrypted payload with the wrong key', () => bundle(operator, { version: 6, nowMs: NOW, encryptWith: payloadKey }), 'undecryptable', /wrong key or altered bytes/, { payloadKey: Buffer.alloc(32, 1) }],
    ['an unknown encryption', () => bundle(operator, { version: 6, nowMs: NOW, manifest: { encryption: 'rot13' } }), 'unknown_encryption', /"rot13" is not aes-256-gcm/],
    ['an unknown payload format', () => bundle(operator, { version: 6, nowMs: NOW, manifest: { payload_format: 'pickle/4' } }), 'unknown_payload_format', /"pickle\/4" is not one this agent reads \(heatpool-anomaly\/1\)/],
    ['no payload format', () => bundle(operator, { version: 6, nowMs: NOW, manifest: { payload_format: undefined } }), 'unknown_payload_format', /null is not one/],
    ['no pinned key', () => newer, 'no_pinned_key', /no pinned model signing key/, { publicKey: null }],
    ['an upstream Fernet file', () => Buffer.from('gAAAAABlZXhhbXBsZQ=='), 'not_a_bundle', /not JSON/],
    ['a JSON file of another format', () => Buffer.from('{"format":"heatpool-model-bundle/0"}'), 'not_a_bundle', /format is not heatpool-model-bundle\/1/],
    ['a bundle without a manifest', () => Buffer.from('{"format":"heatpool-model-bundle/1","payload":"","signed":null}'), 'malformed', /not a signed manifest/],
  ])('refuses %s', (_name, make, problem, detail, extra = {}) => {
    const bytes = make()
    const err = refusal(() => verifyBundle(bytes, headers(bytes), context({ versions: { AERO_SLM: 5 }, ...extra })))
    expect(err.problem).toBe(problem)
    expect(err.detail).toMatch(detail)
    expect(err.message).toBe(`cannot verify model: ${err.detail}`)
  })

  it('refuses a genuine bundle served as another model (X-Model-Name), and takes one served without the header', () => {
    const generic = bundle(operator, { version: 9, name: 'community_model', nowMs: NOW })
    const err = refusal(() => verifyBundle(generic, headers(generic, sha256(generic), 'AERO_SLM'), context()))
    expect(err).toMatchObject({ problem: 'name_mismatch', detail: 'the manifest names model "community_model", the server served it as "AERO_SLM"', version: 9 })
    expect(verifyBundle(generic, headers(generic, sha256(generic), null), context()).manifest.name).toBe('community_model')
  })

  it('reports the version a refused manifest claims', () => {
    expect(refusal(() => verifyBundle(newer, headers(newer), context({ publicKey: stranger.publicKey }))).version).toBe(6)
    const old = bundle(operator, { version: 4, nowMs: NOW })
    expect(refusal(() => verifyBundle(old, headers(old), context({ versions: { AERO_SLM: 5 } }))).version).toBe(4)
    const junk = Buffer.from('not a bundle')
    expect(refusal(() => verifyBundle(junk, headers(junk), context())).version).toBeUndefined()
  })

  it('opens an encrypted payload with the payload key', () => {
    const plain = Buffer.from('{"format":"heatpool-anomaly/1","secret":true}')
    const bytes = bundle(operator, { version: 1, nowMs: NOW, payload: plain, encryptWith: payloadKey })
    expect(bytes.includes(plain)).toBe(false)
    const model = verifyBundle(bytes, headers(bytes), context({ payloadKey }))
    expect(model.payload.equals(plain)).toBe(true)
    expect(model.manifest.encryption).toBe('aes-256-gcm')
  })

  it.each<[string, string | null, RegExp]>([
    ['no X-Model-Hash', null, /^the server sent no X-Model-Hash$/],
    ['another X-Model-Hash', sha256('something else'), /^sha256 [0-9a-f]{64} does not match X-Model-Hash/],
  ])('refuses a download with %s before reading it', (_name, hash, detail) => {
    const err = refusal(() => verifyBundle(newer, headers(newer, hash), context()))
    expect(err).toMatchObject({ problem: 'hash_mismatch' })
    expect(err.detail).toMatch(detail)
  })

  it('keeps versions per model name: another name starts its own count, a name once held never goes back', () => {
    const generic = bundle(operator, { version: 1, name: 'community_model', nowMs: NOW })
    expect(verifyBundle(generic, headers(generic), context({ versions: { AERO_SLM: 5 } })).manifest.name).toBe('community_model')
    const oldSlm = bundle(operator, { version: 3, nowMs: NOW })
    expect(refusal(() => verifyBundle(oldSlm, headers(oldSlm), context({ versions: { AERO_SLM: 5, community_model: 1 } }))).problem).toBe('rollback')
  })

  it('knows one payload format today', () => {
    expect(KNOWN_PAYLOAD_FORMATS).toEqual(['heatpool-anomaly/1'])
  })
})

describe('the bundle held', () => {
  it('verifies as installed even once expired (the caller reports it expired), but never with a changed byte or another key', () => {
    const created = new Date(NOW - 40 * DAY).toISOString()
    const expired = bundle(operator, { version: 5, nowMs: NOW, created, expires: new Date(NOW - DAY).toISOString() })
    expect(verifyHeldBundle(expired, { publicKey: operator.publicKey, payloadKey: null }).manifest.version).toBe(5)
    expect(refusal(() => verifyHeldBundle(expired, { publicKey: stranger.publicKey, payloadKey: null })).problem).toBe('wrong_key')
    expect(refusal(() => verifyHeldBundle(tamper(v5, (d) => { d.signed.manifest.version = 7 }), { publicKey: operator.publicKey, payloadKey: null })).problem).toBe('bad_signature')
    expect(refusal(() => verifyHeldBundle(v5, { publicKey: null, payloadKey: null })).problem).toBe('no_pinned_key')
    expect(refusal(() => verifyHeldBundle(Buffer.from('legacy model'), { publicKey: operator.publicKey, payloadKey: null })).problem).toBe('not_a_bundle')
  })
})
