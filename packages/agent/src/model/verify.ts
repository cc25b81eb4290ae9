import { createHash } from 'node:crypto'
import type { AnswerHeaders } from '../server-client.js'

/**
 * The seam where a downloaded model is accepted or refused before it replaces the current one.
 * Today: the bytes must hash to the server's `X-Model-Hash`. The signing issue replaces this with
 * an Ed25519-signed manifest check (pinned key, version, expiry) behind the same contract.
 */
export interface ModelVerifier {
  /** Throws with a `cannot verify model: …` message when the model must not be used. */
  verify (bytes: Buffer, headers: AnswerHeaders): void
}

export const hashVerifier: ModelVerifier = {
  verify (bytes, headers) {
    const expected = headers.get('x-model-hash')
    if (expected === null) throw new Error('cannot verify model: the server sent no X-Model-Hash')
    const actual = createHash('sha256').update(bytes).digest('hex')
    if (actual !== expected.toLowerCase()) throw new Error(`cannot verify model: sha256 ${actual} does not match X-Model-Hash ${expected}`)
  },
}
