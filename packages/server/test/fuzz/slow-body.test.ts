import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { sampleRowCount } from '../compat/stored.js'
import { build } from '../helper.js'
import { FUZZ_ENV } from './runs.js'
import { slowRequest } from './slow-body.js'

/**
 * Slowloris against the listening server: a request whose body (or head) arrives a byte every
 * 100 ms never times out on idleness, so only a limit on the whole request ends it. The server
 * must close it within `REQUEST_TIMEOUT_MS` (plus Node's check interval), while a normal
 * request on another connection is still answered.
 */
const TIMEOUT_MS = 1500

async function listening () {
  const t = await build({ ...FUZZ_ENV, REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) })
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  return { t, port: (t.app.server.address() as AddressInfo).port }
}

const body = JSON.stringify({ installation_id: '7d3f8a52-3c1e-4b6a-9f0e-2a1b3c4d5e6f', data: [{ timestamp: Date.UTC(2026, 10, 27, 11) / 1000, temp_outside: 4 }] })
const head = (length: number) => `POST /api/v1/submit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`

describe('fuzz: slow bodies (slowloris)', () => {
  it('closes a body trickled a byte every 100 ms within REQUEST_TIMEOUT_MS, storing nothing', async () => {
    const { t, port } = await listening()
    const slow = slowRequest(port, { prefix: head(Buffer.byteLength(body)), trickle: body, everyMs: 100, giveUpMs: 8000 })
    // Meanwhile the server answers others.
    const health = await fetch(`http://127.0.0.1:${port}/health`)
    expect(health.status).toBe(200)
    const r = await slow
    expect(r.closedByServer, `still open after ${r.closedAfterMs} ms, ${r.sent} bytes sent`).toBe(true)
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 100)
    expect(r.closedAfterMs).toBeLessThan(TIMEOUT_MS + 3000)
    expect(r.answer).toMatch(/^HTTP\/1\.1 408 /)
    expect(await sampleRowCount(t)).toBe(0)
  })

  it('closes a request head trickled a byte every 100 ms within REQUEST_TIMEOUT_MS', async () => {
    const { port } = await listening()
    const r = await slowRequest(port, { prefix: '', trickle: `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n${'X-Pad: a\r\n'.repeat(200)}\r\n`, everyMs: 100, giveUpMs: 8000 })
    expect(r.closedByServer, `still open after ${r.closedAfterMs} ms, ${r.sent} bytes sent`).toBe(true)
    expect(r.closedAfterMs).toBeLessThan(TIMEOUT_MS + 3000)
  })

  it('refuses a declared Content-Length over the body limit at once, before reading it', async () => {
    const { port } = await listening()
    const r = await slowRequest(port, { prefix: head(64 * 1024 * 1024), trickle: 'x'.repeat(100), everyMs: 50, giveUpMs: 4000 })
    expect(r.answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(r.answer).toContain('HP_ERR_BODY_TOO_LARGE')
    expect(r.sent).toBeLessThan(head(64 * 1024 * 1024).length + 40)
  })
})
