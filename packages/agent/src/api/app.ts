import compress from '@fastify/compress'
import {
  ErrorResponseSchema,
  MAX_MODEL_NAME_LENGTH,
  parseHeatPumpModel,
  parseInstallationId,
  SubmitPayloadSchema,
} from '@heatpool/protocol'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import Type from 'typebox'
import type { AgentConfig } from '../config.js'
import type { AgentMetrics } from '../metrics.js'
import type { ModelUpdater } from '../model/updater.js'
import type { Outbox } from '../outbox/outbox.js'
import type { ServerClient } from '../server-client.js'
import type { StateStore, TokenStore } from '../state.js'
import type { Uploader } from '../upload/uploader.js'

export interface AgentAppDeps {
  readonly config: AgentConfig
  readonly outbox: Outbox
  readonly uploader: Uploader
  readonly updater: ModelUpdater
  readonly client: ServerClient
  readonly state: StateStore
  readonly tokens: TokenStore
  readonly metrics: AgentMetrics
  readonly logger?: boolean
}

const error = (code: string, detail: string) => ({ code, detail })

/**
 * The agent's local HTTP API: the relay (`POST /api/v1/submit`, what the server accepts, answered
 * once the records are committed to the outbox), the status a logger's UI or the agent's page
 * shows, upload and model actions, and proxies to the server's community figures that report an
 * unreachable server as an error — never as an empty pool (upstream bug C11).
 */
export async function buildAgentApp (deps: AgentAppDeps): Promise<FastifyInstance> {
  const { config, outbox, uploader, updater, client, state, tokens, metrics } = deps
  const app = Fastify({
    logger: deps.logger === false ? false : { level: config.LOG_LEVEL },
    bodyLimit: 16 * 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>()
  await app.register(compress, { globalCompression: false, requestEncodings: ['gzip', 'deflate'] })

  app.setErrorHandler((err: Error & { statusCode?: number, validation?: unknown }, request, reply) => {
    const status = err.statusCode ?? 500
    if (err.validation !== undefined) return reply.code(422).send(error('HP_ERR_VALIDATION', `cannot validate request: ${err.message}`))
    if (status >= 500) request.log.error({ err }, 'request failed')
    return reply.code(status).send(error(status >= 500 ? 'HP_ERR_INTERNAL' : 'HP_ERR_BAD_REQUEST', status >= 500 ? 'Internal Server Error' : err.message))
  })

  app.get('/health', async () => ({ status: 'ok' as const }))

  app.post('/api/v1/submit', {
    schema: {
      body: SubmitPayloadSchema,
      response: {
        200: Type.Object({
          status: Type.Literal('success'),
          processed: Type.Integer({ description: 'Records committed to the outbox (upstream field)' }),
          queued: Type.Boolean(),
          dropped_oldest: Type.Integer({ description: 'Older records the outbox cap dropped to make room' }),
        }),
        400: ErrorResponseSchema,
        422: ErrorResponseSchema,
      },
    },
  }, async (request, reply) => {
    const payload = request.body
    const id = parseInstallationId(payload.installation_id)
    if (id === null) return reply.code(422).send(error('HP_ERR_INVALID_INSTALLATION_ID', `cannot accept installation_id ${JSON.stringify(payload.installation_id)}: it must be a UUID`))
    const model = parseHeatPumpModel(payload.heatpump_model)
    if (typeof model === 'string') return reply.code(400).send(error('HP_ERR_INVALID_MODEL_NAME', `cannot accept heatpump_model: at most ${MAX_MODEL_NAME_LENGTH} characters, no control characters`))
    const records = payload.data.map((r) => JSON.stringify(r))
    const envelope = {
      heatpump_model: payload.heatpump_model ?? null,
      version: payload.version ?? null,
      ...(payload.data_version === undefined ? {} : { data_version: payload.data_version }),
    }
    const dropped = outbox.append(id, envelope, records)
    metrics.relayed.inc(records.length)
    uploader.nudge()
    return { status: 'success' as const, processed: records.length, queued: true, dropped_oldest: dropped }
  })

  app.get('/api/status', async () => {
    const s = state.reload()
    const primary = s.primaryInstallationId ?? null
    return {
      consent: { given: s.consent.given || config.AGENT_CONSENT, version: s.consent.version ?? (config.AGENT_CONSENT ? config.AGENT_CONSENT_VERSION : null), changed_at: s.consent.changedAt },
      installation_id: s.installationId,
      primary_installation_id: primary,
      registered: primary !== null && tokens.get(primary) !== undefined,
      server_url: config.HEATPOOL_SERVER_URL,
      outbox: outbox.stats(),
      uploads: uploader.schedule(),
      last_upload: uploader.lastResult ?? null,
      quarantined: outbox.quarantined().map((b) => ({ batch: b.id, installation_id: b.installationId, status: b.lastStatus, error: b.lastError, created_at: new Date(b.createdAt).toISOString() })),
      model: updater.status,
    }
  })

  app.post('/api/flush', async () => ({ last_upload: await uploader.flush() ?? null, outbox: outbox.stats() }))

  app.post('/api/quarantine/release', async () => ({ released: outbox.releaseQuarantine() }))

  app.post('/api/check-model', async () => updater.check())

  app.post('/api/consent', { schema: { body: Type.Object({ given: Type.Boolean() }) } }, async (request) => {
    const s = state.setConsent(request.body.given, config.AGENT_CONSENT_VERSION)
    if (s.consent.given) uploader.nudge()
    return { consent: s.consent }
  })

  app.get('/api/pool-status', async (_request, reply) => {
    const answer = await client.poolStatus()
    if (answer.status === 200) return answer.body
    return reply.code(502).send(answer.status === null
      ? error('HP_ERR_SERVER_UNREACHABLE', `cannot reach the heatpool server at ${config.HEATPOOL_SERVER_URL}: ${answer.error ?? 'no answer'}`)
      : error('HP_ERR_SERVER_ERROR', `the heatpool server answered ${answer.status}`))
  })

  app.get('/api/community/averages', async (request, reply) => {
    const primary = state.reload().primaryInstallationId
    const token = (primary === undefined ? undefined : tokens.get(primary)) ?? (config.AGENT_SHARED_TOKEN || undefined)
    if (token === undefined) return reply.code(409).send(error('HP_ERR_NOT_REGISTERED', 'cannot ask for community averages: the agent is not registered yet'))
    const query = new URLSearchParams(request.query as Record<string, string>).toString()
    const answer = await client.averages(query, token)
    if (answer.status === 200) return answer.body
    if (answer.status === null) return reply.code(502).send(error('HP_ERR_SERVER_UNREACHABLE', `cannot reach the heatpool server at ${config.HEATPOOL_SERVER_URL}: ${answer.error ?? 'no answer'}`))
    // The server's own 4xx (bad metric, missing model) passes through; anything else is a server error.
    if (answer.status < 500) return reply.code(answer.status).send(answer.body)
    return reply.code(502).send(error('HP_ERR_SERVER_ERROR', `the heatpool server answered ${answer.status}`))
  })

  app.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType)
    return metrics.registry.metrics()
  })

  return app
}
