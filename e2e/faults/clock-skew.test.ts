// Clock skew on the agent (fault-injection suite, issue 10 item 1). The agent takes no clock from
// its configuration, so it runs in this process (`startAgent(config, { clock })`) against a real
// server process, its clock set wrong the way home devices get it wrong: years ahead (a dead RTC
// battery, a bad NTP answer), then corrected back; and behind, then corrected forward. The
// loggers' records carry their own timestamps; whatever the agent's clock says, every record it
// acknowledged must reach the server once, within seconds of being due.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { loadAgentConfig } from '../../packages/agent/src/config.js'
import { startAgent, type AgentService } from '../../packages/agent/src/service.js'
import { chunksOf, loggerRecords, relayChunk } from '../logger.js'
import { agentStatus, cleanupAll, freePort, HOST, sleep, startServer, tempDir } from '../processes.js'
import { readInstallation } from '../store.js'

const YEAR_MS = 365 * 24 * 3600 * 1000

describe('agent clock skew', () => {
  const agents: AgentService[] = []
  afterAll(async () => {
    for (const a of agents) await a.close()
    cleanupAll()
  })

  it('uploads every acknowledged record once while its clock runs years ahead, is set back, runs behind and is set forward', async () => {
    const installationId = randomUUID()
    const serverPort = await freePort()
    const serverDir = tempDir('heatpool-faults-skew-server-')
    const server = await startServer({ port: serverPort, dataDir: serverDir })
    let skewMs = 3 * YEAR_MS
    const config = loadAgentConfig({
      HEATPOOL_SERVER_URL: `http://${HOST}:${serverPort}`,
      AGENT_PORT: String(await freePort()),
      AGENT_HOST: HOST,
      AGENT_DATA_DIR: tempDir('heatpool-faults-skew-agent-'),
      AGENT_CONSENT: 'true',
      AGENT_UPLOAD_INTERVAL: '2',
      AGENT_RETRY_MIN_MS: '200',
      AGENT_RETRY_MAX_MS: '1000',
      AGENT_MODEL_CHECK_INTERVAL: '0',
      AGENT_HEATPUMP_MODEL: 'AERO SLM',
      LOG_LEVEL: 'silent',
    })
    const agent = await startAgent(config, { clock: () => Date.now() + skewMs, tickMs: 100, httpLogs: false, webRoot: null })
    agents.push(agent)

    const records = loggerRecords(400, Math.floor(Date.now() / 1000 / 30) * 30 - 60, 30)
    const chunks = chunksOf(records, 100)
    /** Relays a chunk and answers how long the agent took to upload it (it must, within 10 s). */
    const relayAndUpload = async (chunk: typeof records): Promise<number> => {
      const before = (await agentStatus(agent.url)).outbox.uploaded
      expect((await relayChunk(agent.url, installationId, chunk)).kind).toBe('acknowledged')
      const t0 = Date.now()
      for (;;) {
        const status = await agentStatus(agent.url)
        if (status.outbox.uploaded >= before + chunk.length) return Date.now() - t0
        if (Date.now() - t0 > 10_000) throw new Error(`not uploaded within 10 s at skew ${skewMs} ms: ${JSON.stringify(status.outbox)} ${JSON.stringify(status.last_upload)}`)
        await sleep(50)
      }
    }
    const waits: Record<string, number> = {}
    waits.yearsAhead = await relayAndUpload(chunks[0] ?? [])
    skewMs = 0 // NTP sets it right: three years back
    waits.setBack = await relayAndUpload(chunks[1] ?? [])
    skewMs = -2 * 3600_000
    waits.behind = await relayAndUpload(chunks[2] ?? [])
    skewMs = 0
    waits.setForward = await relayAndUpload(chunks[3] ?? [])
    console.log(JSON.stringify({ uploadWaitMs: waits }))

    await agent.close()
    agents.length = 0
    expect(await server.stop()).toEqual({ code: 0, signal: null })
    const stored = readInstallation(serverDir, installationId)
    expect(stored.rows.map((r) => r.tsS)).toEqual(records.map((r) => r.timestamp))
    expect(stored.samplesTotal).toBe(stored.cells)
    expect(stored.ledger.reduce((a, d) => a + d.stored, 0)).toBe(stored.cells)
  })
})
