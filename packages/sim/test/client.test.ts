import { createServer, type Server } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { request, retryAfterMs } from '../src/client.js'
import { runSimulation } from '../src/run.js'
import { WINTER } from './fixtures.js'

const servers: Server[] = []
const dir = mkdtempSync(join(tmpdir(), 'heatpool-sim-client-'))
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
})

/** A loopback HTTP endpoint answering with `statuses` in turn (the last one repeats). */
async function endpoint (statuses: { status: number, headers?: Record<string, string> }[]): Promise<{ url: string, hits: number[] }> {
  const hits: number[] = []
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const a = statuses[Math.min(hits.length, statuses.length - 1)]!
      hits.push(performance.now())
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end('{}')
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits }
}

describe('requests', () => {
  it('read Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000)
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000)
    expect(retryAfterMs(null)).toBeUndefined()
    expect(retryAfterMs('soon')).toBeUndefined()
  })

  it('retry 429 and 503 after Retry-After, and give up after the bound', async () => {
    const ok = await endpoint([{ status: 429, headers: { 'retry-after': '1' } }, { status: 503, headers: { 'retry-after': '0' } }, { status: 200 }])
    const answer = await request('POST', `${ok.url}/api/v1/submit`, { body: '{}' })
    expect(answer.status).toBe(200)
    expect(answer.retries).toEqual({ 429: 1, 503: 1 })
    expect(ok.hits[1]! - ok.hits[0]!).toBeGreaterThan(900)

    const never = await endpoint([{ status: 429, headers: { 'retry-after': '0' } }])
    const given = await request('POST', `${never.url}/api/v1/submit`, { body: '{}' }, { maxRetries: 2, maxWaitMs: 10, baseMs: 1 })
    expect(given.status).toBe(429)
    expect(never.hits).toHaveLength(3)
  })
})

describe('pacing', () => {
  it('a finite speed spreads the records over simulated time ÷ speed', async () => {
    const run = (speed: number | 'max') => runSimulation({
      targetKind: 'auto', installations: 2, days: 1, seed: 1, format: 'v2', climate: 'continental', faults: [], intervalS: 600,
      startMs: WINTER, speed, outPath: join(dir, `out-${speed}.jsonl`), concurrency: 2, batchSize: 500, consentVersion: '1',
    })
    // 4 simulated days per second: the last of 144 records (143 × 600 s later) is due after 0.25 s.
    const paced = await run(4 * 86_400)
    expect(paced.duration_s).toBeGreaterThanOrEqual(0.24)
    // One simulated hour per second: the last of 6 records (5 × 600 s later) is due after 0.83 s.
    const slow = runSimulation({
      targetKind: 'auto', installations: 1, days: 1 / 24, seed: 1, format: 'v2', climate: 'continental', faults: [], intervalS: 600,
      startMs: WINTER, speed: 3600, outPath: join(dir, 'out-slow.jsonl'), concurrency: 1, batchSize: 500, consentVersion: '1',
    })
    const s = await slow
    expect(s.records).toBe(6)
    expect(s.duration_s).toBeGreaterThanOrEqual(0.8)
  })
})
