import { randomBytes } from 'node:crypto'
import { freshPostgresUrl } from '../engines/postgres.js'
import { startVictoriaMetrics } from '../engines/victoriametrics.js'

/**
 * The store combinations every contract test runs on: the embedded store; SQLite with samples in
 * VictoriaMetrics; PostgreSQL with samples in VictoriaMetrics. `env()` gives the configuration of
 * a fresh, empty store of that kind (its own PostgreSQL database, its own `VM_POOL` label on a
 * VictoriaMetrics shared by the test file), or undefined when its engines are not installed
 * (never with HEATPOOL_REQUIRE_ENGINES=1: the engine helpers throw instead).
 */
export interface StoreCombination {
  readonly name: 'sqlite' | 'sqlite+victoriametrics' | 'postgres+victoriametrics'
  env (): Promise<Record<string, string> | undefined>
}

let vmUrl: Promise<string | undefined> | undefined

/** `HEATPOOL_TEST_VM_URL` (a VictoriaMetrics started by `.ci/run`), else one started for this test file. */
export async function victoriaMetricsUrl (): Promise<string | undefined> {
  const shared = process.env.HEATPOOL_TEST_VM_URL
  if (shared !== undefined && shared !== '') return shared
  vmUrl ??= startVictoriaMetrics().then((vm) => vm?.url)
  return vmUrl
}

async function vmEnv (): Promise<Record<string, string> | undefined> {
  const url = await victoriaMetricsUrl()
  if (url === undefined) return undefined
  return { SAMPLE_STORE: 'victoriametrics', VM_URL: url, VM_POOL: `t${randomBytes(6).toString('hex')}` }
}

export const COMBINATIONS: readonly StoreCombination[] = [
  { name: 'sqlite', env: async () => ({}) },
  { name: 'sqlite+victoriametrics', env: vmEnv },
  {
    name: 'postgres+victoriametrics',
    async env () {
      const vm = await vmEnv()
      const url = await freshPostgresUrl()
      if (vm === undefined || url === undefined) return undefined
      return { ...vm, DATABASE_URL: url }
    },
  },
]
