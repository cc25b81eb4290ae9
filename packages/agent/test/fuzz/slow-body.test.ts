import { describe, expect, it } from 'vitest'
import { createRouter, readJson, REQUEST_TIMEOUT_MS } from '../../src/api/http.js'
import { onCleanup } from '../unit/support/rig.js'
import { slowRequest } from '../../../server/test/fuzz/slow-body.js'

/**
 * Slowloris against the agent's node:http server: a body or head trickled a byte every 100 ms
 * is closed at the router's request deadline (30 s in the agent, shortened here), while other
 * requests are answered meanwhile.
 */
const TIMEOUT_MS = 1500

async function router (): Promise<number> {
  const r = createRouter(undefined, { requestTimeoutMs: TIMEOUT_MS })
  r.route('GET', '/health', async () => ({ status: 'ok' }))
  r.route('POST', '/api/v1/submit', async (request) => readJson(request, 1024 * 1024), { crossSite: true })
  const url = await r.listen(0, '127.0.0.1')
  onCleanup(() => r.close())
  return Number(new URL(url).port)
}

const body = JSON.stringify({ installation_id: '7d3f8a52-3c1e-4b6a-9f0e-2a1b3c4d5e6f', data: [{ timestamp: 1_764_000_000, temp_outside: 4 }] })
const head = (length: number) => `POST /api/v1/submit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`

describe('fuzz: agent slow bodies (slowloris)', () => {
  it('has a whole-request deadline of 30 s by default (Node alone allows five minutes)', () => {
    const r = createRouter(undefined)
    expect(REQUEST_TIMEOUT_MS).toBe(30_000)
    expect(r.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS)
    expect(r.server.headersTimeout).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS)
  })

  it('closes a body trickled a byte every 100 ms at the deadline, answering others meanwhile', async () => {
    const port = await router()
    const slow = slowRequest(port, { prefix: head(Buffer.byteLength(body)), trickle: body, everyMs: 100, giveUpMs: 8000 })
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200)
    const r = await slow
    expect(r.closedByServer, `still open after ${r.closedAfterMs} ms, ${r.sent} bytes sent`).toBe(true)
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 100)
    expect(r.closedAfterMs).toBeLessThan(TIMEOUT_MS + 3000)
    expect(r.answer).toMatch(/^HTTP\/1\.1 408 /)
  })

  it('closes a head trickled a byte every 100 ms at the deadline', async () => {
    const port = await router()
    const r = await slowRequest(port, { prefix: '', trickle: `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n${'X-Pad: a\r\n'.repeat(200)}\r\n`, everyMs: 100, giveUpMs: 8000 })
    expect(r.closedByServer, `still open after ${r.closedAfterMs} ms, ${r.sent} bytes sent`).toBe(true)
    expect(r.closedAfterMs).toBeLessThan(TIMEOUT_MS + 3000)
  })

  it('refuses a declared Content-Length over the limit before reading the body', async () => {
    const port = await router()
    const r = await slowRequest(port, { prefix: head(64 * 1024 * 1024), trickle: 'x'.repeat(100), everyMs: 50, giveUpMs: 4000 })
    expect(r.answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(r.answer).toContain('HP_ERR_BODY_TOO_LARGE')
  })
})
