import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach } from 'vitest'
import { loadAgentConfig, type AgentConfig } from '../../../src/config.js'
import { Outbox, type Envelope } from '../../../src/outbox/outbox.js'
import { ServerClient } from '../../../src/server-client.js'
import { StateStore, TokenStore } from '../../../src/state.js'
import { Credentials } from '../../../src/upload/credentials.js'
import { Uploader } from '../../../src/upload/uploader.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await (cleanups.pop() as () => Promise<void> | void)()
})

/** Runs `fn` after the current test (in reverse order of registration). */
export function onCleanup (fn: () => Promise<void> | void): void {
  cleanups.push(fn)
}

/** A temporary directory removed after the test. */
export function tempDir (prefix = 'heatpool-agent-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export const V1_ENVELOPE: Envelope = { heatpump_model: 'AERO SLM', version: '1.0.2' }

/** `n` v1 flat records as JSON texts, a minute apart, each with its own `seq` marker in a value. */
export function records (n: number, first = 0, startS = Math.floor(Date.now() / 1000) - 3600): string[] {
  return Array.from({ length: n }, (_, i) => JSON.stringify({
    timestamp: startS + (first + i) * 60,
    temp_outside: 5 + (first + i) / 1000,
    temp_heat_pump_flow: 35.2,
    temp_heat_pump_return: 30.1,
    power_current: 5.2,
    power_current_draw: 1.3,
  }))
}

export interface Rig {
  readonly dir: string
  readonly config: AgentConfig
  readonly state: StateStore
  readonly tokens: TokenStore
  readonly outbox: Outbox
  readonly client: ServerClient
  readonly uploader: Uploader
  /** Every pino line the uploader wrote, parsed. */
  readonly logs: { level: number, msg: string, [key: string]: unknown }[]
  readonly counts: { uploaded: number, retried: number, quarantined: number }
}

export interface RigOptions {
  readonly env?: Readonly<Record<string, string>>
  /** Reuse this data directory (a restart) instead of a new one. */
  readonly dir?: string
  readonly clock?: () => number
  readonly tickMs?: number
  readonly logLevel?: 'warn' | 'info' | 'debug'
  /** Called after each registration, as `startAgent` pins the model signing key then. */
  readonly afterRegister?: (installationId: string) => Promise<unknown>
}

/**
 * The uploader wired as `startAgent` wires it, on a temporary data directory, talking to
 * `serverUrl`. Stopped and closed after the test.
 */
export function rig (serverUrl: string, options: RigOptions = {}): Rig {
  const dir = options.dir ?? tempDir()
  const config = loadAgentConfig({
    HEATPOOL_SERVER_URL: serverUrl,
    AGENT_DATA_DIR: dir,
    AGENT_RETRY_MIN_MS: '5',
    AGENT_RETRY_MAX_MS: '40',
    AGENT_REQUEST_TIMEOUT_MS: '2000',
    LOG_LEVEL: 'warn',
    ...options.env,
  })
  const state = new StateStore(dir)
  const tokens = new TokenStore(dir)
  const outbox = new Outbox({ dir: join(dir, 'outbox'), maxBytes: config.AGENT_OUTBOX_MAX_BYTES, clock: options.clock })
  const client = new ServerClient({ baseUrl: config.HEATPOOL_SERVER_URL, timeoutMs: config.AGENT_REQUEST_TIMEOUT_MS })
  const logs: Rig['logs'] = []
  const log = pino({ level: options.logLevel ?? 'warn' }, { write: (line: string) => { logs.push(JSON.parse(line) as Rig['logs'][number]) } })
  const counts = { uploaded: 0, retried: 0, quarantined: 0 }
  const uploader = new Uploader(config, outbox, client, new Credentials(config, client, tokens, state, options.afterRegister), log, {
    uploaded: () => { counts.uploaded++ },
    retried: () => { counts.retried++ },
    quarantined: () => { counts.quarantined++ },
  }, options.clock, Math.random, options.tickMs ?? 10)
  onCleanup(async () => {
    await uploader.stop()
    outbox.close()
    client.close()
  })
  return {
    dir,
    config,
    state,
    tokens,
    outbox,
    client,
    uploader,
    logs,
    counts,
  }
}

/** Stops a rig's uploader and closes its outbox (a clean shutdown before a restart). */
export async function shutdown (r: Rig): Promise<void> {
  await r.uploader.stop()
  r.outbox.close()
}

export function newId (): string {
  return randomUUID()
}
