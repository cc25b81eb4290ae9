import { createHash, generateKeyPairSync } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  canonicalJson, decryptPayload, encryptPayload, keyFingerprint, MANIFEST_FORMAT, packModelBundle, payloadKeyFrom, publicKeyFromBase64, publicKeyToBase64,
  signManifest, unpackModelBundle, verifyManifest, type ModelManifest,
} from './model-manifest.js'

const NOW = Date.UTC(2026, 10, 27, 12)
const payload = Buffer.from('half-space trees, serialised')
const manifest: ModelManifest = {
  format: MANIFEST_FORMAT,
  name: 'aero_slm',
  heatpump_model: 'aero_slm',
  version: 3,
  sha256: createHash('sha256').update(payload).digest('hex'),
  size: payload.length,
  created: new Date(NOW - 3_600_000).toISOString(),
  expires: new Date(NOW + 30 * 86_400_000).toISOString(),
  features: ['cop', 'temp_flow'],
  training: { samples: 123456, installations: 12 },
}
const keys = generateKeyPairSync('ed25519')
const other = generateKeyPairSync('ed25519')

describe('signed model manifests', () => {
  it('verify with the pinned key, the payload, the version held and the time', () => {
    const signed = signManifest(manifest, keys.privateKey)
    expect(signed.key_id).toBe(keyFingerprint(keys.publicKey))
    expect(verifyManifest(signed, keys.publicKey, { nowMs: NOW, currentVersion: 3, payload })).toMatchObject({ ok: true })
    // Through JSON, as it travels.
    expect(verifyManifest(JSON.parse(JSON.stringify(signed)), keys.publicKey, { nowMs: NOW, payload }).ok).toBe(true)
  })

  it('refuse every kind of tampering, each with its reason', () => {
    const signed = signManifest(manifest, keys.privateKey)
    const problem = (s: unknown, o: Partial<Parameters<typeof verifyManifest>[2]> = {}) =>
      verifyManifest(s, keys.publicKey, { nowMs: NOW, payload, ...o }).problem
    expect(problem({ ...signed, manifest: { ...manifest, version: 4 } })).toBe('bad_signature')
    expect(problem({ ...signed, manifest: { ...manifest, expires: new Date(NOW + 400 * 86_400_000).toISOString() } })).toBe('bad_signature')
    expect(problem(signed, { payload: Buffer.concat([payload, Buffer.from('!')]) })).toBe('payload_mismatch')
    expect(verifyManifest(signed, other.publicKey, { nowMs: NOW }).problem).toBe('wrong_key')
    expect(verifyManifest({ ...signed, key_id: undefined }, other.publicKey, { nowMs: NOW }).problem).toBe('bad_signature')
    expect(problem(signed, { currentVersion: 4 })).toBe('rollback')
    expect(problem(signed, { nowMs: NOW + 31 * 86_400_000 })).toBe('expired')
    expect(problem(signed, { nowMs: NOW - 2 * 3_600_000 })).toBe('not_yet_valid')
    expect(problem({ ...signed, signature: 'AAAA' })).toBe('bad_signature')
    expect(problem(null)).toBe('malformed')
    expect(problem({ manifest: { ...manifest, format: 'pickle' }, signature: signed.signature })).toBe('malformed')
    // Signed by another key that claims to be the pinned one.
    expect(problem({ ...signManifest(manifest, other.privateKey), key_id: signed.key_id })).toBe('bad_signature')
  })

  it('sign the same bytes whatever the key order', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null))), (training) => {
      const reordered = Object.fromEntries(Object.entries(training).reverse())
      const reversed = Object.fromEntries(Object.entries({ ...manifest, training: reordered }).reverse())
      expect(canonicalJson({ ...manifest, training })).toBe(canonicalJson(reversed))
    }))
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: 'x' })).toBe('{"a":"x","b":[1,{"c":2,"d":1}]}')
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/canonical JSON/)
  })

  it('publish and pin the public key as 32 raw bytes', () => {
    const text = publicKeyToBase64(keys.publicKey)
    expect(Buffer.from(text, 'base64')).toHaveLength(32)
    const pinned = publicKeyFromBase64(text)
    expect(keyFingerprint(pinned)).toBe(keyFingerprint(keys.publicKey))
    expect(keyFingerprint(pinned)).toMatch(/^([0-9a-f]{4}:){15}[0-9a-f]{4}$/)
    expect(verifyManifest(signManifest(manifest, keys.privateKey), pinned, { nowMs: NOW }).ok).toBe(true)
    expect(() => publicKeyFromBase64('AAAA')).toThrow(/expected 32/)
  })

  it('carry manifest and payload in one bundle that round-trips', () => {
    const signed = signManifest(manifest, keys.privateKey)
    const back = unpackModelBundle(packModelBundle({ signed, payload }))
    expect(back.payload.equals(payload)).toBe(true)
    expect(verifyManifest(back.signed, keys.publicKey, { nowMs: NOW, payload: back.payload }).ok).toBe(true)
    expect(() => unpackModelBundle(Buffer.from('gAAAAAB'))).toThrow(/not JSON/)
    expect(() => unpackModelBundle(Buffer.from('{"format":"x"}'))).toThrow(/format is not/)
    expect(() => unpackModelBundle(Buffer.from(JSON.stringify({ format: 'heatpool-model-bundle/1', payload: '%%' })))).toThrow(/base64/)
  })

  it('encrypt payloads with AES-256-GCM: the right key opens them, a wrong key or a changed byte does not', () => {
    const key = payloadKeyFrom(Buffer.alloc(32, 7).toString('base64'))
    expect(payloadKeyFrom('07'.repeat(32)).equals(key)).toBe(true)
    const sealed = encryptPayload(payload, key)
    expect(sealed.includes(payload)).toBe(false)
    expect(decryptPayload(sealed, key).equals(payload)).toBe(true)
    expect(() => decryptPayload(sealed, Buffer.alloc(32, 8))).toThrow(/wrong key or altered/)
    const flipped = Buffer.from(sealed)
    flipped[20] = (flipped[20] as number) ^ 1
    expect(() => decryptPayload(flipped, key)).toThrow(/wrong key or altered/)
    expect(() => payloadKeyFrom('c2hvcnQ=')).toThrow(/needs 32/)
  })
})
