// Issue 7's acceptance test, "End to end: simulator → server → training → agent download →
// scorer raises an anomaly for a unit with an injected fault and not for a healthy one", across
// real processes: one server, two agents (one per home, each with its own data dir and port).
//
// A simulated fleet of six AERO SLM homes in one climate; one of them starts short cycling on
// day 4 of 5. Days 0–4 (all healthy) reach the server: four homes post straight to it, the other
// two relay through their own agent, which registers them, pins the server's signing key and
// uploads. The server trains the AERO SLM community model; both agents download, verify and
// install it. Then the last day (the faulty home short-cycles) is relayed through each agent,
// which scores it in 15-minute windows: the faulty home's agent must raise an anomaly event
// naming its top three features, the healthy home's agent none over a whole day of windows.
//
// The simulator runs a fixed mild week of late November (short cycling only shows while the
// heating load is below the compressor's minimum output: not in deep winter, when it runs
// through, nor in summer, when it does not heat) and its timestamps are moved to the last five
// days before now by a whole number of 15-minute windows, so the data, its windows and so the
// verdicts are the same whatever the date and time of the run. The agent scores only records of
// the last 7 days, and the server's training reads the last 30.
import type { HeatPumpScoreState } from '@heatpool/ml'
import { afterAll, describe, expect, it } from 'vitest'
import type { AnomalyStatus } from '../packages/agent/src/model/anomalies.js'
import { DEFAULT_RETRY, registerInstallation } from '../packages/sim/src/client.js'
import { buildFleet, recordsOf, submitPayload, type SimInstallation } from '../packages/sim/src/fleet.js'
import { findModel, type HeatPumpModel } from '../packages/sim/src/models.js'
import { chunksOf } from './logger.js'
import {
  ADMIN_TOKEN, agentStatus, cleanupAll, flushUntilEmpty, freePort, getJson, HOST, httpRequest, postJson, sleep, startAgent, startServer, tempDir,
  type NodeProcess,
} from './processes.js'

const SEED = 3
const HOMES = 6
const MINUTE = 60_000
const WINDOW_MS = 15 * MINUTE
const DAY = 86_400_000
const DAYS = 5
/** The fault starts here (days from the first record); everything before it is history. */
const FAULT_DAY = 4
const PER_DAY = DAY / MINUTE
/** Simulated time of the first record: a mild late-November week (see the note at the top). */
const SIM_START = Date.UTC(2026, 10, 22)
/** Records per POST, as a logger flushes them. */
const CHUNK = 1000
const AERO_SLM = findModel('aero-slm') as HeatPumpModel

type Anomalies = AnomalyStatus
interface ModelStatus {
  readonly eligible: boolean | null
  readonly reason: string | null
  readonly error: string | null
  readonly installed: { readonly name: string, readonly version: number, readonly fingerprint: string, readonly expired: boolean } | null
  readonly rejected: { readonly problem: string, readonly detail: string } | null
}
interface TrainingAnswer {
  readonly signing_key_fingerprint: string
  readonly runs: readonly {
    readonly status: 'succeeded' | 'skipped' | 'failed'
    readonly error: string | null
    readonly summary: {
      readonly samples: number
      readonly windows: number
      readonly installations: number
      readonly modes?: Readonly<Record<string, { readonly windows: number, readonly threshold: number, readonly scores: { readonly p50: number, readonly p99: number, readonly max: number } }>>
      readonly model?: { readonly name: string, readonly version: number, readonly key_fingerprint: string }
      readonly reason?: string
    } | null
  }[]
}

/** One home's records, its timestamps moved by `shiftS` seconds (see the note at the top). */
function homeRecords (inst: SimInstallation, shiftS: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  for (const r of recordsOf(inst, { format: 'v2', startMs: SIM_START, intervalMs: MINUTE, count: DAYS * PER_DAY })) {
    out.push({ ...r, timestamp: (r.timestamp as number) + shiftS })
  }
  return out
}

async function waitFor<T> (what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

/** Posts records to the agent's relay as a logger does, in chunks, each acknowledged in full. */
async function relay (agentUrl: string, inst: SimInstallation, records: readonly unknown[]): Promise<void> {
  for (const chunk of chunksOf(records, CHUNK)) {
    const res = await httpRequest('POST', `${agentUrl}/api/v1/submit`, JSON.stringify(submitPayload(inst, 'v2', chunk)), { 'content-type': 'application/json' })
    expect(res.status, res.body).toBe(200)
    expect(JSON.parse(res.body)).toMatchObject({ status: 'success', processed: chunk.length })
  }
}

/** Registers a home with the server and posts its records with its token, in chunks. */
async function postToServer (serverUrl: string, inst: SimInstallation, records: readonly unknown[]): Promise<void> {
  const token = await registerInstallation(serverUrl, inst, '2026-11', DEFAULT_RETRY)
  for (const chunk of chunksOf(records, CHUNK)) {
    const res = await httpRequest('POST', `${serverUrl}/api/v1/submit`, JSON.stringify(submitPayload(inst, 'v2', chunk)), { 'content-type': 'application/json', authorization: `Bearer ${token}` })
    expect(res.status, res.body).toBe(200)
  }
}

/** The scores of the home's one heat pump at the agent (`<installation>/<heat pump>`). */
function scoresOf (a: Anomalies, inst: SimInstallation): HeatPumpScoreState | undefined {
  const entries = Object.entries(a.heat_pumps).filter(([key]) => key.startsWith(`${inst.installationId}/`))
  expect(entries.length).toBeLessThanOrEqual(1)
  return entries[0]?.[1]
}

describe('community model end to end (issue 7 acceptance)', () => {
  afterAll(() => cleanupAll())

  it('a model trained on the pool flags the home that starts short cycling, and not a healthy one', async () => {
    const started = Date.now()
    const t = (): number => Math.round((Date.now() - started) / 100) / 10
    const timings: Record<string, number> = {}

    // The fleet, and its records moved to the last five days before now.
    const now = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS
    const realStart = now - DAYS * DAY
    const shiftS = (realStart - SIM_START) / 1000
    const fleet = buildFleet({
      seed: SEED,
      installations: HOMES,
      climate: 'continental',
      models: [AERO_SLM],
      faults: [{ kind: 'short_cycling', count: 1, startDay: FAULT_DAY }],
      startMs: SIM_START,
      endMs: SIM_START + DAYS * DAY,
    })
    const faulty = fleet.find((inst) => inst.spec.faults.length > 0) as SimInstallation
    expect(faulty.spec.faults).toEqual([{ kind: 'short_cycling', startMs: SIM_START + FAULT_DAY * DAY, endMs: SIM_START + DAYS * DAY }])
    const healthy = fleet.find((inst) => inst !== faulty) as SimInstallation
    const direct = fleet.filter((inst) => inst !== faulty && inst !== healthy)
    const records = new Map(fleet.map((inst) => [inst, homeRecords(inst, shiftS)]))
    const history = (inst: SimInstallation) => (records.get(inst) ?? []).slice(0, FAULT_DAY * PER_DAY)
    const lastDay = (inst: SimInstallation) => (records.get(inst) ?? []).slice(FAULT_DAY * PER_DAY)
    expect((lastDay(faulty).at(-1) as { timestamp: number }).timestamp * 1000).toBe(now - MINUTE)
    timings.simulated = t()

    const serverDir = tempDir('heatpool-e2e-community-server-')
    const serverUrl = `http://${HOST}:${await freePort()}`
    const server = await startServer({
      port: Number(new URL(serverUrl).port),
      dataDir: serverDir,
      env: {
        TRAINING_TIME: '',
        K_ANONYMITY: '3',
        TRAINING_MIN_INSTALLATIONS: '3',
        TRAINING_MIN_DATA_POINTS: '5000',
        // Pool sufficiency and eligibility for downloads: 3 homes, 3 contribution days of ≥ 100 samples.
        MIN_INSTALLATIONS: '3',
        MIN_DATA_POINTS: '1000',
        CONTRIBUTION_MIN_SAMPLES: '100',
        ELIGIBILITY_DAYS: '3',
        // Back-filled history: days received late still count as contribution days.
        CONTRIBUTION_GRACE_DAYS: '30',
        // The pool status is read right after the uploads: no cached figure.
        PUBLIC_CACHE_SECONDS: '0',
        RATE_LIMIT_PER_MINUTE: '1000',
      },
    })
    const agents: NodeProcess[] = []
    try {
      const agentFor = async (inst: SimInstallation) => {
        const url = `http://${HOST}:${await freePort()}`
        agents.push(await startAgent({
          port: Number(new URL(url).port),
          dataDir: tempDir('heatpool-e2e-community-agent-'),
          serverUrl,
          env: { AGENT_BATCH_RECORDS: '2000' },
        }))
        return { inst, url }
      }
      const faultyAgent = await agentFor(faulty)
      const healthyAgent = await agentFor(healthy)
      timings.started = t()

      // The history: four homes straight to the server, two through their agents.
      await Promise.all([
        ...direct.map((inst) => postToServer(serverUrl, inst, history(inst))),
        ...[faultyAgent, healthyAgent].map(async ({ inst, url }) => {
          await relay(url, inst, history(inst))
          const status = await flushUntilEmpty(url, 30_000)
          expect(status.quarantined).toEqual([])
          expect(status.uploads).toEqual([expect.objectContaining({ installationId: inst.installationId, problem: null })])
        }),
      ])
      timings.history = t()

      // Training: every home gave data, the model is signed with the server's key.
      const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
      const trainedRes = await httpRequest('POST', `${serverUrl}/api/v2/admin/training?heatpump_model=AERO%20SLM`, undefined, admin, 60_000)
      expect(trainedRes.status, trainedRes.body).toBe(200)
      const trained = JSON.parse(trainedRes.body) as TrainingAnswer
      expect(trained.runs).toHaveLength(1)
      const run = trained.runs[0] as TrainingAnswer['runs'][number]
      expect(run, JSON.stringify(run)).toMatchObject({ status: 'succeeded', error: null })
      expect(run.summary).toMatchObject({ installations: HOMES, model: { version: 1, key_fingerprint: trained.signing_key_fingerprint } })
      expect(run.summary?.samples).toBe(HOMES * FAULT_DAY * PER_DAY)
      expect(run.summary?.modes?.heating?.windows).toBeGreaterThanOrEqual(200)
      timings.trained = t()

      // Both agents download, verify against the key they pinned at registration, and install it.
      for (const { url } of [faultyAgent, healthyAgent]) {
        const status = await postJson<ModelStatus>(`${url}/api/check-model`)
        expect(status, JSON.stringify(status)).toMatchObject({ eligible: true, error: null, rejected: null, installed: { version: 1, fingerprint: trained.signing_key_fingerprint, expired: false } })
        const anomalies = await getJson<Anomalies>(`${url}/api/anomalies`)
        expect(anomalies).toMatchObject({ model: { version: 1 }, error: null, alerts: 0, events: [] })
        expect(anomalies.model?.features.length).toBeGreaterThan(0)
      }
      timings.installed = t()

      // The last day, relayed as it happens: the faulty home now short-cycles.
      const scored = await Promise.all([faultyAgent, healthyAgent].map(async ({ inst, url }) => {
        await relay(url, inst, lastDay(inst))
        // Every window but the open last one closes and is scored (off the request path).
        return waitFor(`the agent to score ${inst.installationId}`, 10_000, async () => {
          const a = await getJson<Anomalies>(`${url}/api/anomalies`)
          const s = scoresOf(a, inst)
          return s !== undefined && s.samples >= PER_DAY - WINDOW_MS / MINUTE ? { a, s } : undefined
        })
      }))
      timings.scored = t()
      const [onFaulty, onHealthy] = scored as [{ a: Anomalies, s: HeatPumpScoreState }, { a: Anomalies, s: HeatPumpScoreState }]

      const heating = run.summary?.modes?.heating
      console.log(JSON.stringify({
        seed: SEED,
        heating: heating === undefined ? null : { windows: heating.windows, threshold: heating.threshold, p50: heating.scores.p50, p99: heating.scores.p99 },
        faulty: { windows: onFaulty.s.windows, anomalous: onFaulty.s.anomalous, alerts: onFaulty.s.alerts, last_score: onFaulty.s.last?.score, events: onFaulty.a.events.map((e) => ({ at: e.at, score: e.score, top: e.top_features.map((f) => `${f.feature} z=${f.z.toFixed(1)}`) })) },
        healthy: { windows: onHealthy.s.windows, anomalous: onHealthy.s.anomalous, alerts: onHealthy.s.alerts, last_score: onHealthy.s.last?.score, events: onHealthy.a.events.map((e) => ({ at: e.at, score: e.score, top: e.top_features.map((f) => `${f.feature} z=${f.z.toFixed(1)}`) })) },
        seconds: timings,
      }))

      // The faulty home: at least one anomaly event, on its heat pump, from the installed model
      // (soft: a miss is reported together with what the healthy home's checks find).
      const events = onFaulty.a.events
      expect.soft(events.length, 'anomaly events of the short-cycling home').toBeGreaterThanOrEqual(1)
      for (const e of events) {
        expect(e).toMatchObject({ installation_id: faulty.installationId, heat_pump: faulty.heatPumpId, model: { version: 1 } })
        expect(e.score).toBeGreaterThan(e.threshold)
        expect(e.top_features).toHaveLength(3)
        // Inside the faulty day, after the alert rule's warm-up (120 samples, 3 windows in a row).
        expect(Date.parse(e.at)).toBeGreaterThan(realStart + FAULT_DAY * DAY)
        expect(Date.parse(e.at)).toBeLessThanOrEqual(now)
      }
      expect(onFaulty.s.alerts).toBe(events.length)

      // The healthy home: a whole day of scored windows, and no event.
      expect(onHealthy.s.windows, 'windows scored for the healthy home').toBeGreaterThanOrEqual(80)
      expect(onHealthy.a.events, 'anomaly events of the healthy home').toEqual([])
      expect(onHealthy.s.alerts).toBe(0)

      // Both agents still hold the model, and nothing was refused.
      for (const { url } of [faultyAgent, healthyAgent]) {
        const status = await agentStatus(url) as unknown as { model: ModelStatus }
        expect(status.model).toMatchObject({ installed: { version: 1 }, rejected: null })
      }
    } finally {
      await Promise.all(agents.map((a) => a.stop()))
      await server.stop()
    }
  }, 120_000)
})
