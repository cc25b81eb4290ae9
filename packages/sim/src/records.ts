import { daikinAlthermaDriver, idmNavigatorDriver, luxtronikDriver, nibeSSeriesDriver } from '@heatpool/protocol'
import { activeFault, type StuckSensor } from './faults.js'
import type { HeatPumpUnit, Mode, UnitState } from './heat-pump.js'
import type { Random } from './random.js'

export const PAYLOAD_FORMATS = ['v1', 'v2'] as const
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number]

/** What the unit's sensors read: the true state plus noise, rounded as the controller reports it. */
interface Readings {
  readonly outdoor: number
  readonly flow: number
  readonly return: number
  readonly hotWater: number
}

const r1 = (x: number) => Math.round(x * 10) / 10
const r2 = (x: number) => Math.round(x * 100) / 100
const r3 = (x: number) => Math.round(x * 1000) / 1000

/** iDM `status_heat_pump` bits (register 1090) and the text the v2 driver sends with a single flag. */
const IDM_STATUS: Readonly<Record<Mode, { value: number, text: string }>> = {
  off: { value: 0, text: 'OFF' },
  heating: { value: 1, text: 'HEATING' },
  hot_water: { value: 4, text: 'WATER' },
  defrost: { value: 8, text: 'DEFROSTING' },
}

/**
 * Catalog quantities a driver does not read (its controller has no register for them) come from
 * the installation's own heat and electricity meters, in canonical names and units, which every
 * driver map reads as well (the canonical fallback of the protocol's normaliser).
 */
function meters (s: UnitState, withHeat: boolean): Record<string, number> {
  return {
    power_heat: Math.round(s.powerHeat),
    power_electric: Math.round(s.powerElectric),
    ...(withHeat ? { energy_heat_total: r1(s.heatHeatingKWh + s.heatHotWaterKWh) } : {}),
    energy_electric_total: r2(s.electricKWh),
  }
}

/**
 * Raw values as each real driver sends them (protocol `drivers/*.ts`): iDM Navigator 2.0 power
 * in kW with `power_current` the *thermal* output and `power_current_draw` the electrical input;
 * NIBE S-series heat counters split by use in kWh; Daikin Altherma temperatures and defrost flag
 * only; Luxtronik 2.1 heat quantities in tenths of a kWh.
 */
function rawValues (driverId: string, s: UnitState, r: Readings, format: PayloadFormat): Record<string, unknown> {
  switch (driverId) {
    case idmNavigatorDriver.id:
      return {
        temp_outside: r.outdoor,
        temp_heat_pump_flow: r.flow,
        temp_heat_pump_return: r.return,
        temp_water_heater_top: r.hotWater,
        power_current: r2(s.powerHeat / 1000),
        power_current_draw: r3(s.powerElectric / 1000),
        energy_heat_total: r1(s.heatHeatingKWh + s.heatHotWaterKWh),
        // v1.0.2 sends the bitfield as a float; the v2 driver as {value, text} for a single flag.
        status_heat_pump: format === 'v1' ? IDM_STATUS[s.mode].value : IDM_STATUS[s.mode],
      }
    case nibeSSeriesDriver.id:
      return {
        temp_outside: r.outdoor,
        temp_supply_line: r.flow,
        temp_return_line: r.return,
        temp_hot_water_top: r.hotWater,
        temp_hot_water_charging: r1(r.hotWater - 4),
        compressor_frequency: s.compressorHz,
        energy_produced_heating: r1(s.heatHeatingKWh),
        energy_produced_hot_water: r1(s.heatHotWaterKWh),
        ...meters(s, false),
      }
    case daikinAlthermaDriver.id:
      return {
        temp_outside: r.outdoor,
        temp_leaving_water: r.flow,
        temp_return_water: r.return,
        temp_hot_water: r.hotWater,
        defrost_status: s.mode === 'defrost' ? 1 : 0,
        ...meters(s, true),
      }
    case luxtronikDriver.id:
      return {
        temp_outside: r.outdoor,
        temp_flow: r.flow,
        temp_return: r.return,
        temp_hot_water: r.hotWater,
        heat_quantity_heating: Math.round(s.heatHeatingKWh * 10),
        heat_quantity_hot_water: Math.round(s.heatHotWaterKWh * 10),
        ...meters(s, false),
      }
    default:
      return canonicalValues(s, r)
  }
}

/** Catalog names and units: what a v1 record of a non-iDM unit carries (v1 names no driver). */
function canonicalValues (s: UnitState, r: Readings): Record<string, unknown> {
  return {
    temp_outdoor: r.outdoor,
    temp_flow: r.flow,
    temp_return: r.return,
    temp_hot_water: r.hotWater,
    ...meters(s, true),
  }
}

/**
 * Turns a unit's state into submit records in one payload format, with sensor noise and stuck
 * sensors applied to what is reported (never to the physics).
 */
export class RecordWriter {
  readonly #unit: HeatPumpUnit
  readonly #heatPumpId: string
  readonly #format: PayloadFormat
  readonly #noise: Random
  #stuck: { sensor: StuckSensor, value: number } | undefined

  constructor (unit: HeatPumpUnit, heatPumpId: string, format: PayloadFormat, noise: Random) {
    this.#unit = unit
    this.#heatPumpId = heatPumpId
    this.#format = format
    this.#noise = noise
  }

  /** The record of the unit's current instant. */
  record (): Record<string, unknown> {
    const unit = this.#unit
    const s = unit.state
    const ms = unit.ms
    const n = this.#noise
    const readings = {
      temp_outdoor: r1(s.outdoor + n.normal(0, 0.05)),
      temp_flow: r1(s.flow + n.normal(0, 0.05)),
      temp_return: r1(s.return + n.normal(0, 0.05)),
    }
    const fault = activeFault(unit.spec.faults, 'stuck_sensor', ms)
    if (fault?.sensor === undefined) {
      this.#stuck = undefined
    } else {
      this.#stuck ??= { sensor: fault.sensor, value: readings[fault.sensor] }
      readings[this.#stuck.sensor] = this.#stuck.value
    }
    const r: Readings = { outdoor: readings.temp_outdoor, flow: readings.temp_flow, return: readings.temp_return, hotWater: r1(s.hotWater) }
    const timestamp = Math.round(ms / 1000)
    const driver = unit.spec.model.driver
    if (this.#format === 'v1') {
      return { timestamp, ...(driver.id === idmNavigatorDriver.id ? rawValues(driver.id, s, r, 'v1') : canonicalValues(s, r)) }
    }
    return {
      timestamp,
      heatpumps: [{ id: this.#heatPumpId, manufacturer: driver.manufacturer, model: driver.model, values: rawValues(driver.id, s, r, 'v2') }],
    }
  }
}
