import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import rateLimitPlugin, { type RateLimitOptions } from '../../src/plugins/rate-limit.js'
import { testRedisUrl } from '../engines/redis.js'
import { TcpProxy } from '../engines/tcp-proxy.js'

const redisUrl = await testRedisUrl()

const apps: FastifyInstance[] = []
afterEach(async () => {
  while (apps.length > 0) await (apps.pop() as FastifyInstance).close()
})

/** A server replica with only the rate limits: `/installation/:id` is limited per installation, `/ip` per address. */
async function replica (opts: Partial<RateLimitOptions>): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  await app.register(rateLimitPlugin, { perIpPerMinute: 1000, perInstallationPerMinute: 1000, maxKeys: 100, ...opts })
  app.get('/installation/:id', async (request) => {
    await app.limitInstallation(request, (request.params as { id: string }).id)
    return { ok: true }
  })
  app.get('/ip', { preHandler: app.ipRateLimit }, async () => ({ ok: true }))
  await app.ready()
  apps.push(app)
  return app
}

const status = async (app: FastifyInstance, url: string) => (await app.inject({ method: 'GET', url })).statusCode

describe.skipIf(redisUrl === undefined)('rate limits shared through Redis', () => {
  it('counts one installation\'s requests to two replicas against one limit', async () => {
    const prefix = `heatpool-test:${randomUUID()}:`
    const opts = { redisUrl, redisKeyPrefix: prefix, perInstallationPerMinute: 3 }
    const [a, b] = [await replica(opts), await replica(opts)] as [FastifyInstance, FastifyInstance]
    const id = randomUUID()
    // Per process these would be 2 requests each, well under 3.
    expect([await status(a, `/installation/${id}`), await status(b, `/installation/${id}`), await status(a, `/installation/${id}`)]).toEqual([200, 200, 200])
    const limited = await b.inject({ method: 'GET', url: `/installation/${id}` })
    expect(limited.statusCode).toBe(429)
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    // Another installation has its own count.
    expect(await status(b, `/installation/${randomUUID()}`)).toBe(200)

    const redis = new Redis(redisUrl as string)
    try {
      expect(await redis.get(`${prefix}installation:${id}`)).toBe('4')
      expect(await redis.pttl(`${prefix}installation:${id}`)).toBeGreaterThan(50_000)
    } finally {
      redis.disconnect()
    }
  })

  it('counts one address\'s requests to two replicas against one limit', async () => {
    const opts = { redisUrl, redisKeyPrefix: `heatpool-test:${randomUUID()}:`, perIpPerMinute: 2 }
    const [a, b] = [await replica(opts), await replica(opts)] as [FastifyInstance, FastifyInstance]
    expect([await status(a, '/ip'), await status(b, '/ip'), await status(a, '/ip'), await status(b, '/ip')]).toEqual([200, 200, 429, 429])
  })

  it('keeps limiting per process, and never fails a request, while Redis is down', async () => {
    const target = new URL(redisUrl as string)
    const proxy = new TcpProxy(target.hostname, Number(target.port || 6379))
    const url = new URL(redisUrl as string)
    url.port = String(await proxy.start())
    try {
      const opts = { redisUrl: url.href, redisKeyPrefix: `heatpool-test:${randomUUID()}:`, perInstallationPerMinute: 2 }
      const [a, b] = [await replica(opts), await replica(opts)] as [FastifyInstance, FastifyInstance]
      const id = randomUUID()
      expect(await status(a, `/installation/${id}`)).toBe(200)
      await proxy.stop()
      // Each replica counts on its own: a's second request is its 1st local one, b's are 1 and 2.
      expect([await status(a, `/installation/${id}`), await status(b, `/installation/${id}`), await status(b, `/installation/${id}`)]).toEqual([200, 200, 200])
      expect(await status(b, `/installation/${id}`)).toBe(429)
      expect(await status(a, `/installation/${id}`)).toBe(200)
      expect(await status(a, `/installation/${id}`)).toBe(429)
    } finally {
      await proxy.stop()
    }
  })

  it('starts without Redis (it may come later) and limits per process meanwhile', async () => {
    const started = Date.now()
    const app = await replica({ redisUrl: 'redis://127.0.0.1:1', redisKeyPrefix: `heatpool-test:${randomUUID()}:`, perIpPerMinute: 2 })
    expect(Date.now() - started).toBeLessThan(10_000)
    expect([await status(app, '/ip'), await status(app, '/ip'), await status(app, '/ip')]).toEqual([200, 200, 429])
  })
})
