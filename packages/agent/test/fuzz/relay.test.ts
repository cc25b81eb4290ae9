import { request as httpRequest } from 'node:http'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { hostileSubmission, validPayload } from '../../../server/test/fuzz/payloads.js'
import { loadAgentConfig } from '../../src/config.js'
import { startAgent, type AgentService } from '../../src/service.js'
import { deadUrl } from '../unit/support/real-server.js'
import { onCleanup, tempDir } from '../unit/support/rig.js'
import { fuzzParameters, fuzzTimeout } from '../../../server/test/fuzz/runs.js'

/**
 * The relay (`POST /api/v1/submit` on the agent) under the server's fuzz payloads: valid v1 and
 * v2 uploads, mutated, damaged and mis-framed. The agent never answers 5xx to them, refuses
 * with a coded 4xx, and commits exactly the records it acknowledges — nothing for a refusal.
 * The server is unreachable, so everything stays in the outbox where it can be counted.
 */

const MIB = 1024 * 1024

async function agent (): Promise<AgentService> {
  const config = loadAgentConfig({
    HEATPOOL_SERVER_URL: await deadUrl(),
    AGENT_PORT: '0',
    AGENT_HOST: '127.0.0.1',
    AGENT_DATA_DIR: tempDir('heatpool-agent-fuzz-'),
    AGENT_RETRY_MIN_MS: '60000',
    AGENT_RETRY_MAX_MS: '60000',
    AGENT_REQUEST_TIMEOUT_MS: '1000',
    AGENT_MODEL_CHECK_INTERVAL: '0',
    AGENT_OUTBOX_MAX_BYTES: String(1024 * MIB),
    LOG_LEVEL: 'silent',
  })
  const service = await startAgent(config, { httpLogs: false, logger: pino({ level: 'silent' }) })
  onCleanup(() => service.close())
  return service
}

interface Answer { readonly status: number, readonly text: string }

/** One POST with exactly these bytes and headers (fetch would add or refuse some). */
function post (a: AgentService, body: Buffer, headers: Record<string, string>): Promise<Answer> {
  const url = new URL('/api/v1/submit', a.url)
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** The answer keeps the rules: below 500, and a refusal is `{code: "HP_ERR_…", detail}`. */
function expectClientAnswer (answer: Answer): void {
  expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500)
  if (answer.status < 400) return
  expect(JSON.parse(answer.text), answer.text.slice(0, 300)).toMatchObject({ code: expect.stringMatching(/^HP_ERR_[A-Z0-9_]+$/), detail: expect.any(String) })
}

describe('fuzz: agent relay POST /api/v1/submit', () => {
  it('commits every valid v1 and v2 upload whole', async () => {
    const a = await agent()
    await fc.assert(fc.asyncProperty(validPayload, async (payload) => {
      const before = a.outbox.stats().records
      const answer = await post(a, Buffer.from(JSON.stringify(payload)), { 'content-type': 'application/json' })
      expect(answer.status, answer.text).toBe(200)
      expect(a.outbox.stats().records - before).toBe((payload.data as unknown[]).length)
    }), fuzzParameters(100))
  }, fuzzTimeout(20_000, 100))

  it('answers mutated, damaged and mis-framed uploads with 200 or a coded 4xx, committing exactly what it acknowledges', async () => {
    const a = await agent()
    const statuses = new Map<number, number>()
    await fc.assert(fc.asyncProperty(hostileSubmission, async (s) => {
      const before = a.outbox.stats().records
      const answer = await post(a, s.body, s.headers)
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
      expectClientAnswer(answer)
      const added = a.outbox.stats().records - before
      if (answer.status === 200) expect(added).toBe((JSON.parse(answer.text) as { processed: number }).processed)
      else expect(added).toBe(0)
    }), fuzzParameters(300))
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0)
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true)
    expect((await fetch(`${a.url}/health`)).status).toBe(200)
  }, fuzzTimeout(40_000, 300))

  it('refuses gzip bombs at the 16 MiB decoded limit with bounded memory, and answers on', async () => {
    const a = await agent()
    const member = gzipSync(Buffer.alloc(16 * MIB), { level: 9 })
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member))
    expect(bomb.length).toBeLessThan(2 * MIB)
    const before = process.memoryUsage()
    for (let i = 0; i < 10; i++) {
      const answer = await post(a, bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
      expect(answer.status).toBe(413)
      expect(JSON.parse(answer.text)).toMatchObject({ code: 'HP_ERR_BODY_TOO_LARGE' })
    }
    const after = process.memoryUsage()
    // 10 GiB offered; each is inflated only up to the limit, and freed.
    expect(after.rss - before.rss).toBeLessThan(256 * MIB)
    expect(after.heapUsed - before.heapUsed).toBeLessThan(96 * MIB)
    expect(a.outbox.stats().records).toBe(0)
    const truncated = await post(a, member.subarray(0, member.length - 20), { 'content-type': 'application/json', 'content-encoding': 'gzip' })
    expect(truncated.status).toBe(400)
    expect((await fetch(`${a.url}/health`)).status).toBe(200)
  }, 60_000)

  // Regression: a record nested 100,000 deep overflowed JSON.stringify's stack and answered 500.
  it.each<[string, string]>([
    ['a record nested 100,000 deep', `{"installation_id":"7d3f8a52-3c1e-4b6a-9f0e-2a1b3c4d5e6f","data":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`],
    ['a body nested 100,000 deep that mentions a prototype', `{"installation_id":"7d3f8a52-3c1e-4b6a-9f0e-2a1b3c4d5e6f","prototype":1,"data":[${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}]}`],
  ])('refuses %s with 400 HP_ERR_BAD_REQUEST, committing nothing', async (_name, body) => {
    const a = await agent()
    const answer = await post(a, Buffer.from(body), { 'content-type': 'application/json' })
    expect(answer.status, answer.text).toBe(400)
    expect(JSON.parse(answer.text)).toMatchObject({ code: 'HP_ERR_BAD_REQUEST', detail: expect.stringContaining('nested too deeply') })
    expect(a.outbox.stats().records).toBe(0)
  })

  it.each<[string, () => string]>([
    ['100,000 keys', () => JSON.stringify({ installation_id: '7d3f8a52-3c1e-4b6a-9f0e-2a1b3c4d5e6f', data: [Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]))] })],
    ['__proto__ deep in a record', () => `{"installation_id":"7d3f8a52-3c1e-4b6a-9f0e-2a1b3c4d5e6f","data":[{"a":[{"b":{"__proto__":{"x":1}}}]}]}`],
    ['constructor.prototype in the envelope', () => `{"constructor":{"prototype":{"x":1}},"installation_id":"7d3f8a52-3c1e-4b6a-9f0e-2a1b3c4d5e6f","data":[]}`],
  ])('%s: a coded 4xx or committed whole', async (_name, body) => {
    const a = await agent()
    const answer = await post(a, Buffer.from(body()), { 'content-type': 'application/json' })
    expectClientAnswer(answer)
    if (answer.status === 200) expect(a.outbox.stats().records).toBe((JSON.parse(answer.text) as { processed: number }).processed)
    else expect(a.outbox.stats().records).toBe(0)
  })
})
