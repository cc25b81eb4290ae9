import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CommunityModel, windowsOf, type Sample } from '@heatpool/ml'
import { MANIFEST_FORMAT, type ModelManifest } from '@heatpool/protocol/model-manifest'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { AnomalyDetector, type AnomalyEvent } from '../../src/model/anomalies.js'
import type { CurrentModel } from '../../src/model/updater.js'

const MIN = 60_000
const T0 = Date.UTC(2026, 10, 20)
const ID = '5b0c3f7e-8a4d-4c11-9a55-2f1e6d3c7b90'

/** Canonical values of a heat pump each minute: `on` minutes running, `off` minutes off. */
function values (i: number, o: { on: number, off: number }): Sample['values'] {
  const running = i % (o.on + o.off) < o.on
  const outdoor = 3 + 4 * Math.sin(i / 1440 * 2 * Math.PI) + ((i * 7919) % 11) / 50
  const flow = running ? 38 - 0.4 * outdoor + ((i * 104729) % 7) / 10 : 31
  const electric = running ? 1800 + ((i * 31) % 200) : 15
  return {
    temp_outdoor: Math.round(outdoor * 10) / 10,
    temp_flow: Math.round(flow * 10) / 10,
    temp_return: Math.round((flow - (running ? 5 : 0.5)) * 10) / 10,
    power_electric: electric,
    power_heat: running ? Math.round(electric * 0.5 * (flow + 275.15) / (flow + 8 - outdoor)) : 0,
    operating_mode: running ? 1 : 0,
  }
}

/** The same minutes as v2 records a logger relays (canonical names, which every driver accepts). */
function records (from: number, count: number, o: { on: number, off: number }): unknown[] {
  return Array.from({ length: count }, (_, k) => {
    const v = values(from + k, o)
    return {
      timestamp: (T0 + (from + k) * MIN) / 1000,
      heatpumps: [{ id: 'hp-1', manufacturer: 'idm', model: 'navigator_2_0', values: v }],
    }
  })
}

const model = CommunityModel.train([0, 1, 2, 3].flatMap((u) => windowsOf(Array.from({ length: 4 * 1440 }, (_, i) => ({ ts: T0 - 5 * 86_400_000 + i * MIN, values: values(i + u * 997, { on: 50, off: 10 }) })))), { seed: 1, nTrees: 30 })
const current: CurrentModel = {
  manifest: { format: MANIFEST_FORMAT, name: 'AERO_SLM', heatpump_model: 'aero_slm', version: 4 } as unknown as ModelManifest,
  payload: Buffer.from(JSON.stringify(model.toJSON())),
  fingerprint: 'ab',
  installedAt: new Date(T0).toISOString(),
}

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

function detector (held: CurrentModel | null, now = T0 + 2 * 86_400_000) {
  const dir = mkdtempSync(join(tmpdir(), 'heatpool-anomalies-'))
  dirs.push(dir)
  let installed: ((m: CurrentModel) => void) | undefined
  let model = held
  const updater = {
    currentModel: () => model,
    onInstalled: (l: (m: CurrentModel) => void) => { installed = l; return () => { installed = undefined } },
  }
  const d = new AnomalyDetector(updater, dir, pino({ level: 'silent' }), () => now)
  return { d, dir, install: (m: CurrentModel) => { model = m; installed?.(m) }, expire: () => { model = null } }
}

describe('anomaly detection at home', () => {
  it('raises an event with the top features for a short-cycling heat pump, none for a healthy one, and records it', async () => {
    const healthy = detector(current)
    await healthy.d.ready
    for (let i = 0; i < 2 * 1440; i += 500) healthy.d.observe(ID, records(i, 500, { on: 50, off: 10 }))
    expect(healthy.d.status.heat_pumps[`${ID}/hp-1`]?.windows).toBeGreaterThan(180)
    expect(healthy.d.status.events).toEqual([])

    const faulty = detector(current)
    await faulty.d.ready
    const events: AnomalyEvent[] = []
    faulty.d.onAnomaly((e) => events.push(e))
    for (let i = 0; i < 1440; i += 500) faulty.d.observe(ID, records(i, 500, { on: 3, off: 3 }))
    expect(events.length).toBeGreaterThan(0)
    expect(events[0]).toMatchObject({ installation_id: ID, heat_pump: 'hp-1', mode: expect.any(String), model: { name: 'AERO_SLM', version: 4 } })
    expect(events[0]?.top_features).toHaveLength(3)
    expect(faulty.d.status.events[0]).toEqual(events[events.length - 1])
    const lines = readFileSync(join(faulty.dir, 'anomalies.jsonl'), 'utf8').trim().split('\n')
    expect(lines).toHaveLength(events.length)
    // A restart shows the recorded events.
    const again = new AnomalyDetector({ currentModel: () => current, onInstalled: () => () => {} }, faulty.dir, pino({ level: 'silent' }))
    expect(again.status.events).toEqual(faulty.d.status.events)
  })

  it('scores nothing without a model, starts when one is installed, and stops when it expires', async () => {
    const { d, install, expire } = detector(null)
    await d.ready
    d.observe(ID, records(0, 200, { on: 50, off: 10 }))
    expect(d.status).toMatchObject({ model: null, heat_pumps: {} })
    install(current)
    await d.ready
    expect(d.status.model).toMatchObject({ name: 'AERO_SLM', version: 4 })
    d.observe(ID, records(200, 200, { on: 50, off: 10 }))
    // Samples of closed windows; the last window is still open.
    expect(d.status.heat_pumps[`${ID}/hp-1`]?.samples).toBe(190)
    expect(d.status.heat_pumps[`${ID}/hp-1`]?.windows).toBeGreaterThan(10)
    expect(d.status.heat_pumps[`${ID}/hp-1`]?.last?.mode).toBe('heating')
    expect(d.status.heat_pumps[`${ID}/hp-1`]?.last?.score).toBeGreaterThanOrEqual(0)
    expect(d.status.heat_pumps[`${ID}/hp-1`]?.last?.threshold).toBeGreaterThan(0)
    expect(d.status.heat_pumps[`${ID}/hp-1`]?.last?.anomalous).toBe(false)
    expire()
    d.observe(ID, records(400, 100, { on: 50, off: 10 }))
    expect(d.status.model).toBeNull()
  })

  it('reports a payload that is not a model instead of scoring with it', async () => {
    const { d } = detector({ ...current, payload: Buffer.from('{"format":"pickle"}') })
    await d.ready
    expect(d.status.model).toBeNull()
    expect(d.status.error).toMatch(/cannot use the community model: not a heatpool-anomaly\/1 model/)
  })
})
