import rateLimit, { normalizeIP, type CreateRateLimitOptions, type RateLimitPluginOptions } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import { httpError } from '../errors.js'
import { sharedRateLimitStore } from './shared-rate-limit-store.js'

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
  /**
   * Registrations (POST /api/v2/installations) per hour per address: each one is a new voter in
   * the community figures, so this bounds how many fake installations one address can add
   * (docs/SECURITY.md, "Data poisoning"). Absent: no limit beyond the per-address one.
   */
  readonly registrationsPerHour?: number
  /** Most keys remembered (LRU), so the limiter's memory is bounded under address churn. */
  readonly maxKeys: number
  /**
   * REDIS_URL: when set, the limits are counted in this Redis and so shared by every server
   * replica using it; empty or absent, each process counts its own.
   */
  readonly redisUrl?: string
  /** Namespace of the keys in Redis; default `heatpool:rate-limit:`. */
  readonly redisKeyPrefix?: string
}

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
/** The route whose requests count against `registrationsPerHour`. */
export const REGISTRATION_ROUTE = { method: 'POST', url: '/api/v2/installations' } as const

/** A Redis slower than this to connect or to answer is treated as down (limits then count per process). */
const REDIS_CONNECT_TIMEOUT_MS = 2_000
const REDIS_COMMAND_TIMEOUT_MS = 500
/** After a failed Redis call, limits stay per process this long before Redis is tried again. */
const REDIS_RETRY_AFTER_MS = 5_000

/**
 * Two fixed-window limits from @fastify/rate-limit's store: per address on arrival (cheap,
 * before the body is read) and per installation once the request says which one it is for.
 * Upstream keyed only on the raw socket address, which behind a proxy made one global limit
 * (upstream.md §8 X7); set TRUST_PROXY so `request.ip` is the client's.
 */
export default fp(async function rateLimitPlugin (app: FastifyInstance, opts: RateLimitOptions) {
  const redisUrl = opts.redisUrl ?? ''
  const settings: RateLimitPluginOptions = { global: false, cache: opts.maxKeys }
  if (redisUrl !== '') {
    const redis = await connectRedis(app, redisUrl)
    // The shared store never fails (it falls back to per-process counting while Redis is down),
    // so skipOnError, which would let every request through on an error, is left off.
    settings.store = sharedRateLimitStore({
      redis,
      keyPrefix: opts.redisKeyPrefix ?? 'heatpool:rate-limit:',
      maxKeys: opts.maxKeys,
      retryAfterMs: REDIS_RETRY_AFTER_MS,
      onRedisError: (err) => { app.log.warn({ err }, 'cannot reach Redis for rate limits: counting them per process for now') },
    })
    settings.skipOnError = false
  }
  await app.register(rateLimit, settings)

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

  if (opts.registrationsPerHour !== undefined) {
    const perRegistrationIp = app.createRateLimit({
      cache: opts.maxKeys,
      max: opts.registrationsPerHour,
      timeWindow: HOUR_MS,
      keyGenerator: (req) => `register:${normalizeIP(req.ip, 64)}`,
    } as CreateRateLimitOptions)
    // A hook on every request rather than a line in the route: the route file stays about
    // registration, and the limit cannot be lost by editing it (test/security/rate-limits.test.ts).
    app.addHook('onRequest', async (request) => {
      if (request.method === REGISTRATION_ROUTE.method && request.routeOptions.url === REGISTRATION_ROUTE.url) {
        await enforce(await perRegistrationIp(request))
      }
    })
  }

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

/**
 * A Redis client for the limits, connected (or given up on after the connect timeout: the server
 * starts anyway and limits count per process until Redis answers; ioredis keeps reconnecting).
 * Commands fail fast instead of queueing while disconnected. Closed with the app.
 */
async function connectRedis (app: FastifyInstance, url: string): Promise<Redis> {
  const redis = new Redis(url, {
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  })
  let down = false
  redis.on('error', (err) => {
    if (down) return
    down = true
    app.log.warn({ err }, 'cannot reach Redis for rate limits: counting them per process until it is back')
  })
  redis.on('ready', () => {
    if (!down) return
    down = false
    app.log.info('Redis reachable again: rate limits are shared by the replicas')
  })
  app.addHook('onClose', async () => {
    if (redis.status === 'ready') await redis.quit().catch(() => { redis.disconnect() })
    else redis.disconnect()
  })
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer)
      redis.off('ready', done)
      resolve()
    }
    const timer = setTimeout(done, REDIS_CONNECT_TIMEOUT_MS)
    redis.on('ready', done)
  })
  return redis
}
