// Upload answers (issue 4, "How it is checked"): the server answering 429 with `Retry-After: 5`
// delays the next attempt by at least 5 s; a 422 quarantines the batch and the next batch
// still goes out. The 429 and the 422 are given by the recording proxy in the real server's
// place; everything else is the real server.
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { chunksOf, loggerRecords, relayChunk } from './logger.js'
import { agentStatus, cleanupAll, freePort, HOST, httpRequest, sleep, startAgent, startServer, tempDir } from './processes.js'
import { readInstallation } from './store.js'
import { closeAllProxies, UploadProxy, type SubmitAttempt } from './upload-proxy.js'

describe('agent upload answers across processes', () => {
  afterAll(() => {
    closeAllProxies()
    cleanupAll()
  })

  it('waits out Retry-After on 429, quarantines a 422 batch and sends the next one', async () => {
    const installationId = randomUUID()
    const serverPort = await freePort()
    const agentPort = await freePort()
    const agentUrl = `http://${HOST}:${agentPort}`
    const serverDir = tempDir('heatpool-e2e-retry-server-')
    const agentDir = tempDir('heatpool-e2e-retry-agent-')
    const server = await startServer({ port: serverPort, dataDir: serverDir })
    const proxy = await new UploadProxy(serverPort).listen()
    // A daily schedule: nothing goes out until the flush below, so the batches are 3 × 500.
    const launchAgent = () => startAgent({ port: agentPort, dataDir: agentDir, serverUrl: proxy.url, env: { AGENT_UPLOAD_INTERVAL: '86400' } })
    let agent = await launchAgent()

    const records = loggerRecords(1500, Math.floor(Date.now() / 1000 / 30) * 30 - 3600, 30)
    for (const chunk of chunksOf(records, 100)) expect((await relayChunk(agentUrl, installationId, chunk)).kind).toBe('acknowledged')

    const keys: string[] = []
    proxy.hooks = {
      onSubmit: (a: SubmitAttempt) => {
        const key = a.idempotencyKey as string
        if (!keys.includes(key)) keys.push(key)
        if (a.n === 1) return { status: 429, headers: { 'retry-after': '5' }, body: { code: 'HP_ERR_RATE_LIMITED', detail: 'slow down' } }
        if (keys.indexOf(key) === 1) return { status: 422, body: { code: 'HP_ERR_VALIDATION', detail: 'cannot validate request: injected by the test' } }
        return undefined
      },
    }
    const flushed = await httpRequest('POST', `${agentUrl}/api/flush`, undefined)
    expect(flushed.status).toBe(200)
    expect((JSON.parse(flushed.body) as { last_upload: { status: number } }).last_upload.status).toBe(429)

    const deadline = Date.now() + 30_000
    while ((await agentStatus(agentUrl)).outbox.records !== 500) {
      if (Date.now() > deadline) throw new Error(`the batches did not go out within 30 s: ${JSON.stringify(proxy.attempts)}`)
      await sleep(50)
    }
    const [first, retry, refused, next] = proxy.attempts
    expect(proxy.attempts).toHaveLength(4)
    // 429: the same batch again, not before Retry-After (and not much later: backoff max 2 s, tick 1 s).
    expect(retry?.idempotencyKey).toBe(first?.idempotencyKey)
    expect(retry?.bodySha).toBe(first?.bodySha)
    const waitedMs = (retry?.at ?? 0) - (first?.at ?? 0)
    expect(waitedMs).toBeGreaterThanOrEqual(5000)
    expect(waitedMs).toBeLessThan(9000)
    expect(retry?.status).toBe(200)
    // 422: quarantined, and the next batch went out right after.
    expect(refused?.injected).toBe(422)
    expect(next?.idempotencyKey).not.toBe(refused?.idempotencyKey)
    expect(next?.status).toBe(200)
    expect((next?.at ?? 0) - (refused?.at ?? 0)).toBeLessThan(1000)

    const status = await agentStatus(agentUrl)
    expect(status.outbox).toMatchObject({ records: 500, quarantinedBatches: 1, quarantinedRecords: 500, pendingBatches: 0, uploaded: 1000 })
    expect(status.quarantined).toEqual([expect.objectContaining({ status: 422 })])

    // Kept on disk across a restart, never sent again by itself, not even by a flush.
    expect(await agent.stop()).toEqual({ code: 0, signal: null })
    agent = await launchAgent()
    expect((await httpRequest('POST', `${agentUrl}/api/flush`, undefined)).status).toBe(200)
    await sleep(2500)
    const after = await agentStatus(agentUrl)
    expect(after.outbox).toMatchObject({ records: 500, quarantinedBatches: 1, quarantinedRecords: 500 })
    expect(proxy.attempts).toHaveLength(4)

    expect(await agent.stop()).toEqual({ code: 0, signal: null })
    expect(await server.stop()).toEqual({ code: 0, signal: null })
    await proxy.close()
    const stored = readInstallation(serverDir, installationId)
    expect(stored.rows.map((r) => r.tsS)).toEqual([...(first?.timestamps ?? []), ...(next?.timestamps ?? [])])
    expect(refused?.timestamps).toEqual(records.slice(500, 1000).map((r) => r.timestamp))
    console.log(JSON.stringify({ retryAfterWaitMs: waitedMs, quarantineToNextMs: (next?.at ?? 0) - (refused?.at ?? 0) }))
  })
})
