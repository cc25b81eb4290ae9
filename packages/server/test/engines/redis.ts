import { Redis } from 'ioredis'

/**
 * The machine's Redis for tests: `HEATPOOL_TEST_REDIS_URL` (default `redis://127.0.0.1:6379`).
 * Undefined when it does not answer PING, unless `HEATPOOL_REQUIRE_ENGINES=1` (CI), which makes a
 * missing Redis an error instead of a skip. Tests isolate themselves by key prefix.
 */
export const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379'

export async function testRedisUrl (): Promise<string | undefined> {
  const env = process.env.HEATPOOL_TEST_REDIS_URL
  const url = env === undefined || env === '' ? DEFAULT_TEST_REDIS_URL : env
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    await redis.connect()
    await redis.ping()
    return url
  } catch (err) {
    if (process.env.HEATPOOL_REQUIRE_ENGINES === '1') {
      throw new Error(`HEATPOOL_REQUIRE_ENGINES=1 but Redis does not answer at ${url} (set HEATPOOL_TEST_REDIS_URL): ${(err as Error).message}`, { cause: err })
    }
    return undefined
  } finally {
    redis.disconnect()
  }
}
