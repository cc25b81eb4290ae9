// A real server and agent with simulated data, for the web UI's browser tests and `npm run
// screenshots`: a fleet of two heat-pump models posting straight to the server, and one home whose
// logger goes through the agent (the home "My installation" shows). Enough installations that the
// community figures publish their outer quantiles at the lowest K the server allows.
import { runSimulation, type RunOptions } from '../../packages/sim/src/run.js'
import { buildFleet } from '../../packages/sim/src/fleet.js'
import { MODELS } from '../../packages/sim/src/models.js'
import { ADMIN_TOKEN, flushUntilEmpty, freePort, postJson, startAgent, startServer, tempDir, type NodeProcess } from '../processes.js'

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
  /** The home's installation id (the agent's primary installation). */
  readonly home: string
  /**
   * Relays records of the home's heat pump to the agent as its logger would (v2, the iDM
   * driver's raw names, e.g. `temp_outside`); answers how many the agent took.
   */
  relayRecords (records: readonly { readonly timestamp: number, readonly values: Record<string, number> }[]): Promise<number>
}

export const UI_MODELS = ['AERO SLM', 'S1255'] as const
const HOME_SEED = 2

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

export async function startUiStack (o: UiStackOptions = {}): Promise<UiStack> {
  const days = o.days ?? 20
  const perModel = o.perModel ?? 32
  const log = o.log ?? (() => {})
  const serverPort = await freePort()
  const serverUrl = `http://127.0.0.1:${serverPort}`
  const server = await startServer({
    port: serverPort,
    dataDir: tempDir('heatpool-ui-server-'),
    env: { K_ANONYMITY: '3', PUBLIC_CACHE_SECONDS: '0', RATE_LIMIT_PER_MINUTE: '100000', RATE_LIMIT_IP_PER_MINUTE: '1000000', RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000000', TRAINING_TIME: '' },
  })
  const agentPort = await freePort()
  const agentUrl = `http://127.0.0.1:${agentPort}`
  // Consent through the page's own API, not AGENT_CONSENT (which would lock it on).
  const agent = await startAgent({ port: agentPort, dataDir: tempDir('heatpool-ui-agent-'), serverUrl, env: { AGENT_CONSENT: 'false' } })
  await postJson(`${agentUrl}/api/consent`, { given: true })

  const models = MODELS.filter((m) => (UI_MODELS as readonly string[]).includes(m.name))
  log(`simulating ${perModel * models.length} installations × ${days} days into ${serverUrl}`)
  await runSimulation(simulation(serverUrl, { installations: perModel * models.length, days, seed: 1, models }))
  const homeModels = models.filter((m) => m.name === 'AERO SLM')
  log(`simulating the agent's home × ${days} days through ${agentUrl}`)
  await runSimulation(simulation(agentUrl, { days, seed: HOME_SEED, models: homeModels }))
  // The same installation and heat pump as the simulation's (the seed decides them).
  const [unit] = buildFleet({ seed: HOME_SEED, installations: 1, climate: 'continental', models: homeModels, startMs: 0, endMs: 1 })
  if (unit === undefined) throw new Error('cannot build the home installation')
  const relayRecords: UiStack['relayRecords'] = async (records) => {
    const driver = unit.model.driver
    const data = records.map((r) => ({ timestamp: r.timestamp, heatpumps: [{ id: unit.heatPumpId, manufacturer: driver.manufacturer, model: driver.model, values: r.values }] }))
    const answer = await postJson<{ processed: number }>(`${agentUrl}/api/v1/submit`, { installation_id: unit.installationId, heatpump_model: unit.model.name, version: 'heatpool-ui-stack', data_version: '2.0', data })
    return answer.processed
  }
  // Three records with an impossible outdoor temperature: the server keeps their other values and
  // drops these (the admin dashboard's data quality has something to show).
  const now = Math.floor(Date.now() / 1000)
  await relayRecords([600, 400, 200].map((ago) => ({ timestamp: now - ago, values: { temp_outside: 150, temp_heat_pump_flow: 35.5 } })))
  await flushUntilEmpty(agentUrl)
  return { server, agent, serverUrl, agentUrl, adminToken: ADMIN_TOKEN, home: unit.installationId, relayRecords }
}
