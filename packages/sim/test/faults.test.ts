import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseFaultSpec, REFRIGERANT_LOSS_MAX } from '../src/faults.js'
import type { SimInstallation } from '../src/fleet.js'
import { findModel } from '../src/models.js'
import { runSimulation } from '../src/run.js'
import { DAY_MS } from '../src/time.js'
import { cop, fleetFrom, normalised, simulate, WINTER } from './fixtures.js'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

/** The faulty installation and the same installation from a fleet without faults. */
function pair (spec: string, days: number, startMs = WINTER, models = [findModel('aero-slm')!]): [SimInstallation, SimInstallation] {
  const faulty = fleetFrom(startMs, days, { installations: 3, models, faults: parseFaultSpec(spec) })
  const healthy = fleetFrom(startMs, days, { installations: 3, models })
  const i = faulty.findIndex((inst) => inst.spec.faults.length > 0)
  expect(i).toBeGreaterThanOrEqual(0)
  expect(healthy[i]!.installationId).toBe(faulty[i]!.installationId)
  return [faulty[i]!, healthy[i]!]
}

describe('fault spec', () => {
  it('reads kinds, counts and day ranges', () => {
    expect(parseFaultSpec('refrigerant_loss:2@day10, stuck_sensor@day5-day9.5,short_cycling')).toEqual([
      { kind: 'refrigerant_loss', count: 2, startDay: 10 },
      { kind: 'stuck_sensor', count: 1, startDay: 5, endDay: 9.5 },
      { kind: 'short_cycling', count: 1, startDay: 0 },
    ])
    expect(() => parseFaultSpec('leak:1')).toThrow(/unknown kind leak/)
    expect(() => parseFaultSpec('stuck_sensor:1@day5-day2')).toThrow(/end day/)
    expect(() => parseFaultSpec('stuck_sensor:x')).toThrow(/cannot parse fault/)
  })

  it('gives each installation at most one fault while there are enough', () => {
    const fleet = fleetFrom(WINTER, 30, { installations: 10, faults: parseFaultSpec('refrigerant_loss:3@day1,stuck_sensor:2,failed_defrost:4@day2') })
    expect(fleet.map((i) => i.spec.faults.length).sort()).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 1])
  })
})

describe('fault effects are visible in the data', () => {
  it('refrigerant loss: the COP declines week by week against the same unit without it', () => {
    const weeks = 9
    const [faulty, healthy] = pair('refrigerant_loss:1@day7', weeks * 7)
    const ratios: number[] = []
    for (let w = 0; w < weeks; w++) {
      const from = WINTER + w * 7 * DAY_MS
      ratios.push(cop(simulate(faulty, from, 7, 120_000)) / cop(simulate(healthy, from, 7, 120_000)))
    }
    expect(ratios[0]).toBeCloseTo(1, 6)
    for (let w = 2; w < weeks; w++) expect(ratios[w], `week ${w}`).toBeLessThan(ratios[w - 1]! + 0.01)
    expect(ratios[weeks - 1]).toBeLessThan(1 - REFRIGERANT_LOSS_MAX * 0.8)
  })

  it('stuck sensor: one value stays frozen for the fault and moves before and after', () => {
    const [faulty] = pair('stuck_sensor:1@day1-day2', 3)
    const sensor = faulty.spec.faults[0]!.sensor!
    const { records } = normalised(faulty, 'v2', WINTER, 3)
    const during = new Set(records.filter((r) => r.ts >= WINTER + DAY_MS && r.ts < WINTER + 2 * DAY_MS).map((r) => r.values[sensor]))
    const before = new Set(records.filter((r) => r.ts < WINTER + DAY_MS).map((r) => r.values[sensor]))
    const after = new Set(records.filter((r) => r.ts >= WINTER + 2 * DAY_MS).map((r) => r.values[sensor]))
    expect(during.size).toBe(1)
    expect(before.size).toBeGreaterThan(10)
    expect(after.size).toBeGreaterThan(10)
  })

  it('short cycling: many more compressor starts, and a lower COP', () => {
    const [faulty, healthy] = pair('short_cycling:1', 7)
    const starts = (inst: SimInstallation) => {
      let n = 0
      let wasOn = false
      const totals = simulate(inst, WINTER, 7, 60_000, (s) => {
        if (s.mode !== 'off' && !wasOn) n++
        wasOn = s.mode !== 'off'
      })
      return { n, cop: cop(totals) }
    }
    const f = starts(faulty)
    const h = starts(healthy)
    expect(f.n).toBeGreaterThan(3 * h.n)
    expect(f.n / 7).toBeGreaterThan(50)
    expect(f.cop).toBeLessThan(h.cop)
  })

  it('failed defrost: frost stays, heat and COP drop in the cold', () => {
    const [faulty, healthy] = pair('failed_defrost:1', 14)
    const f = simulate(faulty, WINTER, 14, 60_000)
    const h = simulate(healthy, WINTER, 14, 60_000)
    expect(cop(f)).toBeLessThan(cop(h) * 0.9)
  })
})

describe('labels', () => {
  it('are written as JSON lines naming installation, heat pump, fault and time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heatpool-sim-labels-'))
    dirs.push(dir)
    const labelsPath = join(dir, 'labels.jsonl')
    const summary = await runSimulation({
      targetKind: 'auto', installations: 6, days: 10, seed: 5, format: 'v2', climate: 'continental',
      faults: parseFaultSpec('refrigerant_loss:2@day3,stuck_sensor:1@day2-day4'), intervalS: 600,
      startMs: WINTER, speed: 'max', labelsPath, outPath: join(dir, 'out.jsonl'), concurrency: 2, batchSize: 500, consentVersion: '1',
    })
    const lines = readFileSync(labelsPath, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toHaveLength(3)
    expect(summary.faults).toEqual({ refrigerant_loss: 2, stuck_sensor: 1 })
    const ids = new Set(readFileSync(join(dir, 'out.jsonl'), 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { installation_id: string }).installation_id))
    for (const l of lines) {
      expect(ids.has(l.installation_id as string)).toBe(true)
      expect(l.heatpump_id).toMatch(/^hp-[0-9a-f]{8}$/)
    }
    const stuck = lines.find((l) => l.fault === 'stuck_sensor')!
    expect(stuck).toMatchObject({ start: new Date(WINTER + 2 * DAY_MS).toISOString(), end: new Date(WINTER + 4 * DAY_MS).toISOString(), start_ts: (WINTER + 2 * DAY_MS) / 1000 })
    expect(['temp_outdoor', 'temp_flow', 'temp_return']).toContain(stuck.sensor)
    const leak = lines.filter((l) => l.fault === 'refrigerant_loss')
    for (const l of leak) expect(l).toMatchObject({ start_ts: (WINTER + 3 * DAY_MS) / 1000, end_ts: (WINTER + 10 * DAY_MS) / 1000 })
  })
})
