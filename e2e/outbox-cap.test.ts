// Outbox cap (issue 4, "How it is checked"): with no server to upload to, filling the agent's
// outbox past AGENT_OUTBOX_MAX_BYTES drops the oldest data, counts it, and the agent keeps
// running; once a server is there, exactly the newest records arrive.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { chunksOf, loggerRecords, relayChunk } from './logger.js'
import { agentStatus, cleanupAll, flushUntilEmpty, freePort, HOST, httpRequest, startAgent, startServer, tempDir } from './processes.js'
import { readInstallation } from './store.js'

const CAP = 64 * 1024
const RECORDS = 2_000
const CHUNK = 100

describe('agent outbox cap across processes', () => {
  afterAll(() => cleanupAll())

  it('drops the oldest records past the cap, counts them, keeps running, and uploads the newest', async () => {
    const installationId = randomUUID()
    const serverPort = await freePort() // nothing listens here until the end
    const agentPort = await freePort()
    const agentUrl = `http://${HOST}:${agentPort}`
    const agentDir = tempDir('heatpool-e2e-cap-agent-')
    const serverDir = tempDir('heatpool-e2e-cap-server-')
    const launchAgent = () => startAgent({
      port: agentPort,
      dataDir: agentDir,
      serverUrl: `http://${HOST}:${serverPort}`,
      env: { AGENT_OUTBOX_MAX_BYTES: String(CAP) },
    })
    let agent = await launchAgent()

    const records = loggerRecords(RECORDS, Math.floor(Date.now() / 1000 / 30) * 30 - 3600, 30)
    const recordBytes = Buffer.byteLength(JSON.stringify(records[0]))
    expect(RECORDS * recordBytes).toBeGreaterThan(3 * CAP) // well past the cap
    let droppedByAnswers = 0
    const relay = async (chunks: typeof records[]) => {
      for (const chunk of chunks) {
        const out = await relayChunk(agentUrl, installationId, chunk)
        expect(out.kind).toBe('acknowledged')
        if (out.kind === 'acknowledged') droppedByAnswers += out.droppedOldest
      }
    }
    const chunks = chunksOf(records, CHUNK)
    // Under the cap first, until the uploader has tried and failed: the oldest 500 records are
    // then a pending batch (with its idempotency key), which the cap must drop as a whole.
    await relay(chunks.slice(0, 5))
    const deadline = Date.now() + 20_000
    let tried = await agentStatus(agentUrl)
    while (tried.last_upload === null || tried.outbox.pendingBatches === 0) {
      if (Date.now() > deadline) throw new Error(`no upload attempt within 20 s: ${JSON.stringify(tried)}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
      tried = await agentStatus(agentUrl)
    }
    expect(tried.outbox).toMatchObject({ records: 500, dropped: 0, pendingBatches: 1 })
    expect(tried.last_upload?.outcome).toBe('no_credential') // registration cannot reach the server
    await relay(chunks.slice(5))

    const full = await agentStatus(agentUrl)
    expect(full.outbox.dropped).toBeGreaterThan(0)
    expect(full.outbox.dropped).toBe(droppedByAnswers)
    expect(full.outbox.records + full.outbox.dropped).toBe(RECORDS)
    expect(full.outbox.bytes).toBeLessThanOrEqual(CAP)
    // Still serving: health, status, metrics, and the relay itself.
    expect((await httpRequest('GET', `${agentUrl}/health`, undefined)).status).toBe(200)
    const metrics = await httpRequest('GET', `${agentUrl}/metrics`, undefined)
    expect(metrics.body).toContain(`heatpool_agent_outbox_dropped_records ${full.outbox.dropped}`)
    expect(agent.running).toBe(true)

    // The count is durable: a restart keeps it and the records.
    expect(await agent.stop()).toEqual({ code: 0, signal: null })
    agent = await launchAgent()
    const again = await agentStatus(agentUrl)
    expect(again.outbox).toMatchObject({ records: full.outbox.records, dropped: full.outbox.dropped, bytes: full.outbox.bytes })

    // A server appears: what arrives is exactly the newest records, the oldest are the ones gone.
    const server = await startServer({ port: serverPort, dataDir: serverDir })
    const drained = await flushUntilEmpty(agentUrl, 60_000)
    expect(drained.outbox).toMatchObject({ records: 0, dropped: full.outbox.dropped, uploaded: full.outbox.records })
    expect(await agent.stop()).toEqual({ code: 0, signal: null })
    expect(await server.stop()).toEqual({ code: 0, signal: null })

    const stored = readInstallation(serverDir, installationId)
    const newest = records.slice(RECORDS - full.outbox.records).map((r) => r.timestamp)
    expect(stored.rows.map((r) => r.tsS)).toEqual(newest)
    expect(stored.samplesTotal).toBe(stored.cells)
    console.log(JSON.stringify({ cap: CAP, recordBytes, sent: RECORDS, kept: full.outbox.records, dropped: full.outbox.dropped, bytes: full.outbox.bytes, pendingBatches: full.outbox.pendingBatches, lastUpload: full.last_upload }))
  })
})
