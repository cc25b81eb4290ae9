// Issue 5, "How it is checked": two server processes on PostgreSQL + VictoriaMetrics (+ Redis for
// rate limits) behind a load balancer — here a round-robin HTTP proxy that sends each request to
// the next replica — receive one installation's batches at once, overlapping and retried; they
// end with the same ledger, pool counts and rollups as one process receiving them in order.
import http from 'node:http'
import { afterAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { freshPostgresUrl } from '../packages/server/test/engines/postgres.js'
import { testRedisUrl } from '../packages/server/test/engines/redis.js'
import { startVictoriaMetrics } from '../packages/server/test/engines/victoriametrics.js'
import { cleanupAll, freePort, HOST, httpRequest, startServer, tempDir, type NodeProcess } from './processes.js'
import { NO_ENGINE } from '../packages/server/test/engines/missing.js'

const START_S = Math.floor(Date.now() / 1000) - 3 * 86_400

function records (from: number, count: number) {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k
    return { timestamp: START_S + i * 60, temp_outside: 2 + (i % 13) / 4, temp_heat_pump_flow: 35, temp_heat_pump_return: 30, power_current: 5 + (i % 5) / 2, power_current_draw: 1.4 }
  })
}

/** 30 batches of one installation over two days, every third overlapping its predecessor, then four retries. */
function batches (id: string): { key: string, body: string }[] {
  const out = Array.from({ length: 30 }, (_, b) => ({
    key: `b${b}`,
    body: JSON.stringify({ installation_id: id, heatpump_model: 'AERO SLM', data: records(Math.max(0, b * 100 - (b % 3 === 0 ? 40 : 0)), 140) }),
  }))
  return [...out, ...[4, 9, 9, 25].map((b) => out[b] as { key: string, body: string })]
}

/** Sends each request to the next backend in turn. */
async function roundRobin (ports: number[]): Promise<{ port: number, close: () => Promise<void> }> {
  let next = 0
  const server = http.createServer((req, res) => {
    const target = ports[next++ % ports.length] as number
    const up = http.request({ host: HOST, port: target, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    up.on('error', () => { res.writeHead(502).end() })
    req.pipe(up)
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, HOST, resolve))
  return { port, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => { resolve() }) }) }
}

async function register (port: number): Promise<{ id: string, token: string }> {
  const res = await httpRequest('POST', `http://${HOST}:${port}/api/v2/installations`, JSON.stringify({ consent_version: '1', heatpump_model: 'AERO SLM' }), { 'content-type': 'application/json' })
  expect(res.status, res.body).toBe(201)
  const json = JSON.parse(res.body) as { installation_id: string, token: string }
  return { id: json.installation_id, token: json.token }
}

function submit (port: number, token: string, batch: { key: string, body: string }) {
  return httpRequest('POST', `http://${HOST}:${port}/api/v1/submit`, batch.body, { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': batch.key })
}

async function tables (url: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const q = async (text: string) => (await client.query(text)).rows as Record<string, unknown>[]
    return {
      installations: await q('select samples_total::text, contribution_days, last_contribution_day, last_sample_ts::text from installations'),
      ledger: await q('select day, samples::text, stored::text from ledger_days order by day'),
      pool: await q('select day, samples::text from pool_days order by day'),
      hourly: (await q('select * from rollups_hourly order by hour')).map(({ heat_pump_id: _, ...r }) => r),
    }
  } finally {
    await client.end()
  }
}

const processes: NodeProcess[] = []
afterAll(async () => {
  for (const p of processes) await p.stop()
  cleanupAll()
})

describe('two server processes behind a load balancer', () => {
  it('end with the same ledger, pool and rollups as one process receiving the batches in order', async (ctx) => {
    const vm = await startVictoriaMetrics()
    const redis = await testRedisUrl()
    const single = await freshPostgresUrl()
    const shared = await freshPostgresUrl()
    if (vm === undefined || redis === undefined || single === undefined || shared === undefined) return ctx.skip(NO_ENGINE)
    const engines = { SAMPLE_STORE: 'victoriametrics', VM_URL: vm.url, REDIS_URL: redis, CONTRIBUTION_MIN_SAMPLES: '600', RATE_LIMIT_PER_MINUTE: '10000' }

    const [onePort, aPort, bPort] = [await freePort(), await freePort(), await freePort()]
    processes.push(await startServer({ port: onePort, dataDir: tempDir('hp-e2e-r1-'), env: { ...engines, DATABASE_URL: single, VM_POOL: 'single' } }))
    // The replicas share one database and one VictoriaMetrics pool; both start at once (migrations race).
    processes.push(...await Promise.all([aPort, bPort].map(async (port) =>
      startServer({ port, dataDir: tempDir('hp-e2e-rep-'), env: { ...engines, DATABASE_URL: shared, VM_POOL: 'shared' } }))))
    const lb = await roundRobin([aPort, bPort])
    ctx.onTestFinished(lb.close)

    // One process, in order.
    const alone = await register(onePort)
    for (const batch of batches(alone.id)) {
      const res = await submit(onePort, alone.token, batch)
      expect(res.status, res.body).toBe(200)
    }

    // Two processes, everything at once through the balancer; registered through it too.
    const both = await register(lb.port)
    const answers = await Promise.all(batches(both.id).map(async (batch) => ({ key: batch.key, res: await submit(lb.port, both.token, batch) })))
    const byKey = new Map<string, Set<string>>()
    for (const { key, res } of answers) {
      // 409: the same key already in flight on the same replica; the client would retry it.
      expect([200, 409], res.body).toContain(res.status)
      if (res.status === 200) byKey.set(key, (byKey.get(key) ?? new Set()).add(res.body.replace(both.id, 'ID')))
    }
    for (const [key, bodies] of byKey) expect(bodies.size, key).toBe(1)

    const expected = await tables(single)
    const got = await tables(shared)
    // Sums of floats added in another order differ in their last bits (rounding them to 10
    // significant digits still split 20583.984375 both ways): equal to 9 decimal places.
    const close = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? expect.closeTo(v, 9) : v]))
    expect(got).toEqual({ ...expected, hourly: expected.hourly.map(close) })
    expect(Number(expected.installations[0]?.contribution_days)).toBeGreaterThan(0)
    expect(expected.hourly.length).toBeGreaterThan(24)
  })
})
