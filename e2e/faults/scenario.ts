// One fault-injection run: a simulated fleet relays through a real agent process to a real
// server process whose samples live in a real VictoriaMetrics, the agent reaching the server
// through a loopback proxy that can drop or stall connections, its outbox on a disk that can
// fill up. While the loggers send, faults fire at seeded moments: kill -9 of the agent, the
// server or VictoriaMetrics, a dropping or stalling network, a full disk. Then the network heals,
// everything is up, the agent drains, VictoriaMetrics is killed once more right after the last
// write, and the run reconciles what the fleet produced with what the server holds.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { startVictoriaMetrics, type VictoriaMetricsProcess } from '../../packages/server/test/engines/victoriametrics.js'
import { prng } from '../logger.js'
import { flushUntilEmpty, freePort, HOST, sleep, startAgent, startServer, tempDir } from '../processes.js'
import { UploadProxy } from '../upload-proxy.js'
import { smallDisk } from './disk.js'
import { relay, simFleet, type Chunk, type FleetShape } from './fleet.js'
import { held, reconcile, type Reconciliation } from './reconcile.js'

export const FAULT_KINDS = ['kill-agent', 'kill-server', 'kill-vm', 'network-drop', 'network-stall', 'disk-full'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

export interface FaultRunOptions extends FleetShape {
  /** The loggers' sending is spread over about this long, and the faults with it. */
  readonly durationMs: number
  /** Each kind this many times, at seeded moments in seeded order. */
  readonly rounds: number
  readonly log?: (line: string) => void
}

export interface FaultEvent {
  readonly kind: FaultKind
  /** ms after the start of sending. */
  readonly atMs: number
  /** How long the fault lasts (the process is down, the network bad, the disk full). */
  readonly forMs: number
}

export interface FaultRunReport extends Reconciliation {
  readonly seed: number
  readonly homes: number
  readonly faults: readonly FaultEvent[]
  /** Faults by kind that could not be injected here, and why. */
  readonly unavailable: Readonly<Record<string, string>>
  /** What the agent's relay answered to refused chunks (status and code), by answer. */
  readonly refusals: Readonly<Record<string, number>>
  readonly proxy: { readonly dropped: number, readonly stalled: number, readonly submits: number }
  readonly elapsedMs: number
}

/** The faults of a run: every kind `rounds` times, at seeded moments, none overlapping. */
export function faultPlan (seed: number, rounds: number, durationMs: number): FaultEvent[] {
  const random = prng(seed)
  const kinds = Array.from({ length: rounds }, () => [...FAULT_KINDS]).flat()
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j] as FaultKind, kinds[i] as FaultKind]
  }
  const slot = durationMs / kinds.length
  return kinds.map((kind, i) => ({
    kind,
    atMs: Math.round(i * slot + random() * slot * 0.3),
    forMs: Math.round(300 + random() * Math.min(2500, slot * 0.5)),
  }))
}

/** The agent's request timeout: a stalled upload is given up after this long. */
const AGENT_TIMEOUT_MS = 2000

export async function runFaults (o: FaultRunOptions): Promise<FaultRunReport | undefined> {
  const log = o.log ?? (() => {})
  const started = Date.now()
  const vm = await startVictoriaMetrics()
  if (vm === undefined) return undefined
  const pool = `faults${randomBytes(4).toString('hex')}`
  const serverPort = await freePort()
  const serverDir = tempDir('heatpool-faults-server-')
  const launchServer = () => startServer({
    port: serverPort,
    dataDir: serverDir,
    env: {
      SAMPLE_STORE: 'victoriametrics',
      VM_URL: vm.url,
      VM_POOL: pool,
      VM_TIMEOUT_MS: '1500',
      RATE_LIMIT_PER_MINUTE: '100000',
      RATE_LIMIT_IP_PER_MINUTE: '1000000',
      TRAINING_TIME: '',
      BADGES_SCHEDULE: '',
      SHUTDOWN_GRACE_MS: '2000',
    },
  })
  let server = await launchServer()
  const proxy = await new UploadProxy(serverPort).listen()

  const agentPort = await freePort()
  const agentUrl = `http://${HOST}:${agentPort}`
  const agentDir = tempDir('heatpool-faults-agent-')
  const disk = smallDisk(join(agentDir, 'outbox'), 16 * 1024 * 1024)
  const launchAgent = () => startAgent({
    port: agentPort,
    dataDir: agentDir,
    serverUrl: proxy.url,
    env: { AGENT_UPLOAD_INTERVAL: '1', AGENT_REQUEST_TIMEOUT_MS: String(AGENT_TIMEOUT_MS), AGENT_RETRY_MIN_MS: '100', AGENT_RETRY_MAX_MS: '1000' },
  })
  let agent = await launchAgent()

  const fleet = simFleet(o)
  const plan = faultPlan(o.seed, o.rounds, o.durationMs)
  const unavailable: Record<string, string> = {}
  if (disk.unavailable !== undefined) unavailable['disk-full'] = disk.unavailable
  log(`fault run seed ${o.seed}: ${o.homes} homes × ${o.recordsPerHome} records in ${fleet.chunks.length} chunks, ${plan.length} faults over ${o.durationMs} ms`)

  try {
    const t0 = Date.now()
    let sending = true
    const loggers = (async () => {
      const pace = o.durationMs / fleet.chunks.length
      for (const [i, chunk] of fleet.chunks.entries()) {
        const due = t0 + i * pace
        if (Date.now() < due) await sleep(due - Date.now())
        await relay(agentUrl, chunk)
      }
      sending = false
    })()

    const injector = (async () => {
      for (const f of plan) {
        if (Date.now() < t0 + f.atMs) await sleep(t0 + f.atMs - Date.now())
        log(`+${Date.now() - t0} ms ${f.kind} for ${f.forMs} ms`)
        switch (f.kind) {
          case 'kill-agent':
            await agent.kill9()
            await sleep(f.forMs)
            agent = await launchAgent()
            break
          case 'kill-server':
            await server.kill9()
            await sleep(f.forMs)
            server = await launchServer()
            break
          case 'kill-vm':
            await vm.kill()
            await sleep(f.forMs)
            await vm.start()
            break
          case 'network-drop':
          case 'network-stall':
            proxy.mode = f.kind === 'network-drop' ? 'drop' : 'stall'
            await sleep(f.forMs)
            proxy.mode = 'pass'
            break
          case 'disk-full':
            if (disk.unavailable === undefined) {
              disk.fill()
              await sleep(f.forMs)
              disk.free()
            }
            break
        }
      }
    })()
    await Promise.all([loggers, injector])
    if (sending) throw new Error('the loggers did not finish')

    // Healed: everything drains; then VictoriaMetrics crashes right after the last writes, which
    // the server must make good from its replay buffer (VM_REPLAY_SECONDS).
    await flushUntilEmpty(agentUrl, 120_000)
    await vm.kill()
    await vm.start()
    const report = await settle(fleet.chunks, { dataDir: serverDir, vm: { url: vm.url, pool } }, vm)
    const refusals: Record<string, number> = {}
    for (const c of fleet.chunks) {
      if (c.outcome === 'refused' || c.outcome === 'in_doubt') {
        const key = `${c.outcome} ${(c.answer ?? '').replace(/"detail".*$/, '').slice(0, 80)}`
        refusals[key] = (refusals[key] ?? 0) + 1
      }
    }
    await agent.stop()
    await server.stop()
    return {
      seed: o.seed,
      homes: o.homes,
      faults: plan,
      unavailable,
      refusals,
      proxy: { ...proxy.network, submits: proxy.attempts.length },
      elapsedMs: Date.now() - started,
      ...report,
    }
  } finally {
    await proxy.close()
    await agent.kill9()
    await server.kill9()
    disk.unmount()
  }
}

/**
 * Reconciles until nothing acknowledged is missing or 20 s have passed: the server re-sends its
 * recent writes to a restarted VictoriaMetrics within a few seconds, not at once.
 */
async function settle (chunks: readonly Chunk[], loc: Parameters<typeof held>[0], vm: VictoriaMetricsProcess): Promise<Reconciliation> {
  const deadline = Date.now() + 20_000
  for (;;) {
    await fetch(`${vm.url}/internal/force_flush`).catch(() => undefined)
    const r = reconcile(chunks, await held(loc))
    if ((r.lost === 0 && r.ledgerMismatches.length === 0) || Date.now() > deadline) return r
    await sleep(500)
  }
}
