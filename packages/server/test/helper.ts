import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterEach } from 'vitest'
import { buildApp } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'

export const ADMIN_TOKEN = 'test-admin-token'

export interface TestApp {
  readonly app: FastifyInstance
  readonly config: Config
  /** The fake clock: tests move time with `clock.set()` / `clock.advance()`. */
  readonly clock: FakeClock
  readonly dataDir: string
  /** Registers an installation and returns its id and token. */
  register (body?: Record<string, unknown>): Promise<{ id: string, token: string }>
  /** POSTs a submit payload with the given token (or none). */
  submit (payload: unknown, token?: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>
  inject (opts: InjectOptions): Promise<LightMyRequestResponse>
}

export class FakeClock {
  constructor (public ms: number) {}
  now = (): number => this.ms
  set (ms: number): void { this.ms = ms }
  advance (ms: number): void { this.ms += ms }
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await (cleanups.pop() as () => Promise<void>)()
})

/**
 * Builds the app on a fresh embedded store in a temporary directory, closed and removed after
 * the test. `env` overrides configuration as environment variables would.
 */
export async function build (env: Record<string, string> = {}, startMs = Date.UTC(2026, 10, 27, 12)): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'heatpool-test-'))
  const config = loadConfig({
    DATA_DIR: dataDir,
    ADMIN_TOKEN,
    RETENTION_SCHEDULE: '',
    BADGES_SCHEDULE: '',
    TRAINING_TIME: '',
    LOG_LEVEL: 'silent',
    SQLITE_SYNCHRONOUS: 'normal',
    ...env,
  })
  const clock = new FakeClock(startMs)
  const app = await buildApp({ config, clock: clock.now, logger: false })
  await app.ready()
  cleanups.push(async () => {
    await app.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  return {
    app,
    config,
    clock,
    dataDir,
    inject: (opts) => app.inject(opts),
    async register (body = {}) {
      const res = await app.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', ...body } })
      if (res.statusCode !== 201 && res.statusCode !== 200) throw new Error(`cannot register: ${res.statusCode} ${res.body}`)
      const json = res.json<{ installation_id: string, token: string }>()
      return { id: json.installation_id, token: json.token }
    },
    submit (payload, token, headers = {}) {
      return app.inject({
        method: 'POST',
        url: '/api/v1/submit',
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
        payload: payload as InjectOptions['payload'],
      })
    },
  }
}

/** A v1 flat record as upstream v1.0.2 sends it (iDM sensor names, `_str` enum text, booleans). */
export function v1Record (timestampS: number, values: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timestamp: timestampS,
    temp_outside: 5.5,
    temp_heat_pump_flow: 35.2,
    temp_heat_pump_return: 30.1,
    power_current: 5.2,
    power_current_draw: 1.3,
    status_system: 1,
    status_system_str: 'AUTOMATIC',
    request_heating: true,
    ...values,
  }
}

export function v1Payload (installationId: string, records: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { installation_id: installationId, heatpump_model: 'AERO SLM', version: '1.0.2', data: records, ...extra }
}

export function newId (): string {
  return randomUUID()
}
