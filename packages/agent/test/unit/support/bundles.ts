import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import {
  encryptPayload, keyFingerprint, MANIFEST_FORMAT, packModelBundle, PAYLOAD_ENCRYPTION, publicKeyToBase64, signManifest, type ModelManifest,
} from '@heatpool/protocol/model-manifest'

/** An operator's Ed25519 key pair, as agents pin it. */
export interface Signer {
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  /** Raw public key, base64: what AGENT_MODEL_PUBLIC_KEY takes. */
  readonly base64: string
  readonly fingerprint: string
}

/** A new key pair, or the one of `privateKey` (e.g. the in-process server's signing key). */
export function signer (privateKey: KeyObject = generateKeyPairSync('ed25519').privateKey): Signer {
  return { privateKey, publicKey: createPublicKey(privateKey), base64: publicKeyToBase64(privateKey), fingerprint: keyFingerprint(privateKey) }
}

export const DAY = 86_400_000

export interface BundleOptions {
  readonly version?: number
  readonly name?: string
  /** The plain payload (default: a small anomaly-model document). */
  readonly payload?: Buffer
  /** AES-256 key: the payload is carried encrypted. */
  readonly encryptWith?: Buffer
  /** The agent's "now" the validity window is laid around (default Date.now()). */
  readonly nowMs?: number
  readonly created?: string
  readonly expires?: string
  /** Fields set as given, after the defaults (e.g. a payload_format). */
  readonly manifest?: Partial<Record<keyof ModelManifest, unknown>>
}

/** A genuine bundle: the manifest signed by `s`, valid from an hour before `nowMs` to 30 days after. */
export function bundle (s: Signer, o: BundleOptions = {}): Buffer {
  const now = o.nowMs ?? Date.now()
  const plain = o.payload ?? Buffer.from(JSON.stringify({ format: 'heatpool-anomaly/1', version: o.version ?? 1, trees: [] }))
  const carried = o.encryptWith === undefined ? plain : encryptPayload(plain, o.encryptWith)
  const fields: Record<string, unknown> = {
    format: MANIFEST_FORMAT,
    name: o.name ?? 'AERO_SLM',
    heatpump_model: 'aero slm',
    version: o.version ?? 1,
    sha256: createHash('sha256').update(carried).digest('hex'),
    size: carried.length,
    created: o.created ?? new Date(now - 3_600_000).toISOString(),
    expires: o.expires ?? new Date(now + 30 * DAY).toISOString(),
    features: ['temp_outdoor', 'temp_flow', 'power_electric'],
    training: { samples: 1000, installations: 7 },
    payload_format: 'heatpool-anomaly/1',
    ...(o.encryptWith === undefined ? {} : { encryption: PAYLOAD_ENCRYPTION }),
    ...o.manifest,
  }
  // A field set to undefined is left out (JSON cannot carry it).
  const manifest = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as unknown as ModelManifest
  return packModelBundle({ signed: signManifest(manifest, s.privateKey), payload: carried })
}

/** The bundle's JSON document, changed by `change` and packed again (signature untouched). */
export function tamper (bytes: Buffer, change: (doc: { signed: { manifest: Record<string, unknown>, signature: string, key_id: string }, payload: string }) => void): Buffer {
  const doc = JSON.parse(bytes.toString('utf8')) as Parameters<typeof change>[0]
  change(doc)
  return Buffer.from(JSON.stringify(doc))
}

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')
