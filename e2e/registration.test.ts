// Registration used to be the one exchange the agent could not repeat: the server made the
// token, showed it once and kept only its hash, so a lost answer left the installation
// registered on the server (409 ever after) and the agent without a token. Now the agent
// proposes its own token, saved before asking, and a repeat with it is answered 200 again.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { chunksOf, loggerRecords, relayChunk } from './logger.js'
import { agentStatus, cleanupAll, freePort, HOST, httpRequest, sleep, startAgent, startServer, tempDir, type AgentStatus } from './processes.js'
import { closeAllProxies, UploadProxy } from './upload-proxy.js'

/** The registration answer (201, with the token) is cut off once; then the agent must still upload. */
async function lostRegistrationAnswer (): Promise<void> {
  const installationId = randomUUID()
  const serverPort = await freePort()
  const agentPort = await freePort()
  const agentUrl = `http://${HOST}:${agentPort}`
  const server = await startServer({ port: serverPort, dataDir: tempDir('heatpool-e2e-reg-server-') })
  const proxy = await new UploadProxy(serverPort).listen()
  const agent = await startAgent({ port: agentPort, dataDir: tempDir('heatpool-e2e-reg-agent-'), serverUrl: proxy.url })
  try {
    let lost = 0
    proxy.hooks = {
      onOtherAnswer: (request, status) => (request === 'POST /api/v2/installations' && status === 201 && lost++ === 0 ? 'hold' : 'deliver'),
    }
    for (const chunk of chunksOf(loggerRecords(500, Math.floor(Date.now() / 1000) - 3600, 30), 100)) {
      expect((await relayChunk(agentUrl, installationId, chunk)).kind).toBe('acknowledged')
    }
    const deadline = Date.now() + 10_000
    let status: AgentStatus
    for (;;) {
      await httpRequest('POST', `${agentUrl}/api/flush`, undefined)
      status = await agentStatus(agentUrl)
      if (status.outbox.records === 0 || Date.now() > deadline) break
      await sleep(200)
    }
    expect(lost).toBe(1)
    expect(status.uploads[0]?.problem ?? null).toBeNull() // today: 'registration_refused', for ever
    expect(status.outbox.records).toBe(0) // today: 500
  } finally {
    await agent.stop()
    await server.stop()
    await proxy.close()
  }
}

describe('agent registration across processes', () => {
  afterAll(() => {
    closeAllProxies()
    cleanupAll()
  })

  it('uploads after the answer to its registration was lost', async () => {
    await lostRegistrationAnswer()
  })
})
