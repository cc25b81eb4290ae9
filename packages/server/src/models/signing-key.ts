import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { keyFingerprint } from '@heatpool/protocol/model-manifest'
import type { Config } from '../config.js'

export interface SigningKey {
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  /** `keyFingerprint` of the public key: what admins compare with what agents pinned. */
  readonly fingerprint: string
  /** Where it came from: `config` (MODEL_SIGNING_KEY), `file`, or `created` (first start). */
  readonly source: 'config' | 'file' | 'created'
  /** The key file, unless it came from the configuration. */
  readonly path?: string
}

/** `MODEL_SIGNING_KEY_FILE`, absolute; empty means `<DATA_DIR>/keys/model-signing.pem`. */
export function signingKeyPath (config: Pick<Config, 'MODEL_SIGNING_KEY_FILE' | 'DATA_DIR'>): string {
  return resolve(config.MODEL_SIGNING_KEY_FILE === '' ? join(config.DATA_DIR, 'keys', 'model-signing.pem') : config.MODEL_SIGNING_KEY_FILE)
}

function fromPem (pem: string, what: string): KeyObject {
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch (err) {
    throw new Error(`cannot read the model signing key from ${what}: ${(err as Error).message}`, { cause: err })
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`cannot use the model signing key from ${what}: it is ${key.asymmetricKeyType ?? 'not asymmetric'}, Ed25519 is required`)
  return key
}

function of (privateKey: KeyObject, source: SigningKey['source'], path?: string): SigningKey {
  const publicKey = createPublicKey(privateKey)
  return { privateKey, publicKey, fingerprint: keyFingerprint(publicKey), source, ...(path === undefined ? {} : { path }) }
}

/**
 * The operator's Ed25519 model signing key: from `MODEL_SIGNING_KEY` (PEM), else the key file,
 * created on first start (PKCS#8 PEM, mode 0600 in a 0700 directory, written to a temporary file
 * and renamed, so a crash never leaves half a key). A key file that others can read is refused:
 * whoever reads it can publish models every agent trusts.
 */
export function loadOrCreateSigningKey (config: Pick<Config, 'MODEL_SIGNING_KEY' | 'MODEL_SIGNING_KEY_FILE' | 'DATA_DIR'>): SigningKey {
  if (config.MODEL_SIGNING_KEY.trim() !== '') return of(fromPem(config.MODEL_SIGNING_KEY, 'MODEL_SIGNING_KEY'), 'config')
  const path = signingKeyPath(config)
  if (existsSync(path)) {
    const mode = statSync(path).mode & 0o777
    if ((mode & 0o077) !== 0) throw new Error(`cannot use the model signing key ${path}: its mode is ${mode.toString(8)}, others may read it (chmod 600 it)`)
    return of(fromPem(readFileSync(path, 'utf8'), path), 'file', path)
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const { privateKey } = generateKeyPairSync('ed25519')
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' })
  chmodSync(temporary, 0o600) // whatever the umask
  renameSync(temporary, path)
  return of(privateKey, 'created', path)
}
