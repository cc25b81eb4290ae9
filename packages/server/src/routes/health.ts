import { HealthResponseSchema, ReadyResponseSchema } from '@heatpool/protocol'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

/** Liveness (`/health`, upstream shape), readiness (`/ready`) and Prometheus metrics. */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', {
    schema: { tags: ['health'], summary: 'Liveness: the process answers', response: { 200: HealthResponseSchema } },
  }, async () => ({ status: 'ok' as const }))

  app.get('/ready', {
    schema: {
      tags: ['health'],
      summary: 'Readiness: the store answers',
      response: { 200: ReadyResponseSchema, 503: ReadyResponseSchema },
    },
  }, async (_request, reply) => {
    try {
      await app.store.ping()
      return { status: 'ready' as const, checks: { store: { ok: true } } }
    } catch (err) {
      app.log.warn({ err }, 'store is not ready')
      return reply.code(503).send({ status: 'unavailable', checks: { store: { ok: false, detail: 'cannot reach the store' } } })
    }
  })

  app.get('/metrics', {
    schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)', hide: false },
  }, async (_request, reply) => {
    reply.type(app.metrics.registry.contentType)
    return app.metrics.registry.metrics()
  })
}

export default healthRoutes
