import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/** OpenAPI document at `/docs/json` and its UI at `/docs` (off with DOCS_ENABLED=false). */
export default fp(async function openapiPlugin (app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'heatpool',
        version: '0.1.0',
        description: 'Community telemetry for heat pumps. `/api/v1/*` is wire-compatible with the IDM Metrics Collector telemetry server; `/api/v2/*` is new.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
      tags: [
        { name: 'ingest', description: 'Telemetry upload' },
        { name: 'installations', description: 'Registration and credentials' },
        { name: 'admin', description: 'Operator routes (admin token)' },
        { name: 'health', description: 'Liveness, readiness, metrics' },
      ],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}, { name: 'openapi' })
