import { createServer, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { TcpProxy } from '../engines/tcp-proxy.js'
import { startVictoriaMetrics } from '../engines/victoriametrics.js'
import { build, v1Payload, v1Record, type TestApp } from '../helper.js'
import { NO_ENGINE } from '../engines/missing.js'

const NOW = Date.UTC(2026, 10, 27, 12)
const T0 = NOW / 1000 - 6 * 3600

function batch (id: string, from: number, count: number) {
  return v1Payload(id, Array.from({ length: count }, (_, i) => v1Record(T0 + (from + i) * 30, { temp_outside: 3 + i / 100 })))
}

/** 50 records 10 s apart from 20 days ago: room for ~170,000 records before "now". */
const LOAD_T0 = NOW / 1000 - 20 * 86_400
function loadBatch (id: string, from: number) {
  return v1Payload(id, Array.from({ length: 50 }, (_, i) => v1Record(LOAD_T0 + (from + i) * 10, { temp_outside: 3 + i / 100 })))
}

async function samplesOf (t: TestApp, id: string) {
  const hp = await t.app.store.db.selectFrom('heat_pumps').select('id').where('installation_id', '=', id).executeTakeFirst()
  return hp === undefined ? [] : t.app.store.samples.read(hp.id, 0, Number.MAX_SAFE_INTEGER)
}

describe('VictoriaMetrics down, slow or crashed', () => {
  it('answers 503 with Retry-After while it is unreachable, fails /ready, stores nothing, and recovers without a restart', async (ctx) => {
    const vm = await startVictoriaMetrics()
    if (vm === undefined) return ctx.skip(NO_ENGINE)
    const proxy = new TcpProxy('127.0.0.1', vm.port)
    const port = await proxy.start()
    const t = await build({ SAMPLE_STORE: 'victoriametrics', VM_URL: `http://127.0.0.1:${port}`, VM_TIMEOUT_MS: '2000' }, NOW)
    const { id, token } = await t.register()
    expect((await t.submit(batch(id, 0, 100), token)).statusCode).toBe(200)
    expect((await t.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200)

    await proxy.stop()
    const down = await t.submit(batch(id, 100, 100), token, { 'idempotency-key': 'b2' })
    expect(down.statusCode).toBe(503)
    expect(down.headers['retry-after']).toMatch(/^\d+$/)
    expect(down.json()).toMatchObject({ code: 'HP_ERR_STORE_UNAVAILABLE' })
    const ready = await t.inject({ method: 'GET', url: '/ready' })
    expect(ready.statusCode).toBe(503)
    const installation = await t.app.store.db.selectFrom('installations').select('samples_total').where('id', '=', id).executeTakeFirstOrThrow()

    await proxy.start()
    const again = await t.submit(batch(id, 100, 100), token, { 'idempotency-key': 'b2' })
    expect(again.statusCode, again.body).toBe(200)
    // Nothing of the refused batch was counted before: the retry stores all of it.
    expect(again.json()).toMatchObject({ values: { duplicate: 0 } })
    const after = await t.app.store.db.selectFrom('installations').select('samples_total').where('id', '=', id).executeTakeFirstOrThrow()
    expect(after.samples_total - installation.samples_total).toBe(again.json<{ values: { stored: number } }>().values.stored)
    expect(await samplesOf(t, id)).toHaveLength(200)
    expect((await t.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200)
    await proxy.stop()
  })

  it('answers 503 when VictoriaMetrics accepts connections but does not answer within VM_TIMEOUT_MS', async () => {
    const sockets = new Set<Socket>()
    const silent = createServer((s) => { sockets.add(s) })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as { port: number }
    try {
      const t = await build({ SAMPLE_STORE: 'victoriametrics', VM_URL: `http://127.0.0.1:${port}`, VM_TIMEOUT_MS: '300', VM_REPLAY_SECONDS: '0' }, NOW)
      const { id, token } = await t.register()
      const started = Date.now()
      const res = await t.submit(batch(id, 0, 10), token)
      expect(res.statusCode).toBe(503)
      expect(res.headers['retry-after']).toBeDefined()
      expect(Date.now() - started).toBeLessThan(10_000)
      expect((await t.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(503)
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })

  it('loses no acknowledged sample when VictoriaMetrics is killed right after answering', async (ctx) => {
    const vm = await startVictoriaMetrics()
    if (vm === undefined) return ctx.skip(NO_ENGINE)
    const t = await build({ SAMPLE_STORE: 'victoriametrics', VM_URL: vm.url }, NOW)
    const { id, token } = await t.register()
    let acknowledged = 0
    for (let b = 0; b < 5; b++) {
      const res = await t.submit(batch(id, b * 100, 100), token)
      expect(res.statusCode).toBe(200)
      acknowledged += 100
    }
    // Killed before its next flush to disk (it keeps the last seconds in memory).
    await vm.kill()
    const down = await t.submit(batch(id, 500, 100), token)
    expect(down.statusCode).toBe(503)
    await vm.start()
    const res = await t.submit(batch(id, 500, 100), token)
    expect(res.statusCode, res.body).toBe(200)
    acknowledged += 100
    expect(await samplesOf(t, id)).toHaveLength(acknowledged)
    // The kept bodies outlive the restart until VictoriaMetrics has them on disk.
    const kept = await t.app.store.db.selectFrom('recent_sample_writes').select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
    expect(Number(kept.n)).toBe(6)
  })

  it('under load: no 2xx for data that was not written, 503s while it is killed, full recovery without a restart', async (ctx) => {
    const vm = await startVictoriaMetrics()
    if (vm === undefined) return ctx.skip(NO_ENGINE)
    const t = await build({ SAMPLE_STORE: 'victoriametrics', VM_URL: vm.url, VM_TIMEOUT_MS: '2000', RATE_LIMIT_PER_MINUTE: '100000', RATE_LIMIT_IP_PER_MINUTE: '100000' }, NOW)
    const senders = await Promise.all([0, 1, 2, 3].map(async () => ({ ...(await t.register()), next: 0, acknowledged: 0, refused: 0 })))
    let stop = false
    const loops = senders.map(async (s) => {
      while (!stop) {
        // Each batch is retried under its key until acknowledged, as a client does.
        const res = await t.submit(loadBatch(s.id, s.next), s.token, { 'idempotency-key': `${s.id}-${s.next}` })
        if (res.statusCode === 200) {
          s.acknowledged += 50
          s.next += 50
        } else {
          expect(res.statusCode, res.body).toBe(503)
          expect(res.headers['retry-after']).toBeDefined()
          s.refused++
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
      }
    })
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    await sleep(1500)
    await vm.kill()
    await sleep(1000)
    await vm.start()
    await sleep(1500)
    await vm.kill()
    await vm.start()
    await sleep(1500)
    stop = true
    await Promise.all(loops)

    expect(senders.reduce((n, s) => n + s.refused, 0)).toBeGreaterThan(0)
    for (const s of senders) {
      expect(s.acknowledged).toBeGreaterThan(0)
      const samples = await samplesOf(t, s.id)
      // Every acknowledged record is there, once (records are one timestamp each).
      expect(samples.map((x) => x.ts)).toEqual(Array.from({ length: s.acknowledged }, (_, i) => (LOAD_T0 + i * 10) * 1000))
      const installation = await t.app.store.db.selectFrom('installations').select('samples_total').where('id', '=', s.id).executeTakeFirstOrThrow()
      const values = samples.reduce((n, x) => n + Object.keys(x.values).length, 0)
      expect(Number(installation.samples_total)).toBe(values)
    }
  })
})
