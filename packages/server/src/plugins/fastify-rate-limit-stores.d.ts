// Typings of @fastify/rate-limit's two built-in stores, which the package ships as plain
// CommonJS files without declarations (used by shared-rate-limit-store.ts).

declare module '@fastify/rate-limit/store/RedisStore.js' {
  import type { Redis } from 'ioredis'

  type Callback = (error: Error | null, result?: { current: number, ttl: number }) => void

  /** Fixed windows in Redis: one key per limited key (`<prefix><key>`), INCR + PEXPIRE in one Lua script. */
  export default class RedisStore {
    constructor (continueExceeding: boolean, exponentialBackoff: boolean, redis: Redis, keyPrefix?: string)
    incr (key: string, cb: Callback, timeWindow: number, max: number): void
    read (key: string, cb: Callback, timeWindow: number, max: number): void
  }
}

declare module '@fastify/rate-limit/store/LocalStore.js' {
  type Callback = (error: Error | null, result?: { current: number, ttl: number }) => void

  /** Fixed windows in this process, in an LRU map of at most `cache` keys. */
  export default class LocalStore {
    constructor (continueExceeding: boolean, exponentialBackoff: boolean, cache?: number)
    incr (key: string, cb: Callback, timeWindow: number, max: number): void
    read (key: string, cb: Callback, timeWindow: number, max: number): void
  }
}
