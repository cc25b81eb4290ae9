import { createHash, type KeyObject } from 'node:crypto'
import { COMMUNITY_MODEL_FORMAT } from '@heatpool/ml'
import {
  MANIFEST_FORMAT, PAYLOAD_ENCRYPTION, encryptPayload, packModelBundle, signManifest, type ModelManifest,
} from '@heatpool/protocol/model-manifest'

export interface PackageInput {
  /** Registry name of the file (its stem). */
  readonly name: string
  readonly heatpumpModel: string | null
  readonly version: number
  readonly createdMs: number
  readonly expiresMs: number
  /** The model's JSON (`heatpool-anomaly/1`). */
  readonly modelJson: string
  readonly features: readonly string[]
  readonly training: Readonly<Record<string, unknown>>
  readonly privateKey: KeyObject
  /** AES-256 key: the payload is encrypted with it (MODEL_ENCRYPTION_KEY). */
  readonly encryptionKey?: Buffer
}

/**
 * The file published for a trained model: a bundle of the signed manifest and the payload (the
 * model's JSON, encrypted when a key is configured). The manifest names the payload as carried by
 * its sha256 and size, so agents check integrity before they decrypt anything.
 */
export function packageModel (input: PackageInput): Buffer {
  const plain = Buffer.from(input.modelJson)
  const payload = input.encryptionKey === undefined ? plain : encryptPayload(plain, input.encryptionKey)
  const manifest: ModelManifest = {
    format: MANIFEST_FORMAT,
    name: input.name,
    heatpump_model: input.heatpumpModel,
    version: input.version,
    sha256: createHash('sha256').update(payload).digest('hex'),
    size: payload.length,
    created: new Date(input.createdMs).toISOString(),
    expires: new Date(input.expiresMs).toISOString(),
    features: [...input.features],
    training: input.training,
    payload_format: COMMUNITY_MODEL_FORMAT,
    ...(input.encryptionKey === undefined ? {} : { encryption: PAYLOAD_ENCRYPTION }),
  }
  return packModelBundle({ signed: signManifest(manifest, input.privateKey), payload })
}
