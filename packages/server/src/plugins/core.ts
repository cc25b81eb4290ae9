import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { httpError } from '../errors.js'
import { SubmitService } from '../ingest/submit-service.js'
import { maskIp } from '../ip.js'
import type { Metrics } from '../metrics.js'
import type { Store } from '../store/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    store: Store
    metrics: Metrics
    /** Milliseconds since the epoch; injectable so tests can simulate calendars. */
    clock: () => number
    submitService: SubmitService
  }
}

export interface CorePluginOptions {
  readonly config: Config
  readonly store: Store
  readonly metrics: Metrics
  readonly clock: () => number
}

/** The app's services as decorators; routes take them from `app`, never import each other. */
export default fp(async function corePlugin (app: FastifyInstance, opts: CorePluginOptions) {
  app.decorate('config', opts.config)
  app.decorate('store', opts.store)
  app.decorate('metrics', opts.metrics)
  app.decorate('clock', opts.clock)
  app.decorate('submitService', new SubmitService(opts.store, opts.config, opts.metrics))

  // While closing, new requests get our 503 (in-flight ones finish); Fastify's own 503 is off.
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  app.addHook('onRequest', async () => {
    if (closing) throw httpError('HP_ERR_SHUTTING_DOWN', undefined, { headers: { 'retry-after': '5', connection: 'close' } })
  })

  app.addHook('onResponse', async (request, reply) => {
    opts.metrics.httpDuration.observe({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    }, reply.elapsedTime / 1000)
  })
}, { name: 'core' })

/** pino serializers: requests are logged without query strings' secrets and with masked addresses. */
export const logSerializers = {
  req (request: { method: string, url: string, ip?: string, routeOptions?: { url?: string } }) {
    return { method: request.method, url: request.url, remoteAddress: maskIp(request.ip) }
  },
}
