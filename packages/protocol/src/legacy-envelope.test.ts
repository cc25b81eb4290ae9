import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  fernetDecrypt, fernetEncrypt, isFernetKey, legacyFormatOf, pythonCanonicalJson, pythonFloatRepr, readLegacyEnvelope, UPSTREAM_DEFAULT_KEY,
  writeLegacyEnvelope,
} from './legacy-envelope.js'

// upstream.md §3.4: made by upstream's export_model with the default key from `hello-model-bytes`.
const VECTOR = {
  payload: 'Z0FBQUFBQnJDWDJUTGUtNmd6dkttTVlpUmIwbDF0Y1JNMzJZRlVHUkRsUXEya0VyOFJEdzdLSjktbnU4MUdVakIzVjYxYmFza2JKNUYwSm1qTDJpcnl0SUFjMkI5dl91d1Z1elgzSmRwMExpTkpub3lHblBEdEU9',
  signature: '8a694ecf79dae5e4cf5aa8f356ddc6e1ade67b6bfeae35645b0d07a064b0b710',
  timestamp: '1795784083.6864576',
  filename: 'AERO_SLM.pkl',
  size: '17',
}

/** The file as Python's json.dump(envelope, f, indent=2) writes it (metadata in export order). */
function envelopeText (v: { payload: string, signature: string, timestamp: string, filename: string, size: string, version?: string }): string {
  return [
    '{',
    `  "version": "${v.version ?? '2.0'}",`,
    '  "metadata": {',
    `    "timestamp": ${v.timestamp},`,
    `    "filename": ${v.filename.startsWith('"') ? v.filename : `"${v.filename}"`},`,
    `    "size_original": ${v.size}`,
    '  },',
    `  "payload": "${v.payload}",`,
    `  "signature": "${v.signature}"`,
    '}',
  ].join('\n')
}

const file = (text: string): Buffer => Buffer.from(text, 'utf8')
const hmacHex = (key: string, message: string): string => createHmac('sha256', Buffer.from(key, 'utf8')).update(message, 'utf8').digest('hex')
/** An envelope payload for `plain` under `key`: base64 of the Fernet token text. */
const payloadOf = (plain: string, key = UPSTREAM_DEFAULT_KEY): string => Buffer.from(fernetEncrypt(Buffer.from(plain), key)).toString('base64')
const OTHER_KEY = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4='

describe('the upstream v2.0 envelope', () => {
  it('verifies the upstream test vector with the default key and decrypts it', () => {
    const v = readLegacyEnvelope(file(envelopeText(VECTOR)), UPSTREAM_DEFAULT_KEY)
    expect(v).toMatchObject({ ok: true, format: 'legacy-v2', metadata: { timestamp: 1795784083.6864576, filename: 'AERO_SLM.pkl', size_original: 17 } })
    expect(v.problem).toBeUndefined()
    expect(v.signedMetadata).toBe('{"filename": "AERO_SLM.pkl", "size_original": 17, "timestamp": 1795784083.6864576}')
    expect(v.plaintext?.toString('utf8')).toBe('hello-model-bytes')
    expect(v.tokenTimeMs).toBe(1795784083_000)
  })

  it('refuses a changed payload, changed metadata and a wrong key as bad signatures', () => {
    const problem = (changes: Partial<typeof VECTOR>, key = UPSTREAM_DEFAULT_KEY) => {
      const v = readLegacyEnvelope(file(envelopeText({ ...VECTOR, ...changes })), key)
      expect(v.ok).toBe(false)
      expect(v.plaintext).toBeUndefined()
      return v.problem
    }
    const flipped = VECTOR.payload.slice(0, 40) + (VECTOR.payload[40] === 'A' ? 'B' : 'A') + VECTOR.payload.slice(41)
    expect(problem({ payload: flipped })).toBe('bad_signature')
    expect(problem({ filename: 'TERRA_SW.pkl' })).toBe('bad_signature')
    expect(problem({ timestamp: '1795784084.6864576' })).toBe('bad_signature')
    expect(problem({ size: '18' })).toBe('bad_signature')
    expect(problem({ signature: VECTOR.signature.toUpperCase() })).toBe('bad_signature') // compare_digest is exact
    expect(problem({}, OTHER_KEY)).toBe('bad_signature')
    expect(problem({}, 'not a key')).toBe('bad_key')
    // A wrong-key verdict still shows what the file claims.
    expect(readLegacyEnvelope(file(envelopeText(VECTOR)), OTHER_KEY).metadata).toMatchObject({ filename: 'AERO_SLM.pkl' })
  })

  it('accepts what Python\'s load and dump normalise away (a float\'s spelling, the layout)', () => {
    expect(readLegacyEnvelope(file(envelopeText({ ...VECTOR, timestamp: '1795784083.68645760' })), UPSTREAM_DEFAULT_KEY).ok).toBe(true)
    expect(readLegacyEnvelope(file(envelopeText({ ...VECTOR, timestamp: '17957840836864576e-7' })), UPSTREAM_DEFAULT_KEY).ok).toBe(true)
    const oneLine = JSON.stringify({ signature: VECTOR.signature, payload: VECTOR.payload, metadata: { size_original: 17, filename: 'AERO_SLM.pkl', timestamp: 1795784083.6864576 }, version: '2.0' })
    expect(readLegacyEnvelope(file(`\n${oneLine}\n`), UPSTREAM_DEFAULT_KEY).ok).toBe(true)
  })

  it('keeps an integral float timestamp as written (1769600000.0, not 1769600000)', () => {
    const payload = payloadOf('model')
    const signed = (timestamp: string) => hmacHex(UPSTREAM_DEFAULT_KEY, `${payload}.{"filename": "m.pkl", "size_original": 5, "timestamp": ${timestamp}}`)
    const read = (timestamp: string, signedOver: string) =>
      readLegacyEnvelope(file(envelopeText({ payload, signature: signed(signedOver), timestamp, filename: 'm.pkl', size: '5' })), UPSTREAM_DEFAULT_KEY)
    const v = read('1769600000.0', '1769600000.0')
    expect(v).toMatchObject({ ok: true, format: 'legacy-v2' })
    expect(v.signedMetadata).toContain('"timestamp": 1769600000.0}')
    expect(read('1769600000', '1769600000.0').problem).toBe('bad_signature') // an int is not the float Python signed
    expect(read('1769600000', '1769600000').ok).toBe(true)
    // Python writes big floats in exponent form, where JavaScript would not.
    expect(read('1e+16', '1e+16').ok).toBe(true)
    expect(read('10000000000000000.0', '1e+16').ok).toBe(true)
    expect(read('10000000000000000.0', '10000000000000000.0').problem).toBe('bad_signature')
    // Integers keep all their digits, beyond what a double holds.
    expect(read('123456789012345678901', '123456789012345678901').ok).toBe(true)
  })

  it('escapes a non-ASCII filename as Python does (ensure_ascii, surrogate pairs)', () => {
    const filename = 'Wärmepumpe-😀\u007f.pkl'
    const bytes = writeLegacyEnvelope(Buffer.from('x'), UPSTREAM_DEFAULT_KEY, { filename, nowMs: 1769600000_000 })
    const text = bytes.toString('utf8')
    expect(text).toContain('"filename": "W\\u00e4rmepumpe-\\ud83d\\ude00\\u007f.pkl"')
    expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true)
    const doc = JSON.parse(text) as { payload: string, signature: string }
    expect(doc.signature).toBe(hmacHex(UPSTREAM_DEFAULT_KEY,
      `${doc.payload}.{"filename": "W\\u00e4rmepumpe-\\ud83d\\ude00\\u007f.pkl", "size_original": 1, "timestamp": 1769600000.0}`))
    const v = readLegacyEnvelope(bytes, UPSTREAM_DEFAULT_KEY)
    expect(v).toMatchObject({ ok: true, metadata: { filename } })
    // The same name written unescaped (as json.dump(ensure_ascii=False) would) signs the same text.
    expect(readLegacyEnvelope(file(text.replace('W\\u00e4rmepumpe-\\ud83d\\ude00', 'Wärmepumpe-😀')), UPSTREAM_DEFAULT_KEY).ok).toBe(true)
  })

  it('writes the file exactly as upstream\'s json.dump(indent=2) does, and reads it back', () => {
    const bytes = writeLegacyEnvelope(Buffer.from('hello-model-bytes'), UPSTREAM_DEFAULT_KEY, { filename: 'AERO_SLM.pkl', nowMs: 1769600000_000 })
    const doc = JSON.parse(bytes.toString('utf8')) as { payload: string, signature: string }
    expect(bytes.toString('utf8')).toBe(envelopeText({ payload: doc.payload, signature: doc.signature, timestamp: '1769600000.0', filename: 'AERO_SLM.pkl', size: '17' }))
    // Double base64: the payload is standard base64 of the url-safe Fernet token text.
    const token = Buffer.from(doc.payload, 'base64').toString('latin1')
    expect(token.startsWith('gAAAAABpe')).toBe(true) // 0x80, then the timestamp 1769600000 = 0x6979f500
    expect(fernetDecrypt(token, UPSTREAM_DEFAULT_KEY).toString()).toBe('hello-model-bytes')
    expect(readLegacyEnvelope(bytes, UPSTREAM_DEFAULT_KEY)).toMatchObject({ ok: true, format: 'legacy-v2', tokenTimeMs: 1769600000_000 })
    expect(readLegacyEnvelope(writeLegacyEnvelope(Buffer.alloc(0), OTHER_KEY, { filename: '' }), OTHER_KEY).plaintext).toEqual(Buffer.alloc(0))
  })

  it('round-trips any bytes, filename and time', () => {
    fc.assert(fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.integer({ min: 0, max: 4_102_444_800_000 }),
      (plain, filename, nowMs) => {
        const bytes = writeLegacyEnvelope(plain, UPSTREAM_DEFAULT_KEY, { filename, nowMs })
        const v = readLegacyEnvelope(bytes, UPSTREAM_DEFAULT_KEY)
        expect(v).toMatchObject({ ok: true, format: 'legacy-v2', metadata: { filename, size_original: plain.length, timestamp: nowMs / 1000 } })
        expect(v.plaintext).toEqual(Buffer.from(plain))
        expect(v.signedMetadata?.endsWith(`"timestamp": ${pythonFloatRepr(nowMs / 1000)}}`)).toBe(true)
        expect(readLegacyEnvelope(bytes, OTHER_KEY).problem).toBe('bad_signature')
      },
    ), { numRuns: 150 })
  })

  it('accepts the older payload-only signature, and says the metadata is not protected', () => {
    const payload = payloadOf('old model')
    const text = envelopeText({ payload, signature: hmacHex(UPSTREAM_DEFAULT_KEY, payload), timestamp: '1769600000.5', filename: 'old.pkl', size: '9' })
    const v = readLegacyEnvelope(file(text), UPSTREAM_DEFAULT_KEY)
    expect(v).toMatchObject({ ok: true, format: 'legacy-v2-payload-only' })
    expect(v.detail).toMatch(/metadata is not protected/)
    expect(v.plaintext?.toString()).toBe('old model')
    // Which is the weakness: the metadata can be changed at will.
    expect(readLegacyEnvelope(file(text.replace('old.pkl', 'new.pkl')), UPSTREAM_DEFAULT_KEY)).toMatchObject({ ok: true, format: 'legacy-v2-payload-only' })
    expect(readLegacyEnvelope(file(text), OTHER_KEY).problem).toBe('bad_signature')
  })

  it('reports a signed payload that is not a Fernet token under the key as bad_token', () => {
    const payload = payloadOf('model', OTHER_KEY) // encrypted under another key, signed under this one
    const signature = hmacHex(UPSTREAM_DEFAULT_KEY, `${payload}.{"filename": "m.pkl", "size_original": 5, "timestamp": 1.5}`)
    const v = readLegacyEnvelope(file(envelopeText({ payload, signature, timestamp: '1.5', filename: 'm.pkl', size: '5' })), UPSTREAM_DEFAULT_KEY)
    expect(v).toMatchObject({ ok: false, format: 'legacy-v2', problem: 'bad_token' })
  })

  it('reports malformed files and never throws', () => {
    const problem = (text: string) => readLegacyEnvelope(file(text), UPSTREAM_DEFAULT_KEY).problem
    expect(problem('{ "payload": ')).toBe('malformed')
    expect(problem('{"payload": "x"}')).toBe('malformed')
    expect(problem(envelopeText({ ...VECTOR, version: '1.0' }))).toBe('malformed')
    expect(problem(`{"version": "2.0", "metadata": [1], "payload": "${VECTOR.payload}", "signature": "${VECTOR.signature}"}`)).toBe('malformed')
    expect(problem(`{"version": "2.0", "payload": 1, "signature": "${VECTOR.signature}"}`)).toBe('malformed')
    expect(problem(`${envelopeText(VECTOR)} trailing`)).toBe('malformed')
    expect(problem(`{"a": ${'['.repeat(100_000)}`)).toBe('malformed')
    expect(problem('not base64 at all!')).toBe('malformed')
    expect(problem('')).toBe('malformed')
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 100 }), (bytes, text) => {
      expect(readLegacyEnvelope(bytes, UPSTREAM_DEFAULT_KEY).ok).toBe(false)
      expect(readLegacyEnvelope(file(`{${text}`), UPSTREAM_DEFAULT_KEY).ok).toBe(false)
    }))
  })

  it('signs missing or null metadata as {}, as upstream does', () => {
    const payload = payloadOf('m')
    const signature = hmacHex(UPSTREAM_DEFAULT_KEY, `${payload}.{}`)
    expect(readLegacyEnvelope(file(JSON.stringify({ version: '2.0', payload, signature })), UPSTREAM_DEFAULT_KEY)).toMatchObject({ ok: true, format: 'legacy-v2', signedMetadata: '{}' })
    expect(readLegacyEnvelope(file(JSON.stringify({ version: '2.0', metadata: null, payload, signature })), UPSTREAM_DEFAULT_KEY).ok).toBe(true)
  })
})

describe('the upstream v0 raw Fernet token', () => {
  it('decrypts with the key, and refuses another key or changed bytes', () => {
    const token = fernetEncrypt(Buffer.from('pickled model'), UPSTREAM_DEFAULT_KEY, { nowMs: 1769600000_000 })
    const v = readLegacyEnvelope(file(`${token}\n`), UPSTREAM_DEFAULT_KEY)
    expect(v).toMatchObject({ ok: true, format: 'legacy-v0', tokenTimeMs: 1769600000_000 })
    expect(v.plaintext?.toString()).toBe('pickled model')
    expect(v.metadata).toBeUndefined()
    expect(readLegacyEnvelope(file(token), OTHER_KEY)).toMatchObject({ ok: false, format: 'legacy-v0', problem: 'bad_token' })
    const changed = token.slice(0, 30) + (token[30] === 'A' ? 'B' : 'A') + token.slice(31)
    expect(readLegacyEnvelope(file(changed), UPSTREAM_DEFAULT_KEY)).toMatchObject({ ok: false, problem: 'bad_token' })
    expect(readLegacyEnvelope(file(token), 'short')).toMatchObject({ ok: false, format: 'legacy-v0', problem: 'bad_key' })
    expect(readLegacyEnvelope(file('AAAA'), UPSTREAM_DEFAULT_KEY)).toMatchObject({ ok: false, format: 'legacy-v0', problem: 'malformed' })
  })

  it('is told apart from a v2 envelope and from anything else without a key', () => {
    expect(legacyFormatOf(file(envelopeText(VECTOR)))).toBe('legacy-v2')
    expect(legacyFormatOf(file(fernetEncrypt(Buffer.from('m'), OTHER_KEY)))).toBe('legacy-v0')
    expect(legacyFormatOf(file('{"format": "heatpool-model-bundle/1", "payload": ""}'))).toBeUndefined()
    expect(legacyFormatOf(file('hello'))).toBeUndefined()
    expect(legacyFormatOf(file('AAAA'))).toBeUndefined()
    expect(legacyFormatOf(file('{'))).toBeUndefined()
  })
})

describe('Fernet', () => {
  // The known answer from the Fernet specification (github.com/fernet/spec, generate.json).
  const SPEC = {
    secret: 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=',
    nowMs: Date.parse('1985-10-26T01:20:00-07:00'),
    iv: Uint8Array.from({ length: 16 }, (_, i) => i),
    token: 'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==',
  }

  it('matches the specification\'s known answer and decrypts it', () => {
    expect(fernetEncrypt(Buffer.from('hello'), SPEC.secret, { nowMs: SPEC.nowMs, iv: SPEC.iv })).toBe(SPEC.token)
    expect(fernetDecrypt(SPEC.token, SPEC.secret).toString()).toBe('hello')
    expect(fernetDecrypt(Buffer.from(SPEC.token), SPEC.secret).toString()).toBe('hello')
  })

  it('refuses a changed MAC, changed ciphertext, another key and non-tokens', () => {
    const raw = Buffer.from(SPEC.token, 'base64')
    const tampered = (index: number) => {
      const copy = Buffer.from(raw)
      copy[index] = (copy[index] as number) ^ 1
      return copy.toString('base64').replace(/\+/g, '-').replace(/\//g, '_')
    }
    expect(() => fernetDecrypt(tampered(raw.length - 1), SPEC.secret)).toThrow(/MAC does not match/)
    expect(() => fernetDecrypt(tampered(30), SPEC.secret)).toThrow(/MAC does not match/)
    expect(() => fernetDecrypt(SPEC.token, UPSTREAM_DEFAULT_KEY)).toThrow(/cannot decrypt Fernet token/)
    expect(() => fernetDecrypt('gAAAAA', SPEC.secret)).toThrow(/not url-safe base64/)
    expect(() => fernetDecrypt(SPEC.token.replace(/=+$/, ''), SPEC.secret)).toThrow(/not url-safe base64/) // Python wants the padding too
    expect(() => fernetDecrypt('gAAAAAAA', SPEC.secret)).toThrow(/not a Fernet token/)
    expect(() => fernetDecrypt(SPEC.token, 'not-a-key')).toThrow(/Fernet key/)
    expect(() => fernetEncrypt(Buffer.from('x'), SPEC.secret, { iv: new Uint8Array(8) })).toThrow(/IV/)
  })

  it('round-trips any bytes under any key', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (plain, keyBytes) => {
      const key = Buffer.from(keyBytes).toString('base64url') + '='
      expect(isFernetKey(key)).toBe(true)
      expect(fernetDecrypt(fernetEncrypt(plain, key), key)).toEqual(Buffer.from(plain))
    }))
  })
})

describe('Python\'s json.dumps', () => {
  it('writes floats as repr does', () => {
    const cases: Array<[number, string]> = [
      [1e16, '1e+16'], [1e15, '1000000000000000.0'], [1769600000, '1769600000.0'], [0.0001, '0.0001'], [0.00001, '1e-05'],
      [1.5e-7, '1.5e-07'], [1.2345678901234568e17, '1.2345678901234568e+17'], [-0, '-0.0'], [0, '0.0'], [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'], [0.1, '0.1'], [100, '100.0'], [-2.5, '-2.5'], [1795784083.6864576, '1795784083.6864576'],
      [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'],
    ]
    for (const [x, repr] of cases) expect(pythonFloatRepr(x)).toBe(repr)
  })

  it('sorts keys by code point, escapes to ASCII and keeps integers and float spellings', () => {
    // Output of CPython 3: json.dumps({...}, sort_keys=True) on the same document.
    expect(pythonCanonicalJson('{"b": "é😀\\u007f\\u2028/", "a": [1, {"z": null, "y": true}], "\\ue000": 1, "😀": 2}'))
      .toBe('{"a": [1, {"y": true, "z": null}], "b": "\\u00e9\\ud83d\\ude00\\u007f\\u2028/", "\\ue000": 1, "\\ud83d\\ude00": 2}')
    expect(pythonCanonicalJson('{"t": 1.0, "i": -0, "big": 12345678901234567890, "e": 1E2, "n": NaN, "d": {}, "l": []}'))
      .toBe('{"big": 12345678901234567890, "d": {}, "e": 100.0, "i": 0, "l": [], "n": NaN, "t": 1.0}')
    expect(pythonCanonicalJson('{"k": 1, "k": 2}')).toBe('{"k": 2}')
    expect(() => pythonCanonicalJson('{"k": 01}')).toThrow()
  })
})
