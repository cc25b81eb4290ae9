import { normaliseSubmission, type NormalisedRecord, type SubmissionTally } from '@heatpool/protocol'
import { buildFleet, recordsOf, type FleetOptions, type SimInstallation } from '../src/fleet.js'
import { HeatPumpUnit, type UnitState } from '../src/heat-pump.js'
import type { PayloadFormat } from '../src/records.js'
import { DAY_MS } from '../src/time.js'

export const WINTER = Date.UTC(2026, 0, 5)
export const AUTUMN = Date.UTC(2026, 9, 1)

export function fleetFrom (startMs: number, days: number, o: Partial<FleetOptions> = {}): SimInstallation[] {
  return buildFleet({ seed: 7, installations: 4, climate: 'continental', startMs, endMs: startMs + days * DAY_MS, ...o })
}

export interface Totals {
  heatWh: number
  electricWh: number
}

export const cop = (t: Totals) => t.heatWh / t.electricWh

/**
 * Steps a unit through time and hands each instant to `visit`; totals are Σ power × step, as the
 * server's rollups integrate them.
 */
export function simulate (inst: SimInstallation, startMs: number, days: number, stepMs: number, visit?: (s: Readonly<UnitState>, ms: number) => void): Totals {
  const unit = new HeatPumpUnit(inst.spec, startMs - DAY_MS)
  unit.advance(startMs)
  const totals = { heatWh: 0, electricWh: 0 }
  for (let ms = startMs + stepMs; ms <= startMs + days * DAY_MS; ms += stepMs) {
    unit.advance(ms)
    totals.heatWh += unit.state.powerHeat * stepMs / 3_600_000
    totals.electricWh += unit.state.powerElectric * stepMs / 3_600_000
    visit?.(unit.state, ms)
  }
  return totals
}

/** An installation's records over `days`, normalised the way the server does it. */
export function normalised (inst: SimInstallation, format: PayloadFormat, startMs: number, days: number, intervalS = 60): { raw: Record<string, unknown>[], records: NormalisedRecord[], tally: SubmissionTally } {
  const raw = [...recordsOf(inst, { format, startMs, intervalMs: intervalS * 1000, count: Math.floor(days * 86_400 / intervalS) })]
  const endMs = startMs + days * DAY_MS
  const { records, tally } = normaliseSubmission(raw, { nowMs: endMs, oldestMs: startMs - 365 * DAY_MS, futureToleranceMs: 3_600_000 })
  return { raw, records, tally }
}
