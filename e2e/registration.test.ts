// Registration is the one exchange the agent cannot repeat: the server makes the token, shows
// it once and keeps only its hash. If its answer is lost — the connection drops, the request
// times out, or the agent is killed before the token file is written — the server has the
// installation registered and refuses every later registration with 409, and the agent has no
// token: nothing of that installation can ever be uploaded.
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

  // BUG (reported with issue 4). `.fails` passes only while the agent ends in the known stuck
  // state (409 `registration_refused` for good); any other failure is printed and returned, so
  // `.fails` turns red and shows it. Drop `.fails` once the bug is fixed.
  it.fails('BUG: uploads after the answer to its registration was lost', async () => {
    try {
      await lostRegistrationAnswer()
    } catch (err) {
      if (String(err).includes("expected 'registration_refused' to be null")) throw err
      console.error('registration test failed for another reason than the known bug:', err)
    }
  })
})
