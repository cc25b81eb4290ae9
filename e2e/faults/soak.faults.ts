// Fault injection, the long variant (`npm run test:faults`; not part of `npm test`): every fault
// kind HEATPOOL_FAULTS_ROUNDS times (default 5) at seeded moments, under a larger simulated
// fleet, then the same reconciliation as the short variant. HEATPOOL_FAULTS_SEED replays a run.
// It prints one JSON line with the figures docs/RELIABILITY.md reports, and the machine.
import { cpus, arch } from 'node:os'
import { afterAll, describe, it } from 'vitest'
import { NO_ENGINE } from '../../packages/server/test/engines/missing.js'
import { cleanupAll } from '../processes.js'
import { closeAllProxies } from '../upload-proxy.js'
import { unmountAll } from './disk.js'
import { expectReconciled } from './assertions.js'
import { FAULT_KINDS, runFaults } from './scenario.js'

const rounds = Number(process.env.HEATPOOL_FAULTS_ROUNDS ?? 5)
const seed = Number(process.env.HEATPOOL_FAULTS_SEED ?? Date.now() % 1_000_000)

describe('fault injection (long)', () => {
  afterAll(() => {
    closeAllProxies()
    unmountAll() // before the temp dirs holding the mount points are removed
    cleanupAll()
  })

  it(`loses nothing acknowledged and stores nothing twice over ${rounds} rounds of every fault (seed ${seed})`, async (ctx) => {
    const report = await runFaults({
      seed,
      homes: 8,
      recordsPerHome: 1440,
      chunkSize: 60,
      intervalS: 60,
      durationMs: rounds * FAULT_KINDS.length * 4000,
      rounds,
      log: (line) => console.log(line),
    })
    if (report === undefined) return ctx.skip(NO_ENGINE)
    const faults: Record<string, number> = {}
    for (const f of report.faults) faults[f.kind] = (faults[f.kind] ?? 0) + 1
    console.log(JSON.stringify({
      date: new Date().toISOString(),
      machine: { nproc: cpus().length, arch: arch(), cpu: cpus()[0]?.model },
      ...report,
      faults,
    }))
    expectReconciled(report)
  })
})
