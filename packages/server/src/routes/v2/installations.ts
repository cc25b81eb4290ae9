import { randomUUID } from 'node:crypto'
import {
  ErrorResponseSchema,
  InstallationMeSchema,
  MAX_MODEL_NAME_LENGTH,
  parseHeatPumpModel,
  parseInstallationId,
  RegisteredInstallationSchema,
  RegisterInstallationSchema,
  sanitiseLabel,
} from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { generateToken, hashToken, secretsEqual } from '../../auth/tokens.js'
import { httpError } from '../../errors.js'
import { installationOverview } from '../../installations/me.js'
import { findInstallation, registerInstallation, rotateInstallationToken } from '../../store/installations.js'
import { callingInstallation } from './installation-caller.js'
import installationPrivacyRoutes from './installation-privacy.js'

/**
 * `POST /api/v2/installations`: an installation registers once and receives its bearer token,
 * shown only in this answer (or chosen by the client and sent along, so that a retry after a lost
 * answer is recognised). An id known from legacy uploads (no token yet) can be claimed, so an
 * old logger's history carries over; an id that has a token is refused unless the request
 * presents that token, which rotates it. An id an admin revoked is refused whatever the request
 * presents: its thief knows the id, so revocation would be undone by the next registration.
 */
const installationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/api/v2/installations', {
    onRequest: [app.ipRateLimit],
    schema: {
      tags: ['installations'],
      summary: 'Register an installation and receive its token',
      body: RegisterInstallationSchema,
      response: {
        200: RegisteredInstallationSchema,
        201: RegisteredInstallationSchema,
        400: ErrorResponseSchema,
        403: ErrorResponseSchema,
        409: ErrorResponseSchema,
        422: ErrorResponseSchema,
        429: ErrorResponseSchema,
      },
    },
  }, async (request, reply) => {
    const revoked = (id: string) => httpError('HP_ERR_INSTALLATION_REVOKED',
      `cannot register installation ${id}: an admin revoked it; register a new installation id, or ask the server operator to reinstate this one`)
    const body = request.body
    const id = body.installation_id === undefined ? randomUUID() : parseInstallationId(body.installation_id)
    if (id === null) throw httpError('HP_ERR_INVALID_INSTALLATION_ID', `cannot register installation ${JSON.stringify(body.installation_id)}: installation_id must be a UUID`)
    const model = parseHeatPumpModel(body.heatpump_model)
    if (typeof model === 'string') throw httpError('HP_ERR_INVALID_MODEL_NAME', `cannot register installation: heatpump_model must be a string of at most ${MAX_MODEL_NAME_LENGTH} characters without control characters`)
    const manufacturer = body.manufacturer == null ? null : sanitiseLabel(body.manufacturer, 64)?.toLowerCase() ?? null

    const token = body.token ?? generateToken('hpi')
    const registration = {
      id,
      tokenHash: hashToken(token),
      consentVersion: body.consent_version,
      manufacturer,
      modelName: model.name,
      modelKey: model.key,
    }
    const now = app.clock()

    // Before the credential: the revoked installation's old token is unknown now, and its owner
    // should learn why rather than get `Invalid Token`.
    if ((await findInstallation(app.store.db, id))?.revoked_at != null) throw revoked(id)
    if (request.headers.authorization !== undefined) {
      const principal = await app.principalOf(request)
      if (principal.kind !== 'installation' || principal.installationId !== id) {
        throw httpError('HP_ERR_INSTALLATION_EXISTS', `cannot register installation ${id}: the token presented is not this installation's`)
      }
      if (!await rotateInstallationToken(app.store.db, registration, now)) throw revoked(id)
      return reply.code(200).send({ installation_id: id, token, created: false })
    }

    const result = await registerInstallation(app.store.db, registration, now)
    if (result === 'revoked') throw revoked(id)
    if (result === 'exists' && body.token !== undefined) {
      // A retry of a registration whose answer was lost: the client proves it by its own token.
      const existing = await findInstallation(app.store.db, id)
      if (existing?.token_hash != null && secretsEqual(existing.token_hash, registration.tokenHash)) {
        return reply.code(200).send({ installation_id: id, token, created: false })
      }
    }
    if (result === 'exists') {
      throw httpError('HP_ERR_INSTALLATION_EXISTS', `cannot register installation ${id}: it is already registered; present its token to rotate it`)
    }
    return reply.code(result === 'created' ? 201 : 200).send({ installation_id: id, token, created: result === 'created' })
  })

  /**
   * `GET /api/v2/installations/me`: the calling installation's own ledger, eligibility and
   * badges. Only an installation token names an installation, and only its own: any other
   * credential (admin, shared, none, unknown) is a 401, since no installation is identified
   * (installation-caller.ts).
   */
  app.get('/api/v2/installations/me', {
    onRequest: [app.ipRateLimit],
    schema: {
      tags: ['installations'],
      summary: 'The calling installation: contribution days, eligibility and badges',
      response: { 200: InstallationMeSchema, 401: ErrorResponseSchema, 404: ErrorResponseSchema, 429: ErrorResponseSchema },
    },
  }, async (request) => {
    const id = await callingInstallation(app, request)
    const me = await installationOverview(app.store.db, id, app.clock(), app.config)
    if (me === undefined) throw httpError('HP_ERR_INSTALLATION_NOT_FOUND', `cannot find installation ${id}`)
    return me
  })

  // Export and erasure by the installation itself.
  await app.register(installationPrivacyRoutes)
}

export default installationRoutes
