import rateLimit, { normalizeIP, type CreateRateLimitOptions } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { httpError } from '../errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Per client address, for every request before authentication. */
    ipRateLimit: preHandlerAsyncHookHandler
    /** Per installation (per address when the installation is not known yet). */
    limitInstallation (request: FastifyRequest, installationId: string): Promise<void>
  }
}

export interface RateLimitOptions {
  readonly perIpPerMinute: number
  readonly perInstallationPerMinute: number
  /** Most keys remembered (LRU), so the limiter's memory is bounded under address churn. */
  readonly maxKeys: number
}

const MINUTE_MS = 60_000

/**
 * Two fixed-window limits from @fastify/rate-limit's store: per address on arrival (cheap,
 * before the body is read) and per installation once the request says which one it is for.
 * Upstream keyed only on the raw socket address, which behind a proxy made one global limit
 * (upstream.md §8 X7); set TRUST_PROXY so `request.ip` is the client's.
 */
export default fp(async function rateLimitPlugin (app: FastifyInstance, opts: RateLimitOptions) {
  await app.register(rateLimit, { global: false, cache: opts.maxKeys })

  // Each limiter gets its own LRU store; `cache` must be repeated here or it falls back to 5000.
  const perIp = app.createRateLimit({
    cache: opts.maxKeys,
    max: opts.perIpPerMinute,
    timeWindow: MINUTE_MS,
    keyGenerator: (req) => `ip:${normalizeIP(req.ip, 64)}`,
  } as CreateRateLimitOptions)
  const perInstallation = app.createRateLimit({
    cache: opts.maxKeys,
    max: opts.perInstallationPerMinute,
    timeWindow: MINUTE_MS,
    keyGenerator: (req) => `installation:${(req as FastifyRequest & { rateLimitInstallation?: string }).rateLimitInstallation ?? ''}`,
  } as CreateRateLimitOptions)

  async function enforce (result: Awaited<ReturnType<typeof perIp>>): Promise<void> {
    if (result.isAllowed || !result.isExceeded) return
    const retryAfter = String(Math.max(1, result.ttlInSeconds))
    throw httpError('HP_ERR_RATE_LIMITED', undefined, {
      headers: { 'retry-after': retryAfter, 'x-ratelimit-limit': String(result.max), 'x-ratelimit-remaining': '0' },
    })
  }

  app.decorate('ipRateLimit', async function (request: FastifyRequest) {
    await enforce(await perIp(request))
  })
  app.decorate('limitInstallation', async function (request: FastifyRequest, installationId: string) {
    (request as FastifyRequest & { rateLimitInstallation?: string }).rateLimitInstallation = installationId
    await enforce(await perInstallation(request))
  })
}, { name: 'rate-limit' })
