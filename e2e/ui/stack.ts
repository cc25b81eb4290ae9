// A real server and agent with simulated data, for the web UI's browser tests and `npm run
// screenshots`: a fleet of two heat-pump models posting straight to the server, and one home whose
// logger goes through the agent (the home "My installation" shows). Enough installations that the
// community figures publish their outer quantiles at the lowest K the server allows.
import { runSimulation, type RunOptions } from '../../packages/sim/src/run.js'
import { MODELS } from '../../packages/sim/src/models.js'
import { ADMIN_TOKEN, agentStatus, flushUntilEmpty, freePort, postJson, startAgent, startServer, tempDir, type NodeProcess } from '../processes.js'

export interface UiStackOptions {
  /** Days of history (default 20: "day 20 of 30" on the agent's page). */
  readonly days?: number
  /** Installations per model posting to the server directly (default 32). */
  readonly perModel?: number
  readonly log?: (line: string) => void
}

export interface UiStack {
  readonly server: NodeProcess
  readonly agent: NodeProcess
  readonly serverUrl: string
  readonly agentUrl: string
  readonly adminToken: string
  /** Posts `days` more of the agent home's logger records to the agent (its relay). */
  relay (days: number, seed?: number): Promise<number>
}

export const UI_MODELS = ['AERO SLM', 'S1255'] as const

const simulation = (target: string, over: Partial<RunOptions>): RunOptions => ({
  target,
  targetKind: 'auto',
  installations: 1,
  days: 1,
  seed: 1,
  format: 'v2',
  faults: [],
  climate: 'continental',
  // 2.5 minutes: six samples per 15-minute window, enough for the community model to train on.
  intervalS: 150,
  speed: 'max',
  concurrency: 4,
  batchSize: 500,
  consentVersion: '1',
  adminToken: ADMIN_TOKEN,
  ...over,
})

/**
 * Three records of the agent's home with an impossible outdoor temperature, relayed like the
 * logger's: the server keeps their other values and drops these (the admin dashboard's data quality).
 */
async function plantRejections (agentUrl: string): Promise<void> {
  const home = (await agentStatus(agentUrl) as unknown as { primary_installation_id: string }).primary_installation_id
  const now = Math.floor(Date.now() / 1000)
  const data = [600, 400, 200].map((ago) => ({ timestamp: now - ago, temp_outdoor: 150, temp_flow: 35.5 }))
  await postJson(`${agentUrl}/api/v1/submit`, { installation_id: home, heatpump_model: 'AERO SLM', version: 'heatpool-ui-stack', data })
}

export async function startUiStack (o: UiStackOptions = {}): Promise<UiStack> {
  const days = o.days ?? 20
  const perModel = o.perModel ?? 32
  const log = o.log ?? (() => {})
  const serverPort = await freePort()
  const serverUrl = `http://127.0.0.1:${serverPort}`
  const server = await startServer({
    port: serverPort,
    dataDir: tempDir('heatpool-ui-server-'),
    env: { K_ANONYMITY: '3', PUBLIC_CACHE_SECONDS: '0', RATE_LIMIT_PER_MINUTE: '100000', RATE_LIMIT_IP_PER_MINUTE: '1000000', TRAINING_TIME: '' },
  })
  const agentPort = await freePort()
  const agentUrl = `http://127.0.0.1:${agentPort}`
  // Consent through the page's own API, not AGENT_CONSENT (which would lock it on).
  const agent = await startAgent({ port: agentPort, dataDir: tempDir('heatpool-ui-agent-'), serverUrl, env: { AGENT_CONSENT: 'false' } })
  await postJson(`${agentUrl}/api/consent`, { given: true })

  const models = MODELS.filter((m) => (UI_MODELS as readonly string[]).includes(m.name))
  log(`simulating ${perModel * models.length} installations × ${days} days into ${serverUrl}`)
  await runSimulation(simulation(serverUrl, { installations: perModel * models.length, days, seed: 1, models }))
  const home = models.filter((m) => m.name === 'AERO SLM')
  const relay = async (d: number, seed = 2) => {
    const summary = await runSimulation(simulation(agentUrl, { days: d, seed, models: home }))
    return summary.records
  }
  log(`simulating the agent's home × ${days} days through ${agentUrl}`)
  await relay(days)
  await plantRejections(agentUrl)
  await flushUntilEmpty(agentUrl)
  return { server, agent, serverUrl, agentUrl, adminToken: ADMIN_TOKEN, relay }
}
