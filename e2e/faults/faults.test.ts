// Fault injection, the short variant that CI runs (issue 10, item 1): every fault kind once, at
// seeded moments, under a small simulated fleet; then nothing acknowledged is lost, nothing is
// stored twice and the ledger matches the samples. `npm run test:faults` runs the long variant
// (e2e/faults/soak.faults.ts) whose results docs/RELIABILITY.md reports.
import { afterAll, describe, expect, it } from 'vitest'
import { NO_ENGINE } from '../../packages/server/test/engines/missing.js'
import { cleanupAll } from '../processes.js'
import { closeAllProxies } from '../upload-proxy.js'
import { unmountAll } from './disk.js'
import { expectReconciled } from './assertions.js'
import { FAULT_KINDS, faultPlan, runFaults } from './scenario.js'

describe('fault injection (short)', () => {
  afterAll(() => {
    closeAllProxies()
    unmountAll() // before the temp dirs holding the mount points are removed
    cleanupAll()
  })

  it('plans every fault kind the given number of times, the same way for the same seed', () => {
    const plan = faultPlan(7, 2, 60_000)
    expect(plan.map((f) => f.kind).sort()).toEqual([...FAULT_KINDS, ...FAULT_KINDS].sort())
    expect(faultPlan(7, 2, 60_000)).toEqual(plan)
    expect(faultPlan(8, 2, 60_000)).not.toEqual(plan)
    for (const [i, f] of plan.entries()) if (i > 0) expect(f.atMs).toBeGreaterThan((plan[i - 1]?.atMs ?? 0))
  })

  it('loses no acknowledged record and stores none twice under kill -9, a bad network and a full disk', async (ctx) => {
    const report = await runFaults({ seed: Number(process.env.HEATPOOL_FAULTS_SEED ?? 20261127), homes: 4, recordsPerHome: 480, chunkSize: 40, intervalS: 60, durationMs: 18_000, rounds: 1 })
    if (report === undefined) return ctx.skip(NO_ENGINE)
    console.log(JSON.stringify(report))
    expectReconciled(report)
  })
})
