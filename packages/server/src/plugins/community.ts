import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { PoolStatusService } from '../community/pool-status.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The cached pool status, shared by pool status, model check and download. */
    poolStatus: PoolStatusService
  }
}

export default fp(async function communityPlugin (app: FastifyInstance) {
  app.decorate('poolStatus', new PoolStatusService(app.store.db, app.models, app.config, app.clock, (err) => app.log.error({ err }, 'cannot refresh the pool status')))
}, { name: 'community', dependencies: ['core', 'models'] })
