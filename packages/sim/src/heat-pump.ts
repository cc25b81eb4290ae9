import { heatDemand, type Building } from './building.js'
import { groundTemperature, Weather, type Climate } from './climate.js'
import { activeFault, refrigerantFactor, type Fault } from './faults.js'
import { flowTemperature, type HeatingCurve } from './heating-curve.js'
import type { HeatPumpModel } from './models.js'
import { hashUniform } from './random.js'
import { DAY_MS, hourOfDay, HOUR_MS } from './time.js'

export type Mode = 'off' | 'heating' | 'hot_water' | 'defrost'

/** A domestic hot-water cylinder and its daily use. */
export interface HotWater {
  /** Solar hour of the daily charge (the controller's DHW time window opens). */
  readonly chargeHour: number
  /** Charge target, °C. */
  readonly target: number
  /** The cylinder's heat capacity, kWh/K (200 l ≈ 0.23). */
  readonly kWhPerK: number
  /** Heat drawn by each of the two daily tapping peaks (07:00, 19:00), kWh. */
  readonly drawKWh: number
}

/** Everything fixed about one simulated heat pump. */
export interface UnitSpec {
  /** Distinguishes units in hashed per-day figures. */
  readonly id: string
  readonly model: HeatPumpModel
  readonly climate: Climate
  /** Seed of the regional weather. */
  readonly weatherSeed: number
  /** The site is this much warmer than its region (altitude, town), K. */
  readonly siteOffset: number
  readonly building: Building
  readonly curve: HeatingCurve
  readonly hotWater: HotWater
  /** This unit's Carnot fraction. */
  readonly carnotFraction: number
  /** Heat the building and emitters store between compressor on and off (hysteresis), kWh. */
  readonly bufferKWh: number
  readonly initialHeatKWh: number
  readonly initialElectricKWh: number
  readonly faults: readonly Fault[]
}

/** What the unit does and measures at an instant, in catalog units (°C, W, kWh). */
export interface UnitState {
  mode: Mode
  outdoor: number
  flow: number
  return: number
  hotWater: number
  powerHeat: number
  powerElectric: number
  /** Lifetime heat counters, kWh, split by use. */
  heatHeatingKWh: number
  heatHotWaterKWh: number
  electricKWh: number
  /** Compressor speed, Hz (0 when off). */
  compressorHz: number
  /** Water flow through the unit, l/min (0 when the charge pump stops). */
  flowRate: number
  /** Compressor starts so far. */
  starts: number
  /** Defrost cycles so far. */
  defrosts: number
}

const KELVIN = 273.15
/** Condensing above flow and evaporating below source, K (heatpumpmonitor.org's "% of Carnot": +2/−6). */
const CONDENSING_APPROACH = 2
const EVAPORATING_APPROACH = 6
/** Design temperature difference flow − return at full output, K. */
const DESIGN_SPREAD = 5
/** Controller standby draw, W. */
const STANDBY_W = 15
/** The controller pays back a heat deficit over this long, h. */
const CATCH_UP_HOURS = 0.5
/** Largest heat deficit or surplus the building model carries, kWh. */
const MAX_DEFICIT_KWH = 3
/** Full efficiency is reached this long after a start, h. */
const START_UP_HOURS = 5 / 60
const DEFROST_HOURS = 6 / 60
const FAILED_DEFROST_HOURS = 10 / 60
/** No defrost starts sooner than this after the previous one ended, h. */
const DEFROST_MIN_GAP_HOURS = 20 / 60
/** Frost builds on the evaporator below this outdoor temperature, °C. */
export const DEFROST_THRESHOLD = 5

/** Frost per running hour at an outdoor temperature: most in humid air around 0–3 °C, less in dry cold. */
function frostRate (outdoor: number): number {
  if (outdoor >= DEFROST_THRESHOLD) return 0
  if (outdoor >= 0) return 1.3 - 0.18 * outdoor
  return Math.max(0.4, 1.3 + 0.06 * outdoor)
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))

/**
 * One heat pump in its home, stepped through time. Deterministic: its only inputs are its spec
 * and the times it is stepped to. Air units build frost below +5 °C and defrost; space heating
 * modulates between the model's minimum and full output and cycles on and off below the
 * minimum; the hot-water cylinder is charged once a day (and whenever it runs cold).
 */
export class HeatPumpUnit {
  readonly spec: UnitSpec
  readonly state: UnitState
  #ms: number
  #smoothOutdoor: number
  /** Heat surplus (+) or deficit (−) of the building against its demand, kWh. */
  #balance = 0
  #compressorOn = false
  #onSinceMs = 0
  #frost = 0
  #defrostUntilMs = -Infinity
  #lastDefrostEndMs = -Infinity
  #hotWaterActive = false
  #lastChargeDay = -1
  readonly #flowRateLMin: number
  readonly #weather: Weather

  constructor (spec: UnitSpec, startMs: number) {
    this.spec = spec
    this.#ms = startMs
    this.#weather = new Weather(spec.climate, spec.weatherSeed)
    const outdoor = this.#weather.temperature(startMs) + spec.siteOffset
    this.#smoothOutdoor = outdoor
    this.#flowRateLMin = spec.model.nominalW / (4186 * DESIGN_SPREAD) * 60
    const idle = Math.max(spec.building.setpoint + 2, flowTemperature(spec.curve, outdoor) - 4)
    this.state = {
      mode: 'off',
      outdoor,
      flow: idle,
      return: idle,
      hotWater: spec.hotWater.target - 4,
      powerHeat: 0,
      powerElectric: STANDBY_W,
      heatHeatingKWh: spec.initialHeatKWh * 0.8,
      heatHotWaterKWh: spec.initialHeatKWh * 0.2,
      electricKWh: spec.initialElectricKWh,
      compressorHz: 0,
      flowRate: 0,
      starts: 0,
      defrosts: 0,
    }
  }

  get ms (): number {
    return this.#ms
  }

  /** Advances to `toMs` in steps of at most `maxStepMs`. */
  advance (toMs: number, maxStepMs = 60_000): void {
    while (this.#ms < toMs) this.#step(Math.min(maxStepMs, toMs - this.#ms))
  }

  #step (dtMs: number): void {
    const { spec, state } = this
    const model = spec.model
    const ms = this.#ms + dtMs
    const dtH = dtMs / HOUR_MS
    this.#ms = ms

    const outdoor = this.#weather.temperature(ms) + spec.siteOffset
    state.outdoor = outdoor
    this.#smoothOutdoor += (outdoor - this.#smoothOutdoor) * (1 - Math.exp(-dtH / spec.building.timeConstantHours))
    const demandW = heatDemand(spec.building, this.#smoothOutdoor)

    const refrigerant = refrigerantFactor(activeFault(spec.faults, 'refrigerant_loss', ms), ms)
    const shortCycling = activeFault(spec.faults, 'short_cycling', ms) !== undefined
    const failedDefrost = model.source === 'air' && activeFault(spec.faults, 'failed_defrost', ms) !== undefined

    const sourceTemp = model.source === 'air' ? outdoor : groundTemperature(spec.climate, ms) - 3
    const capacityFactor = model.source === 'air' ? clamp(1 + 0.02 * (outdoor - 2), 0.65, 1.25) : clamp(1 + 0.015 * sourceTemp, 0.9, 1.15)
    const frostPenalty = 1 - 0.1 * Math.min(this.#frost, 1) - 0.2 * Math.max(0, this.#frost - 1)
    const capacity = model.nominalW * capacityFactor * (0.5 + 0.5 * refrigerant) * frostPenalty

    this.#hotWaterDraws(ms, dtMs)

    // Hot water: the daily charge when its window opens, or at once when the cylinder runs cold.
    const day = Math.floor(ms / DAY_MS)
    const hour = hourOfDay(ms, spec.climate.utcOffsetHours)
    if (!this.#hotWaterActive && (state.hotWater < 38 || (hour >= spec.hotWater.chargeHour && this.#lastChargeDay !== day && state.hotWater < spec.hotWater.target - 3))) {
      this.#hotWaterActive = true
      this.#lastChargeDay = day
    }

    let mode: Mode
    let heatW = 0
    let flowTarget: number
    if (ms < this.#defrostUntilMs) {
      mode = 'defrost'
    } else if (this.#hotWaterActive) {
      mode = 'hot_water'
      heatW = capacity * 0.95
    } else {
      mode = 'heating'
      const minW = Math.min(1, model.minModulation * (shortCycling ? 1.6 : 1)) * capacity
      const band = spec.bufferKWh * (shortCycling ? 0.08 : 1)
      const wantW = demandW - this.#balance * 1000 / CATCH_UP_HOURS
      if (this.#compressorOn) {
        if (wantW < minW && this.#balance >= band) heatW = 0
        else heatW = clamp(wantW, minW, capacity)
      } else if (demandW > 0 && this.#balance <= -band) {
        heatW = clamp(wantW, minW, capacity)
      }
      if (heatW === 0) mode = 'off'
    }

    const running = mode !== 'off'
    if (running && !this.#compressorOn) {
      this.#onSinceMs = ms - dtMs
      state.starts++
    }
    this.#compressorOn = running

    // Flow temperature: the heating curve, or the cylinder plus the coil's spread while charging.
    if (mode === 'hot_water') flowTarget = Math.min(model.maxFlow, state.hotWater + 7)
    else flowTarget = flowTemperature(spec.curve, this.#smoothOutdoor)

    let electricW = STANDBY_W
    if (mode === 'defrost') {
      // Reverse cycle: the compressor runs, heat is taken back from the water, none delivered.
      electricW = 0.12 * model.nominalW
      heatW = 0
    } else if (running) {
      const warmUp = Math.min(1, (ms - this.#onSinceMs) / HOUR_MS / START_UP_HOURS)
      const condensing = flowTarget + CONDENSING_APPROACH + KELVIN
      const evaporating = sourceTemp - EVAPORATING_APPROACH + KELVIN
      const carnot = condensing / Math.max(8, condensing - evaporating)
      const cop = clamp(spec.carnotFraction * refrigerant * frostPenalty * carnot * (0.7 + 0.3 * warmUp), 1.1, 8)
      heatW *= 0.75 + 0.25 * warmUp
      electricW = heatW / cop + STANDBY_W
      if (model.source === 'air' && outdoor < DEFROST_THRESHOLD) this.#frost = Math.min(3, this.#frost + dtH * frostRate(outdoor))
      if (model.source === 'air' && this.#frost >= 1 && outdoor < DEFROST_THRESHOLD && ms - this.#lastDefrostEndMs >= DEFROST_MIN_GAP_HOURS * HOUR_MS) {
        this.#defrostUntilMs = ms + (failedDefrost ? FAILED_DEFROST_HOURS : DEFROST_HOURS) * HOUR_MS
        this.#lastDefrostEndMs = this.#defrostUntilMs
        state.defrosts++
        // A good defrost clears the coil; a failed one leaves most of the ice.
        this.#frost = failedDefrost ? this.#frost * 0.85 : 0
      }
    }
    // Above the threshold, the air melts what is left on the coil.
    if (outdoor >= DEFROST_THRESHOLD) this.#frost = Math.max(0, this.#frost - 2 * dtH)

    // The building: heat in minus demand; the cylinder: the charge.
    if (mode === 'hot_water') {
      state.hotWater += heatW * dtH / 1000 / spec.hotWater.kWhPerK
      if (state.hotWater >= spec.hotWater.target) this.#hotWaterActive = false
      this.#balance -= demandW * dtH / 1000
    } else {
      this.#balance += (heatW - demandW) * dtH / 1000
    }
    this.#balance = clamp(this.#balance, -MAX_DEFICIT_KWH, MAX_DEFICIT_KWH)

    // Water temperatures: the flow follows its target within minutes while running and sinks
    // towards the room when the compressor stops; the return is the flow minus the spread.
    const spread = mode === 'defrost' ? -1.5 : DESIGN_SPREAD * heatW / model.nominalW
    if (running) {
      state.flow += (flowTarget - state.flow) * (1 - Math.exp(-dtH / (4 / 60)))
      if (mode === 'defrost') state.flow += (state.return - 2 - state.flow) * (1 - Math.exp(-dtH / (3 / 60)))
      state.return = state.flow - spread
    } else {
      const idle = spec.building.setpoint + 3
      state.flow += (idle - state.flow) * (1 - Math.exp(-dtH / 0.5))
      state.return += (idle - state.return) * (1 - Math.exp(-dtH / 0.5))
    }

    state.mode = mode
    state.powerHeat = heatW
    state.powerElectric = electricW
    state.compressorHz = running ? Math.round(20 + 100 * Math.min(1.2, (mode === 'defrost' ? 0.6 * capacity : heatW) / model.nominalW)) : 0
    state.flowRate = running ? this.#flowRateLMin : 0
    if (mode === 'hot_water') state.heatHotWaterKWh += heatW * dtH / 1000
    else state.heatHeatingKWh += heatW * dtH / 1000
    state.electricKWh += electricW * dtH / 1000
  }

  /** Tapping peaks at 07:00 and 19:00 solar time, each a little different per day, and standing loss. */
  #hotWaterDraws (ms: number, dtMs: number): void {
    const { spec, state } = this
    const before = hourOfDay(ms - dtMs, spec.climate.utcOffsetHours)
    const after = hourOfDay(ms, spec.climate.utcOffsetHours)
    for (const peak of [7, 19]) {
      const crossed = before <= after ? before < peak && after >= peak : before < peak || after >= peak
      if (crossed) {
        const kWh = spec.hotWater.drawKWh * (0.6 + 0.8 * hashUniform(spec.id, 'draw', Math.floor(ms / DAY_MS), peak))
        state.hotWater = Math.max(15, state.hotWater - kWh / spec.hotWater.kWhPerK)
      }
    }
    state.hotWater -= 0.25 * dtMs / HOUR_MS * (state.hotWater - 20) / 30
  }
}

