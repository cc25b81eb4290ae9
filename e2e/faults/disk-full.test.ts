// A full disk under the agent's outbox (a finding of the fault-injection suite): the relay must
// refuse the logger's records with a stable code it can act on — not a bare 500 — keep what it
// had already acknowledged, keep its counts right, and take records again once space is back.
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { chunksOf, loggerRecords, relayChunk } from '../logger.js'
import { agentStatus, cleanupAll, flushUntilEmpty, freePort, HOST, httpRequest, startAgent, startServer, tempDir } from '../processes.js'
import { readInstallation } from '../store.js'
import { smallDisk, unmountAll } from './disk.js'

describe('agent outbox on a full disk', () => {
  afterAll(() => {
    unmountAll() // before the temp dirs holding the mount points are removed
    cleanupAll()
  })

  it('answers 507 HP_ERR_OUTBOX_DISK_FULL, keeps acknowledged records and its counts, and recovers', async (ctx) => {
    const agentDir = tempDir('heatpool-faults-disk-agent-')
    const disk = smallDisk(join(agentDir, 'outbox'), 4 * 1024 * 1024)
    if (disk.unavailable !== undefined) {
      // Mounting needs root, like the engines need their binaries: CI (HEATPOOL_REQUIRE_ENGINES=1) runs as root.
      if (process.env.HEATPOOL_REQUIRE_ENGINES === '1') throw new Error(disk.unavailable)
      return ctx.skip(disk.unavailable)
    }
    try {
      const installationId = randomUUID()
      const serverPort = await freePort()
      const agentPort = await freePort()
      const agentUrl = `http://${HOST}:${agentPort}`
      const serverDir = tempDir('heatpool-faults-disk-server-')
      const server = await startServer({ port: serverPort, dataDir: serverDir })
      // Daily uploads: the outbox keeps what it acknowledged until the flush at the end.
      const agent = await startAgent({ port: agentPort, dataDir: agentDir, serverUrl: `http://${HOST}:${serverPort}`, env: { AGENT_UPLOAD_INTERVAL: '86400' } })
      const [before, during, after] = chunksOf(loggerRecords(300, Math.floor(Date.now() / 1000 / 30) * 30 - 60, 30), 100)

      expect((await relayChunk(agentUrl, installationId, before ?? [])).kind).toBe('acknowledged')
      const ballast = disk.fill()
      expect(ballast).toBeGreaterThan(0)
      const body = JSON.stringify({ installation_id: installationId, heatpump_model: 'AERO SLM', version: '1.0.2', data: during })
      const full = await httpRequest('POST', `${agentUrl}/api/v1/submit`, body, { 'content-type': 'application/json' })
      expect(full.status).toBe(507)
      expect(JSON.parse(full.body)).toMatchObject({ code: 'HP_ERR_OUTBOX_DISK_FULL', detail: expect.stringContaining('disk') })
      // Still serving, and its counts are those of what it holds.
      expect(agent.running).toBe(true)
      expect((await agentStatus(agentUrl)).outbox).toMatchObject({ records: 100, pendingBatches: 0 })

      disk.free()
      expect((await relayChunk(agentUrl, installationId, after ?? [])).kind).toBe('acknowledged')
      expect((await agentStatus(agentUrl)).outbox).toMatchObject({ records: 200 })
      const drained = await flushUntilEmpty(agentUrl, 30_000)
      expect(drained.outbox).toMatchObject({ records: 0, uploaded: 200, dropped: 0 })
      expect(await agent.stop()).toEqual({ code: 0, signal: null })
      expect(await server.stop()).toEqual({ code: 0, signal: null })

      const stored = readInstallation(serverDir, installationId)
      expect(stored.rows.map((r) => r.tsS)).toEqual([...(before ?? []), ...(after ?? [])].map((r) => r.timestamp))
      expect(stored.samplesTotal).toBe(stored.cells)
    } finally {
      disk.unmount()
    }
  })
})
