import { CLIMATE_NAMES, CLIMATES, type Climate, type ClimateName } from './climate.js'
import { STUCK_SENSORS, type Fault, type FaultSpec } from './faults.js'
import { HeatPumpUnit, type UnitSpec } from './heat-pump.js'
import { MODELS, type HeatPumpModel } from './models.js'
import { Random } from './random.js'
import { RecordWriter, type PayloadFormat } from './records.js'
import { DAY_MS } from './time.js'

export type ClimateChoice = ClimateName | 'mixed'

export interface FleetOptions {
  readonly seed: number
  readonly installations: number
  /** `mixed`: installations take the climates in turn. */
  readonly climate: ClimateChoice
  /** Installations take the models in turn (default: every model). */
  readonly models?: readonly HeatPumpModel[]
  readonly faults?: readonly FaultSpec[]
  /** The first record's time, ms since the epoch. */
  readonly startMs: number
  /** After the last record, ms; faults without an end day last until here. */
  readonly endMs: number
}

/** One simulated home: its identity on the server and its heat pump. */
export interface SimInstallation {
  readonly index: number
  readonly installationId: string
  /** A client-chosen token: re-registering with the same seed is answered 200, not 409. */
  readonly token: string
  /** The heat pump's id in v2 records (`hp-` + 8 hex digits, as upstream clients name them). */
  readonly heatPumpId: string
  readonly model: HeatPumpModel
  readonly climate: Climate
  readonly spec: UnitSpec
}

/** One line of the ground-truth labels file. */
export interface FaultLabel {
  readonly installation_id: string
  readonly heatpump_id: string
  readonly heatpump_model: string
  readonly fault: string
  readonly start: string
  readonly end: string
  readonly start_ts: number
  readonly end_ts: number
  readonly sensor?: string
}

/** The units whose design the seed decides, in a fixed order of draws. */
function installation (o: FleetOptions, index: number, faults: readonly Fault[]): SimInstallation {
  const rng = Random.of(o.seed, 'installation', index)
  const models = o.models ?? MODELS
  const model = models[index % models.length] as HeatPumpModel
  const climate = CLIMATES[o.climate === 'mixed' ? CLIMATE_NAMES[index % CLIMATE_NAMES.length] as ClimateName : o.climate]
  const installationId = rng.uuid()
  const token = `sim_${rng.urlSafe(40)}`
  const heatPumpId = `hp-${rng.hex(8)}`

  // Sized at the design temperature for 60–90 % of the unit's output there (air units lose
  // output in the cold), as installers size monovalent systems with some margin.
  const setpoint = rng.uniform(20, 22)
  const gainsW = rng.uniform(200, 600)
  const designCapacity = model.source === 'air' ? model.nominalW * Math.max(0.65, 1 + 0.02 * (climate.designTemp - 2)) : model.nominalW
  const designLoad = designCapacity * rng.uniform(0.6, 0.9)
  const underfloor = rng.next() < 0.6
  const spec: UnitSpec = {
    id: installationId,
    model,
    climate,
    weatherSeed: o.seed,
    siteOffset: rng.normal(0, 0.8),
    building: {
      heatLossWPerK: (designLoad + gainsW) / (setpoint - climate.designTemp),
      setpoint,
      gainsW,
      heatingLimit: rng.uniform(14, 17),
      timeConstantHours: rng.uniform(6, 30),
    },
    curve: {
      designFlow: underfloor ? rng.uniform(32, 38) : rng.uniform(42, 52),
      designOutdoor: climate.designTemp,
      footTemp: setpoint,
      minFlow: rng.uniform(24, 27),
    },
    hotWater: {
      chargeHour: rng.pick([2, 3, 5, 12, 13, 14]),
      target: rng.uniform(48, 53),
      kWhPerK: rng.uniform(200, 300) * 0.001163,
      drawKWh: rng.uniform(1.5, 3),
    },
    carnotFraction: model.carnotFraction * (1 + rng.normal(0, model.unitSpread)),
    bufferKWh: rng.uniform(0.3, 0.8),
    initialHeatKWh: 0,
    initialElectricKWh: 0,
    faults,
  }
  const initialHeatKWh = rng.uniform(2_000, 40_000)
  return {
    index,
    installationId,
    token,
    heatPumpId,
    model,
    climate,
    spec: { ...spec, initialHeatKWh, initialElectricKWh: initialHeatKWh / rng.uniform(3.2, 4.2) },
  }
}

/**
 * Which installations get which faults: a seeded shuffle, taken in order, so that no
 * installation gets two faults while there are enough of them.
 */
function assignFaults (o: FleetOptions): Fault[][] {
  const out: Fault[][] = Array.from({ length: o.installations }, () => [])
  if (o.installations === 0) return out
  const rng = Random.of(o.seed, 'faults')
  const order = rng.shuffle(Array.from({ length: o.installations }, (_, i) => i))
  let next = 0
  for (const f of o.faults ?? []) {
    for (let n = 0; n < f.count; n++) {
      const i = order[next++ % order.length] as number
      const startMs = o.startMs + Math.round(f.startDay * DAY_MS)
      const endMs = f.endDay === undefined ? o.endMs : Math.min(o.endMs, o.startMs + Math.round(f.endDay * DAY_MS))
      const sensor = f.kind === 'stuck_sensor' ? rng.pick(STUCK_SENSORS) : undefined
      out[i]?.push({ kind: f.kind, startMs, endMs, ...(sensor === undefined ? {} : { sensor }) })
    }
  }
  return out
}

/** The fleet a seed describes. Pure: the same options give the same fleet. */
export function buildFleet (o: FleetOptions): SimInstallation[] {
  const faults = assignFaults(o)
  return faults.map((f, i) => installation(o, i, f))
}

/** Ground-truth labels of every fault in the fleet. */
export function faultLabels (fleet: readonly SimInstallation[]): FaultLabel[] {
  return fleet.flatMap((inst) => inst.spec.faults.map((f) => ({
    installation_id: inst.installationId,
    heatpump_id: inst.heatPumpId,
    heatpump_model: inst.model.name,
    fault: f.kind,
    start: new Date(f.startMs).toISOString(),
    end: new Date(f.endMs).toISOString(),
    start_ts: f.startMs / 1000,
    end_ts: f.endMs / 1000,
    ...(f.sensor === undefined ? {} : { sensor: f.sensor }),
  })))
}

/** The unit runs this long before its first record, so that tank and building have settled. */
const WARM_UP_MS = DAY_MS

export interface RecordStreamOptions {
  readonly format: PayloadFormat
  readonly startMs: number
  readonly intervalMs: number
  readonly count: number
}

/** The installation's records, one per interval from `startMs`, generated lazily. */
export function * recordsOf (inst: SimInstallation, o: RecordStreamOptions): Generator<Record<string, unknown>> {
  const unit = new HeatPumpUnit(inst.spec, o.startMs - WARM_UP_MS)
  const writer = new RecordWriter(unit, inst.heatPumpId, o.format, Random.of(inst.spec.weatherSeed, 'noise', inst.index))
  unit.advance(o.startMs)
  for (let k = 0; k < o.count; k++) {
    unit.advance(o.startMs + k * o.intervalMs)
    yield writer.record()
  }
}

/** A submit payload of one installation. */
export function submitPayload (inst: SimInstallation, format: PayloadFormat, data: readonly unknown[]): Record<string, unknown> {
  return {
    installation_id: inst.installationId,
    heatpump_model: inst.model.name,
    version: 'heatpool-sim/0.1.0',
    ...(format === 'v2' ? { data_version: '2.0' } : {}),
    data,
  }
}
