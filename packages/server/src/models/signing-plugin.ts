import { publicKeyToBase64 } from '@heatpool/protocol/model-manifest'
import { SigningKeyResponseSchema } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import fp from 'fastify-plugin'
import { loadOrCreateSigningKey, type SigningKey } from './signing-key.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The operator's model signing key (models/signing-key.ts); the private half never leaves the process. */
    signingKey: SigningKey
  }
}

/**
 * Loads (or on first start creates) the model signing key before the app is ready — a key that
 * cannot be read stops the boot — logs its fingerprint, and serves the public half at
 * `GET /api/v2/models/signing-key` for agents to pin.
 */
const signingKeyPlugin: FastifyPluginAsyncTypebox = async (app) => {
  const key = loadOrCreateSigningKey(app.config)
  app.decorate('signingKey', key)
  app.log.info({ fingerprint: key.fingerprint, source: key.source }, key.source === 'created'
    ? `created the model signing key ${key.path ?? ''}: keep a backup, agents will pin it`
    : 'model signing key loaded')
  const answer = { algorithm: 'Ed25519' as const, public_key: publicKeyToBase64(key.publicKey), fingerprint: key.fingerprint }
  app.get('/api/v2/models/signing-key', {
    onRequest: [app.ipRateLimit],
    schema: { tags: ['models'], summary: 'The public key that signs community models, and its fingerprint', response: { 200: SigningKeyResponseSchema } },
  }, async () => answer)
}

export default fp(signingKeyPlugin, { name: 'signing-key', dependencies: ['core', 'rate-limit'] })
