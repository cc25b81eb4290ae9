import { expect } from 'vitest'
import type { TestApp } from '../helper.js'

/**
 * A small simulated fleet for the community analytics tests, and the statistics computed
 * independently from its raw readings (not from server code): trapezoid energy per 10-minute
 * interval, hours by the interval's start, COP = Σ heat ÷ Σ electricity, temperatures weighted
 * by heat, 2 K bands from each hour's heat-weighted outdoor temperature, nearest-rank quantiles.
 */
export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000
const STEP_MS = 600_000

export interface Reading { ts: number, heatKw: number, electricKw: number, outdoor: number, flow: number }

export interface HomeSpec {
  /** Heat-pump model name as the installation reports it. */
  model: string
  /** Fraction of the Carnot COP this unit reaches. */
  carnot: number
  /** UTC day numbers with data (whole days). */
  days: number[]
  /** Mean outdoor temperature (°C); the day cycle adds ±amplitude. */
  outdoor: number
  amplitude?: number
}

function mulberry (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Readings every 10 minutes over the home's days: heat from a heat-loss line, flow from a heating curve, COP from the Carnot fraction. */
export function readings (spec: HomeSpec, seed: number): Reading[] {
  const rand = mulberry(seed)
  const out: Reading[] = []
  for (const day of spec.days) {
    for (let ts = day * DAY_MS; ts < (day + 1) * DAY_MS; ts += STEP_MS) {
      const hourOfDay = (ts % DAY_MS) / HOUR_MS
      const outdoor = spec.outdoor + (spec.amplitude ?? 0) * Math.sin(2 * Math.PI * (hourOfDay - 9) / 24) + (rand() - 0.5) * 0.4
      const flow = 30 + 0.5 * (15 - outdoor) + (rand() - 0.5)
      const carnot = (flow + 2 + 273.15) / (flow + 2 - (outdoor - 6))
      const heatKw = Math.max(1, 0.25 * (20 - outdoor)) * (0.9 + 0.2 * rand())
      out.push({ ts, heatKw, electricKw: heatKw / (spec.carnot * carnot), outdoor, flow })
    }
  }
  return out
}

export function v2Payload (installationId: string, model: string, rs: Reading[]) {
  return {
    installation_id: installationId,
    heatpump_model: model,
    data_version: '2.0',
    data: rs.map((r) => ({
      timestamp: r.ts / 1000,
      heatpumps: [{ id: 'hp-legacy', manufacturer: 'idm', model: 'navigator_2_0', values: { power_current: r.heatKw, power_current_draw: r.electricKw, temp_outside: r.outdoor, temp_heat_pump_flow: r.flow } }],
    })),
  }
}

export interface Home { spec: HomeSpec, id: string, token: string, readings: Reading[] }

/** Registers each home and submits its readings through the API. */
export async function submitFleet (t: TestApp, specs: HomeSpec[]): Promise<Home[]> {
  const homes: Home[] = []
  for (const [i, spec] of specs.entries()) {
    const { id, token } = await t.register()
    const rs = readings(spec, 1000 + i)
    const res = await t.submit(v2Payload(id, spec.model, rs), token)
    expect(res.statusCode, res.body).toBe(200)
    homes.push({ spec, id, token, readings: rs })
  }
  return homes
}

interface Acc { heat: number, elec: number, flowW: number, outW: number, runningH: number }
const acc = (): Acc => ({ heat: 0, elec: 0, flowW: 0, outW: 0, runningH: 0 })

export interface Figures { cop: number, flow: number, outdoor: number, runningHours: number, heatWh: number }
const figures = (a: Acc): Figures => ({ cop: a.heat / a.elec, flow: a.flowW / a.heat, outdoor: a.outW / a.heat, runningHours: a.runningH, heatWh: a.heat })

/** One home's figures over [fromMs, toMs), overall and per band. */
export function independent (rs: Reading[], fromMs: number, toMs: number): { overall: Figures, bands: Map<number, Figures> } {
  const hours = new Map<number, Acc>()
  for (let i = 0; i + 1 < rs.length; i++) {
    const a = rs[i] as Reading
    const b = rs[i + 1] as Reading
    if (a.ts < fromMs || a.ts >= toMs || b.ts - a.ts !== STEP_MS) continue
    const h = Math.floor(a.ts / HOUR_MS)
    const x = hours.get(h) ?? acc()
    hours.set(h, x)
    const dtH = STEP_MS / HOUR_MS
    const heat = (a.heatKw + b.heatKw) / 2 * 1000 * dtH
    x.heat += heat
    x.elec += (a.electricKw + b.electricKw) / 2 * 1000 * dtH
    x.flowW += heat * (a.flow + b.flow) / 2
    x.outW += heat * (a.outdoor + b.outdoor) / 2
    x.runningH += dtH
  }
  const all = acc()
  const bands = new Map<number, Acc>()
  for (const x of hours.values()) {
    const band = Math.floor(x.outW / x.heat / 2) * 2
    const bx = bands.get(band) ?? acc()
    bands.set(band, bx)
    for (const into of [all, bx]) {
      into.heat += x.heat; into.elec += x.elec; into.flowW += x.flowW; into.outW += x.outW; into.runningH += x.runningH
    }
  }
  return { overall: figures(all), bands: new Map([...bands].map(([b, x]) => [b, figures(x)])) }
}

/** Nearest-rank quantile, written here again on purpose. */
export function nearestRank (values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil(q * sorted.length - 1e-9) - 1)] as number
}

export const round2 = (x: number) => Math.round(x * 100) / 100

export function expectClose (actual: unknown, expected: number, what: string): void {
  expect(typeof actual, what).toBe('number')
  expect(Math.abs((actual as number) - expected), `${what}: ${String(actual)} vs ${expected}`).toBeLessThanOrEqual(0.0101)
}

export async function getJson (t: TestApp, url: string, token?: string) {
  const res = await t.inject({ method: 'GET', url, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
  return { status: res.statusCode, body: res.json() }
}
