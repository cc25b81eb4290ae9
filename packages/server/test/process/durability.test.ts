import { randomUUID } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, SERVER_ENTRY, startServer, tempDir } from './server-process.js'

const ADMIN = 'proc-admin-token'

function batch (id: string, n: number, startS: number) {
  return {
    installation_id: id,
    heatpump_model: 'AERO SLM',
    version: '1.0.2',
    data: Array.from({ length: n }, (_, i) => ({ timestamp: startS + i * 30, temp_outside: 4 + (i % 10) / 10, temp_heat_pump_flow: 35, power_current: 5.1, power_current_draw: 1.2 })),
  }
}

async function post (url: string, body: unknown) {
  const res = await fetch(`${url}/api/v1/submit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer shared' }, body: JSON.stringify(body) })
  return { status: res.status, json: await res.json() as { values: { stored: number } } }
}

async function samplesOf (url: string, id: string): Promise<number> {
  const res = await fetch(`${url}/api/v2/admin/installations/${id}`, { headers: { authorization: `Bearer ${ADMIN}` } })
  return ((await res.json()) as { samples_total: number }).samples_total
}

describe('the server process', () => {
  const dir = tempDir()
  beforeAll(() => ensureBuilt())
  afterAll(() => dir.remove())

  it('loses nothing it answered 200 for when killed with SIGKILL right after', async () => {
    const env = { DATA_DIR: dir.path, AUTH_TOKEN: 'shared', ADMIN_TOKEN: ADMIN, SQLITE_SYNCHRONOUS: 'full' }
    const server = await startServer(env)
    const id = randomUUID()
    const now = Math.floor(Date.now() / 1000) - 22 * 3600
    let acknowledged = 0
    for (let b = 0; b < 5; b++) {
      const res = await post(server.url, batch(id, 500, now + b * 500 * 30))
      expect(res.status).toBe(200)
      acknowledged += res.json.values.stored
    }
    server.child.kill('SIGKILL')
    expect((await server.exited).signal).toBe('SIGKILL')

    const again = await startServer(env)
    try {
      expect(acknowledged).toBe(5 * 500 * 4)
      expect(await samplesOf(again.url, id)).toBe(acknowledged)
    } finally {
      again.child.kill('SIGTERM')
      await again.exited
    }
  })

  it('finishes an in-flight batch on SIGTERM, then exits cleanly', async () => {
    const server = await startServer({ DATA_DIR: dir.path, AUTH_TOKEN: 'shared', ADMIN_TOKEN: ADMIN })
    const id = randomUUID()
    const pending = post(server.url, batch(id, 5000, Math.floor(Date.now() / 1000) - 3 * 86400))
    await new Promise((r) => setTimeout(r, 20))
    server.child.kill('SIGTERM')
    const res = await pending
    expect(res.status).toBe(200)
    expect(res.json.values.stored).toBe(20_000)
    expect(await server.exited).toEqual({ code: 0, signal: null })

    const again = await startServer({ DATA_DIR: dir.path, ADMIN_TOKEN: ADMIN })
    try {
      expect(await samplesOf(again.url, id)).toBe(20_000)
    } finally {
      again.child.kill('SIGTERM')
      await again.exited
    }
  })

  it('prints a generated admin token once, on the first start only', async () => {
    const fresh = tempDir()
    try {
      const first = await startServer({ DATA_DIR: fresh.path })
      first.child.kill('SIGTERM')
      await first.exited
      const token = /\n {2}(hpa_[A-Za-z0-9_-]+)\n/.exec(first.stdout())?.[1]
      expect(token).toBeDefined()

      const second = await startServer({ DATA_DIR: fresh.path })
      try {
        expect(second.stdout()).not.toContain('hpa_')
        const res = await fetch(`${second.url}/api/v2/admin/installations`, { headers: { authorization: `Bearer ${token}` } })
        expect(res.status).toBe(200)
      } finally {
        second.child.kill('SIGTERM')
        await second.exited
      }
    } finally {
      fresh.remove()
    }
  })

  it('refuses to start with a bad configuration and says why', () => {
    const res = spawnSync(process.execPath, [SERVER_ENTRY], { env: { PATH: process.env.PATH, PORT: 'eighty', SQLITE_SYNCHRONOUS: 'off' }, encoding: 'utf8' })
    expect(res.status).toBe(1)
    expect(res.stderr).toContain('cannot load configuration: PORT="eighty": must be a whole number; SQLITE_SYNCHRONOUS="off": must be one of full, normal')
  })
})
