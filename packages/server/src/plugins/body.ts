import { createHash } from 'node:crypto'
import compress from '@fastify/compress'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import secureJson from 'secure-json-parse'
import { httpError } from '../errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** sha256 (hex) of the JSON body as received, after decompression. */
    bodyHash?: string
  }
}

/**
 * Request bodies: `Content-Encoding: gzip`/`deflate` are decompressed (the body limit applies
 * to the decompressed size, so a zip bomb stops at the limit), and JSON is parsed from the raw
 * bytes so the idempotency layer can hash exactly what the client sent. Prototype-poisoning keys
 * are refused, as Fastify's own parser does.
 */
export default fp(async function bodyPlugin (app: FastifyInstance) {
  // Request decompression only: API answers are small, and a compression hook on every response
  // cost 2–3 % of ingest CPU (docs/BENCHMARKS.md).
  await app.register(compress, {
    globalCompression: false,
    requestEncodings: ['gzip', 'deflate'],
  })
  app.decorateRequest('bodyHash', undefined)
  // JSON only: anything else is 415, not a string that fails validation.
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const buffer = body as Buffer
    request.bodyHash = createHash('sha256').update(buffer).digest('hex')
    if (buffer.length === 0) {
      done(httpError('HP_ERR_INVALID_JSON', 'cannot parse body: it is empty'), undefined)
      return
    }
    try {
      done(null, secureJson.parse(buffer, undefined, { protoAction: 'error', constructorAction: 'error' }))
    } catch (err) {
      done(httpError('HP_ERR_INVALID_JSON', `cannot parse body: ${(err as Error).message}`), undefined)
    }
  })
}, { name: 'body' })
