import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import LocalStore from '@fastify/rate-limit/store/LocalStore.js'
import RedisStore from '@fastify/rate-limit/store/RedisStore.js'
import type { Redis } from 'ioredis'

type Callback = Parameters<FastifyRateLimitStore['incr']>[1]

export interface SharedRateLimitStoreOptions {
  readonly redis: Redis
  /** Namespace of every key in Redis (`<prefix>ip:…`, `<prefix>installation:…`). */
  readonly keyPrefix: string
  /** LRU size of each per-process fallback limiter. */
  readonly maxKeys: number
  /** After a failed Redis call, how long limits stay per process before Redis is tried again. */
  readonly retryAfterMs: number
  /** Called when a Redis call fails (the request is then limited per process). */
  readonly onRedisError: (err: Error) => void
}

/**
 * A rate-limit store shared by every server replica through Redis (@fastify/rate-limit's own
 * Redis store: fixed windows, atomic INCR + PEXPIRE), that never fails a request: while Redis is
 * not connected, or for `retryAfterMs` after a call failed or timed out, each limiter counts in
 * this process instead (the built-in LRU store). A Redis outage thus neither takes ingest down
 * nor lifts the limits: each replica keeps enforcing them on what it sees, so a client spread
 * over N replicas may get up to N times the limit until Redis is back.
 */
export function sharedRateLimitStore (options: SharedRateLimitStoreOptions): FastifyRateLimitStoreCtor {
  const shared = new RedisStore(false, false, options.redis, options.keyPrefix)
  let redisDownUntil = 0

  class SharedRateLimitStore implements FastifyRateLimitStore {
    // Each limiter (`child`) gets its own fallback, as each gets its own LRU without Redis.
    readonly #local = new LocalStore(false, false, options.maxKeys)

    incr (key: string, cb: Callback, timeWindow: number, max: number): void {
      this.#call('incr', key, cb, timeWindow, max)
    }

    read (key: string, cb: Callback, timeWindow: number, max: number): void {
      this.#call('read', key, cb, timeWindow, max)
    }

    child (): FastifyRateLimitStore {
      return new SharedRateLimitStore()
    }

    #call (method: 'incr' | 'read', key: string, cb: Callback, timeWindow: number, max: number): void {
      if (options.redis.status !== 'ready' || Date.now() < redisDownUntil) {
        this.#local[method](key, cb, timeWindow, max)
        return
      }
      shared[method](key, (err, result) => {
        if (err === null) {
          cb(null, result)
          return
        }
        redisDownUntil = Date.now() + options.retryAfterMs
        options.onRedisError(err)
        this.#local[method](key, cb, timeWindow, max)
      }, timeWindow, max)
    }
  }
  return SharedRateLimitStore as unknown as FastifyRateLimitStoreCtor
}
