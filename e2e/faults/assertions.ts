import { expect } from 'vitest'
import type { FaultRunReport } from './scenario.js'

/**
 * The promise every fault run ends on: no acknowledged record lost, none stored that was refused,
 * none stored twice, nothing in doubt stored in part, and the ledger consistent with the samples.
 */
export function expectReconciled (report: FaultRunReport): void {
  expect(report.acknowledged).toBeGreaterThan(0)
  expect(report.lost).toBe(0)
  expect(report.phantom).toBe(0)
  expect(report.partialInDoubt).toBe(0)
  expect(report.duplicates).toBe(0)
  expect(report.ledgerMismatches).toEqual([])
  expect(report.stored).toBeGreaterThanOrEqual(report.acknowledged)
  expect(report.stored).toBeLessThanOrEqual(report.acknowledged + report.inDoubt)
}
