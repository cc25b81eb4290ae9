/**
 * Feature windows: one heat pump's canonical samples (all metrics of one instant joined by
 * timestamp, as the sample store returns them — upstream's trainer never joined them, bug S9)
 * cut into fixed windows aligned to the epoch, each summarised as one feature vector and the
 * operating mode it was spent in. The server trains on these windows and the agent scores them,
 * so both build them here, the same way.
 *
 * The features are physical: what an engineer reads to judge a heat pump. COP against the Carnot
 * limit at the window's flow and outdoor temperatures (refrigerant loss, a failed defrost), compressor
 * starts per hour (short cycling), how much of the window went to defrosting, and how far each
 * temperature moved (a stuck sensor does not move at all).
 */
import { OPERATING_MODES, type MetricName } from '@heatpool/protocol/catalog'
import { recordOf, type Features } from './features.js'

/** One instant of one heat pump: canonical metric name → value. */
export interface Sample {
  /** Milliseconds since the epoch. */
  readonly ts: number
  readonly values: Readonly<Partial<Record<MetricName, number>>>
}

/** The sub-models of a community model: one per operating mode a window can be spent in. */
export const WINDOW_MODES = ['heating', 'hot_water', 'cooling', 'standby'] as const
/** A window with a defrost in it: no detector learns or scores those (upstream skipped defrost too). */
export type WindowMode = (typeof WINDOW_MODES)[number] | 'defrost'

/** Every feature a window can carry, in a fixed order (a window leaves out what it cannot compute). */
export const WINDOW_FEATURES = [
  'temp_outdoor', 'temp_flow', 'temp_return', 'temp_hot_water', 'spread', 'lift',
  'power_electric', 'power_heat', 'cop', 'carnot_efficiency',
  'starts_per_hour', 'running_fraction', 'defrost_fraction',
  'temp_outdoor_range', 'temp_flow_range', 'temp_return_range',
] as const
export type WindowFeature = (typeof WINDOW_FEATURES)[number]

export interface FeatureWindow {
  /** Start of the window, ms since the epoch (a multiple of the window length). */
  readonly startMs: number
  readonly mode: WindowMode
  /** Samples the window summarises. */
  readonly samples: number
  readonly features: Features
}

export interface WindowOptions {
  /** Window length, ms (default 15 minutes). */
  readonly windowMs?: number
  /** Windows with fewer samples are dropped (default 5). */
  readonly minSamples?: number
}

export const DEFAULT_WINDOW_MS = 15 * 60_000
export const DEFAULT_MIN_SAMPLES = 5

/** Electrical input above which the compressor counts as running when no operating mode is reported, W. */
const RUNNING_W = 100
/** A ratio of energies is only meaningful over some energy: below this mean input the window has no COP, W. */
const MIN_COP_INPUT_W = 50
/** Condensing above flow and evaporating below the outdoor air, K (heatpumpmonitor.org's "% of Carnot"). */
const CONDENSING_OFFSET_K = 2
const EVAPORATING_OFFSET_K = 6
/** The smallest lift the Carnot COP is computed for, K (keeps it finite on warm days). */
const MIN_LIFT_K = 8

const CODE = Object.fromEntries(OPERATING_MODES.map((m, i) => [m, i])) as Record<(typeof OPERATING_MODES)[number], number>

/** Carnot COP of heating at these temperatures, °C, with the usual heat-exchanger offsets. */
export function carnotCop (flowC: number, outdoorC: number): number {
  const condensingK = flowC + CONDENSING_OFFSET_K + 273.15
  const evaporatingK = outdoorC - EVAPORATING_OFFSET_K + 273.15
  return condensingK / Math.max(MIN_LIFT_K, condensingK - evaporatingK)
}

/** Running sums over one window. */
class Accumulator {
  samples = 0
  readonly sums = new Map<string, { n: number, sum: number, min: number, max: number }>()
  running = 0
  defrost = 0
  starts = 0
  /** Heat and electricity over running samples with both. */
  heat = 0
  electric = 0
  pairs = 0
  spreadSum = 0
  spreadN = 0
  readonly modeCounts = new Map<number, number>()

  add (name: string, value: number): void {
    const s = this.sums.get(name)
    if (s === undefined) this.sums.set(name, { n: 1, sum: value, min: value, max: value })
    else {
      s.n++
      s.sum += value
      if (value < s.min) s.min = value
      if (value > s.max) s.max = value
    }
  }

  mean (name: string): number | undefined {
    const s = this.sums.get(name)
    return s === undefined ? undefined : s.sum / s.n
  }

  range (name: string): number | undefined {
    const s = this.sums.get(name)
    return s === undefined || s.n < 2 ? undefined : s.max - s.min
  }
}

const SUMMED: readonly MetricName[] = ['temp_outdoor', 'temp_flow', 'temp_return', 'temp_hot_water', 'power_electric', 'power_heat']

/**
 * Cuts one heat pump's samples, in time order, into feature windows. Push samples one at a time;
 * a window is returned when the first sample of a later window arrives (or on `flush`). A sample
 * older than the open window is ignored. Whether the compressor runs comes from the operating
 * mode when reported (defrost counts as running), else from the electrical input; a start is a
 * sample running after one that did not (the first sample of a window only counts against the
 * last sample before it, so starts are not lost at window edges).
 */
export class WindowBuilder {
  readonly windowMs: number
  readonly minSamples: number
  #open: Accumulator | undefined
  #openStart = -Infinity
  #wasRunning: boolean | undefined

  constructor (options: WindowOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS
    this.minSamples = options.minSamples ?? DEFAULT_MIN_SAMPLES
    if (!(this.windowMs >= 1000) || !Number.isInteger(this.windowMs)) throw new RangeError(`cannot cut windows of ${this.windowMs} ms: a whole number of ms, at least 1000`)
    if (!(this.minSamples >= 1) || !Number.isInteger(this.minSamples)) throw new RangeError(`cannot require ${this.minSamples} samples per window: a whole number, at least 1`)
  }

  /** Adds one sample; returns the window it closed, if any. */
  push (sample: Sample): FeatureWindow | undefined {
    if (!Number.isFinite(sample.ts)) return undefined
    const start = sample.ts - (((sample.ts % this.windowMs) + this.windowMs) % this.windowMs)
    if (start < this.#openStart) return undefined
    let closed: FeatureWindow | undefined
    if (start > this.#openStart) {
      closed = this.flush()
      // A gap of more than one window: the compressor's state before it is unknown.
      if (start > this.#openStart + this.windowMs) this.#wasRunning = undefined
      this.#open = new Accumulator()
      this.#openStart = start
    }
    this.#add(this.#open as Accumulator, sample.values)
    return closed
  }

  /** Closes the open window; returns it if it had enough samples. */
  flush (): FeatureWindow | undefined {
    const acc = this.#open
    this.#open = undefined
    if (acc === undefined || acc.samples < this.minSamples) return undefined
    return { startMs: this.#openStart, mode: modeOf(acc), samples: acc.samples, features: featuresOf(acc, this.windowMs) }
  }

  #add (acc: Accumulator, v: Sample['values']): void {
    acc.samples++
    for (const name of SUMMED) {
      const x = v[name]
      if (typeof x === 'number' && Number.isFinite(x)) acc.add(name, x)
    }
    const mode = v.operating_mode
    const electric = v.power_electric
    const running = typeof mode === 'number'
      ? mode !== CODE.off
      : typeof electric === 'number' ? electric > RUNNING_W : undefined
    if (running === undefined) return
    if (running) {
      acc.running++
      if (this.#wasRunning === false) acc.starts++
      if (mode === CODE.defrost) acc.defrost++
      if (typeof mode === 'number') acc.modeCounts.set(mode, (acc.modeCounts.get(mode) ?? 0) + 1)
      const heat = v.power_heat
      if (typeof heat === 'number' && typeof electric === 'number' && Number.isFinite(heat) && Number.isFinite(electric)) {
        acc.heat += heat
        acc.electric += electric
        acc.pairs++
      }
      const flow = v.temp_flow
      const ret = v.temp_return
      if (typeof flow === 'number' && typeof ret === 'number' && mode !== CODE.defrost) {
        acc.spreadSum += flow - ret
        acc.spreadN++
      }
    }
    this.#wasRunning = running
  }
}

/**
 * The mode a window was spent in: standby when the compressor never ran, `defrost` when a defrost
 * happened in it (the coil reversing and recovering is normal but rare, and looks like a fault to
 * any detector of the modes around it), else the most frequent running mode.
 */
function modeOf (acc: Accumulator): WindowMode {
  if (acc.running === 0) return 'standby'
  if (acc.defrost > 0) return 'defrost'
  const count = (code: number) => acc.modeCounts.get(code) ?? 0
  const heating = count(CODE.heating) + count(CODE.defrost)
  const hotWater = count(CODE.hot_water)
  const cooling = count(CODE.cooling)
  if (hotWater > heating && hotWater >= cooling) return 'hot_water'
  if (cooling > heating && cooling > hotWater) return 'cooling'
  return 'heating'
}

function featuresOf (acc: Accumulator, windowMs: number): Features {
  const out: [string, number][] = []
  const put = (name: WindowFeature, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) out.push([name, value])
  }
  for (const name of ['temp_outdoor', 'temp_flow', 'temp_return', 'temp_hot_water', 'power_electric', 'power_heat'] as const) put(name, acc.mean(name))
  const outdoor = acc.mean('temp_outdoor')
  const flow = acc.mean('temp_flow')
  put('spread', acc.spreadN > 0 ? acc.spreadSum / acc.spreadN : undefined)
  put('lift', flow !== undefined && outdoor !== undefined ? flow - outdoor : undefined)
  if (acc.pairs >= 3 && acc.electric / acc.pairs >= MIN_COP_INPUT_W) {
    const cop = acc.heat / acc.electric
    put('cop', cop)
    if (flow !== undefined && outdoor !== undefined) put('carnot_efficiency', cop / carnotCop(flow, outdoor))
  }
  put('starts_per_hour', acc.starts * 3_600_000 / windowMs)
  put('running_fraction', acc.running / acc.samples)
  put('defrost_fraction', acc.defrost / acc.samples)
  put('temp_outdoor_range', acc.range('temp_outdoor'))
  put('temp_flow_range', acc.range('temp_flow'))
  put('temp_return_range', acc.range('temp_return'))
  return recordOf(out)
}

/** All windows of one heat pump's samples (in time order). */
export function windowsOf (samples: Iterable<Sample>, options?: WindowOptions): FeatureWindow[] {
  const builder = new WindowBuilder(options)
  const out: FeatureWindow[] = []
  for (const s of samples) {
    const w = builder.push(s)
    if (w !== undefined) out.push(w)
  }
  const last = builder.flush()
  if (last !== undefined) out.push(last)
  return out
}
