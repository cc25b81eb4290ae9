// The agent issue's acceptance test (issue 4, "How it is checked"): a real server process and
// a real agent process on loopback; a simulated logger relays 3 days of data through the agent;
// the server is stopped for part of it and restarted; the agent is `kill -9`ed twice in the
// middle of an upload. Afterwards the server must hold every record the agent acknowledged,
// exactly once.
//
// Between the agent and the server sits a recording proxy (upload-proxy.ts): it is how the test
// knows an upload is in flight when it kills the agent, and what went over the wire.
// E2E_SEED=<n> replays a run's random choices (printed at the end).
import { randomUUID } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { chunksOf, loggerRecords, outdoorOf, prng, relayChunk } from './logger.js'
import {
  ADMIN_TOKEN,
  agentStatus,
  cleanupAll,
  flushUntilEmpty,
  freePort,
  getJson,
  HOST,
  sleep,
  startAgent,
  startServer,
  tempDir,
  type NodeProcess,
} from './processes.js'
import { readInstallation } from './store.js'
import { closeAllProxies, UploadProxy, type SubmitAttempt } from './upload-proxy.js'

const STEP_S = 30
const DAYS = 3
const RECORDS = DAYS * 86_400 / STEP_S // 8,640
const CHUNK = 120 // records per relay POST
const CHUNKS_PER_DAY = RECORDS / CHUNK / DAYS

async function waitFor (what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!await check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(20)
  }
}

interface Kill {
  readonly label: string
  readonly attempt: number
  readonly key: string | null
  /** The server's answer at the moment of the kill: null = still working on the batch. */
  readonly serverStatus: number | null
  readonly answerDelivered: boolean
  readonly restartMs: number
}

describe('agent relay across processes (issue 4 acceptance)', () => {
  afterAll(() => {
    closeAllProxies()
    cleanupAll()
  })

  it('delivers every acknowledged record exactly once despite a server outage and two kill -9 mid-upload', async () => {
    const seed = Number(process.env.E2E_SEED ?? Math.floor(Math.random() * 1e9))
    const rand = prng(seed)
    const t0 = Date.now()
    const installationId = randomUUID()
    const serverDir = tempDir('heatpool-e2e-server-')
    const agentDir = tempDir('heatpool-e2e-agent-')
    const serverPort = await freePort()
    const agentPort = await freePort()
    const agentUrl = `http://${HOST}:${agentPort}`

    let server = await startServer({ port: serverPort, dataDir: serverDir })
    const proxy = await new UploadProxy(serverPort).listen()
    const launchAgent = () => startAgent({ port: agentPort, dataDir: agentDir, serverUrl: proxy.url })
    let agent: NodeProcess = await launchAgent()

    // ---- kill -9 at a chosen point of an upload, then start the agent again on the same dir
    const kills: Kill[] = []
    let restarting: Promise<void> = Promise.resolve()
    const killNow = (label: string, a: SubmitAttempt) => {
      const victim = agent
      const startedAt = Date.now()
      const seen = { serverStatus: a.status, answerDelivered: a.delivered }
      void victim.kill9() // sends SIGKILL synchronously; the proxy cuts the connection after this
      restarting = (async () => {
        const exit = await victim.exited
        if (exit.signal !== 'SIGKILL') throw new Error(`the agent exited with ${JSON.stringify(exit)} instead of dying of SIGKILL`)
        agent = await launchAgent()
        kills.push({ label, attempt: a.n, key: a.idempotencyKey, ...seen, restartMs: Date.now() - startedAt })
      })()
    }

    const records = loggerRecords(RECORDS, Math.floor(Date.now() / 1000 / STEP_S) * STEP_S - 3600, STEP_S)
    const chunks = chunksOf(records, CHUNK)
    const acknowledged = new Set<number>()
    const inDoubt = new Set<number>()
    const relayed = { posts: 0, inDoubtPosts: 0, refused: [] as string[] }
    const relay = async (from: number, to: number) => {
      for (let c = from; c < to; c++) {
        const chunk = chunks[c] as typeof records
        const out = await relayChunk(agentUrl, installationId, chunk)
        relayed.posts++
        if (out.kind === 'acknowledged') {
          expect(out.droppedOldest).toBe(0)
          for (const r of chunk) acknowledged.add(r.timestamp)
        } else if (out.kind === 'in_doubt') {
          relayed.inDoubtPosts++
          for (const r of chunk) inDoubt.add(r.timestamp)
        } else {
          relayed.refused.push(`${out.status} ${out.body.slice(0, 200)}`)
        }
      }
    }

    // ---- day 1, server up. Kill 1: the server has stored the k-th batch and answered 200; the
    // answer is held back, so the agent dies not knowing its batch arrived.
    const k1 = 1 + Math.floor(rand() * 3)
    let answered = 0
    proxy.hooks = {
      onAnswer: (a) => {
        if (a.status !== 200 || ++answered !== k1) return 'deliver'
        proxy.hooks = {}
        killNow(`after the server stored batch ${a.n} (200), before the agent heard`, a)
        return 'hold'
      },
    }
    const tDay1 = Date.now()
    await relay(0, CHUNKS_PER_DAY)
    await waitFor('kill 1 (uploads of day 1)', 30_000, () => kills.length === 1)
    await restarting
    const day1Ms = Date.now() - tDay1

    // ---- day 2, server down (SIGTERM: it finishes what it is doing and exits cleanly)
    const tDown = Date.now()
    expect(await server.stop()).toEqual({ code: 0, signal: null })
    const attemptsBeforeOutage = proxy.attempts.length
    await relay(CHUNKS_PER_DAY, 2 * CHUNKS_PER_DAY)
    // The agent keeps accepting while the server is away, and its uploads fail and back off.
    await waitFor('two failed uploads during the outage', 20_000, async () =>
      proxy.attempts.slice(attemptsBeforeOutage).filter((a) => a.status === null).length >= 2 && (await agentStatus(agentUrl)).uploads.some((u) => u.attempts >= 2))
    const outage = await agentStatus(agentUrl)
    expect(outage.outbox.records).toBeGreaterThanOrEqual(CHUNKS_PER_DAY * CHUNK - CHUNK)

    // ---- day 3, server back on the same DATA_DIR and port. Kill 2: 0–8 ms after the j-th batch
    // went on to the server (its answer, if it comes first, is held back until the kill).
    server = await startServer({ port: serverPort, dataDir: serverDir })
    const outageMs = Date.now() - tDown
    const j = 1 + Math.floor(rand() * 2)
    const delayMs = Math.floor(rand() * 9)
    let forwarded = 0
    let victim: SubmitAttempt | undefined
    proxy.hooks = {
      onForwarded: (a) => {
        if (++forwarded !== j) return
        victim = a
        setTimeout(() => {
          proxy.hooks = { onAnswer: (b) => (b === a ? 'hold' : 'deliver') }
          killNow(`${delayMs} ms after batch ${a.n} went to the server (${a.status === null ? 'server still working' : `server answered ${a.status}, held back`})`, a)
        }, delayMs)
      },
      onAnswer: (a) => (a === victim ? 'hold' : 'deliver'),
    }
    await relay(2 * CHUNKS_PER_DAY, 3 * CHUNKS_PER_DAY)
    await waitFor('kill 2 (uploads after the outage)', 30_000, () => kills.length === 2)
    await restarting

    // ---- drain, then stop everything
    const tDrain = Date.now()
    const final = await flushUntilEmpty(agentUrl, 60_000)
    const drainMs = Date.now() - tDrain
    expect(final.outbox).toMatchObject({ records: 0, quarantinedBatches: 0, dropped: 0 })
    const admin = await getJson<{ samples_total: number, ledger: { day: string, samples: number, stored: number }[] }>(
      `http://${HOST}:${serverPort}/api/v2/admin/installations/${installationId}`, { authorization: `Bearer ${ADMIN_TOKEN}` })
    expect(await agent.stop()).toEqual({ code: 0, signal: null })
    expect(await server.stop()).toEqual({ code: 0, signal: null })
    await proxy.close()

    // ---- the logger's side: every chunk was either acknowledged or cut off by a kill
    expect(relayed.refused).toEqual([])
    expect(acknowledged.size + inDoubt.size).toBe(RECORDS)
    expect(kills).toHaveLength(2)
    for (const k of kills) expect(k.answerDelivered).toBe(false)

    // ---- the store: every acknowledged record exactly once, nothing that was never sent
    const stored = readInstallation(serverDir, installationId)
    expect(stored.heatPumps).toBe(1)
    const storedTs = stored.rows.map((r) => r.tsS)
    const storedSet = new Set(storedTs)
    expect(storedSet.size).toBe(storedTs.length)
    const missing = [...acknowledged].filter((ts) => !storedSet.has(ts))
    expect(missing).toEqual([])
    const extra = storedTs.filter((ts) => !acknowledged.has(ts) && !inDoubt.has(ts))
    expect(extra).toEqual([])
    const firstTs = (records[0] as { timestamp: number }).timestamp
    const wrongValues = stored.rows.filter((r) => r.tempOutdoor !== outdoorOf((r.tsS - firstTs) / STEP_S) || r.cells !== 4)
    expect(wrongValues).toEqual([])
    // No double counting: the installation's total and its ledger agree with the table.
    expect(stored.cells).toBe(4 * stored.rows.length)
    expect(stored.samplesTotal).toBe(stored.cells)
    expect(admin.samples_total).toBe(stored.cells)
    expect(stored.ledger.reduce((a, d) => a + d.stored, 0)).toBe(stored.cells)
    expect(admin.ledger.reduce((a, d) => a + d.stored, 0)).toBe(stored.cells)
    const perDay = new Map<number, number>()
    for (const r of stored.rows) perDay.set(Math.floor(r.tsS / 86_400), (perDay.get(Math.floor(r.tsS / 86_400)) ?? 0) + r.cells)
    for (const d of stored.ledger) {
      expect(d.stored).toBe(perDay.get(d.day))
      expect(d.samples).toBeLessThanOrEqual(d.stored)
    }

    // ---- the wire: one body per idempotency key, each record in one key only, nothing stored twice
    const byKey = new Map<string, SubmitAttempt[]>()
    for (const a of proxy.attempts) {
      expect(a.idempotencyKey).not.toBeNull()
      byKey.set(a.idempotencyKey as string, [...(byKey.get(a.idempotencyKey as string) ?? []), a])
    }
    const owner = new Map<number, string>()
    let storedByAnswers = 0
    for (const [key, attempts] of byKey) {
      expect(new Set(attempts.map((a) => a.bodySha)).size).toBe(1)
      const first = (attempts[0] as SubmitAttempt).timestamps
      for (const ts of first) {
        expect(owner.get(ts) ?? key).toBe(key)
        owner.set(ts, key)
      }
      const ok = attempts.filter((a) => a.status === 200)
      expect(ok.length).toBeGreaterThan(0)
      for (const a of ok) {
        expect(a.duplicate).toBe(0)
        expect(a.stored).toBe((ok[0] as SubmitAttempt).stored) // later ones are replays of the first answer
      }
      storedByAnswers += (ok[0] as SubmitAttempt).stored as number
    }
    expect(storedByAnswers).toBe(stored.cells)
    // The batch whose 200 the first kill swallowed went out again under its key, and was answered.
    const k1Key = (kills[0] as Kill).key as string
    expect((byKey.get(k1Key) ?? []).filter((a) => a.status === 200 && a.delivered).length).toBeGreaterThan(0)

    const inDoubtStored = [...inDoubt].filter((ts) => storedSet.has(ts)).length
    console.log(JSON.stringify({
      seed,
      totalMs: Date.now() - t0,
      day1Ms,
      outageMs,
      drainMs,
      records: RECORDS,
      relayPosts: relayed.posts,
      acknowledged: acknowledged.size,
      inDoubtPosts: relayed.inDoubtPosts,
      inDoubtRecords: inDoubt.size,
      inDoubtStored,
      inDoubtAbsent: inDoubt.size - inDoubtStored,
      storedRows: stored.rows.length,
      samplesTotal: stored.samplesTotal,
      uploadAttempts: proxy.attempts.length,
      keys: byKey.size,
      resentAttempts: proxy.attempts.length - byKey.size,
      noAnswer: proxy.attempts.filter((a) => a.status === null).length,
      others: Object.fromEntries(proxy.others),
      kills,
    }, null, 2))
  })
})
