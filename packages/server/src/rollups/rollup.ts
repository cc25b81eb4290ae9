import { OperatingModeCode, type MetricValues } from '@heatpool/protocol'

/**
 * Hourly rollups: additive sums per heat pump and hour, from which every community figure is
 * derived (design brief "Community statistics"): COP = Σ heat ÷ Σ electricity, temperatures
 * weighted by heat, outdoor-temperature bands of 2 K. Sums of intervals, never means, so an hour
 * can be built incrementally (new samples appended) or recomputed from its raw samples with the
 * same result, and days are sums of hours.
 */
export const ROLLUP_SUM_COLUMNS = [
  /** Sample rows (one heat pump at one instant) timestamped in the hour. */
  'records',
  /** Catalog values in those rows. */
  'samples',
  /** Heat delivered and electricity used, Wh: counter deltas where both ends have the counter, else integrated power. */
  'heat_wh',
  'electric_wh',
  /** The same, for intervals that started in space heating or in hot-water mode. */
  'heat_wh_space',
  'electric_wh_space',
  'heat_wh_dhw',
  'electric_wh_dhw',
  /** Seconds running (compressor or a heating/cooling/hot-water/defrost mode), and seconds covered by samples at most ROLLUP_MAX_GAP apart. */
  'running_s',
  'covered_s',
  /** Time-weighted outdoor temperature: Σ seconds with a temperature, Σ °C × s. */
  'outdoor_s',
  'outdoor_ts',
  /** Heat-weighted temperatures: Σ heat (Wh) where the temperature is known, Σ Wh × °C. */
  'outdoor_h',
  'outdoor_hw',
  'flow_h',
  'flow_hw',
  'return_h',
  'return_hw',
] as const

export type RollupColumn = (typeof ROLLUP_SUM_COLUMNS)[number]
export type RollupSums = Record<RollupColumn, number>

export const HOUR_MS = 3_600_000

export function emptySums (): RollupSums {
  const sums = {} as RollupSums
  for (const c of ROLLUP_SUM_COLUMNS) sums[c] = 0
  return sums
}

export function addSums (into: RollupSums, from: Readonly<RollupSums>): RollupSums {
  for (const c of ROLLUP_SUM_COLUMNS) into[c] += from[c]
  return into
}

export function hourOf (ms: number): number {
  return Math.floor(ms / HOUR_MS)
}

/** Largest heat output we believe a residential heat pump delivers, for counter plausibility (W). */
const MAX_HEAT_W = 200_000
const MAX_ELECTRIC_W = 100_000
/** Electrical input above which a heat pump without a mode reading counts as running (standby draws less). */
const RUNNING_ELECTRIC_W = 100

export interface RollupSample {
  readonly ts: number
  readonly values: MetricValues
}

export interface AccumulateOptions {
  /** Interval contributions are counted over their overlap with [fromMs, toMs). */
  readonly fromMs: number
  readonly toMs: number
  /** Rows are counted when `recordsFromMs <= ts < toMs` (default `fromMs`). */
  readonly recordsFromMs?: number
  /** Consecutive samples further apart than this contribute no energy or time. */
  readonly maxGapMs: number
}

/**
 * Energy (Wh) of one interval between samples `a` and `b`, `dtH` hours apart: the counter delta
 * when both ends carry a plausible, non-decreasing counter, else the trapezoid of the power
 * readings (or the one reading there is). `undefined` when there is nothing to go on.
 */
function intervalEnergy (a: MetricValues, b: MetricValues, dtH: number, counter: 'energy_heat_total' | 'energy_electric_total', power: 'power_heat' | 'power_electric', maxW: number): number | undefined {
  const ca = a[counter]
  const cb = b[counter]
  if (ca !== undefined && cb !== undefined) {
    const wh = (cb - ca) * 1000
    if (wh >= 0 && wh <= maxW * dtH) return wh
  }
  const pa = a[power]
  const pb = b[power]
  if (pa === undefined && pb === undefined) return undefined
  // Negative thermal power (cooling) is not heat delivered.
  const w = pa !== undefined && pb !== undefined ? (Math.max(0, pa) + Math.max(0, pb)) / 2 : Math.max(0, (pa ?? pb) as number)
  return w * dtH
}

function mean (a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return (a + b) / 2
}

function isRunning (v: MetricValues): boolean {
  const mode = v.operating_mode
  if (mode !== undefined) return mode !== OperatingModeCode.off
  return (v.power_electric ?? 0) > RUNNING_ELECTRIC_W || (v.compressor_frequency ?? 0) > 0
}

function sumsFor (into: Map<number, RollupSums>, hour: number): RollupSums {
  let sums = into.get(hour)
  if (sums === undefined) {
    sums = emptySums()
    into.set(hour, sums)
  }
  return sums
}

/**
 * Adds the contributions of `samples` (one heat pump, sorted by time, no duplicate timestamps)
 * to per-hour sums in `into`. Each interval between consecutive samples is split at hour
 * boundaries and counted over its overlap with [fromMs, toMs); its mode and running state are
 * those of its first sample. Pure.
 */
export function accumulateHours (samples: readonly RollupSample[], options: AccumulateOptions, into: Map<number, RollupSums>): Map<number, RollupSums> {
  const { fromMs, toMs, maxGapMs } = options
  const recordsFrom = options.recordsFromMs ?? fromMs
  for (let i = 0; i < samples.length; i++) {
    const a = samples[i] as RollupSample
    if (a.ts >= recordsFrom && a.ts < toMs) {
      const sums = sumsFor(into, hourOf(a.ts))
      sums.records++
      sums.samples += Object.keys(a.values).length
    }
    const b = samples[i + 1]
    if (b === undefined) break
    const dt = b.ts - a.ts
    if (dt <= 0 || dt > maxGapMs) continue
    const start = Math.max(a.ts, fromMs)
    const end = Math.min(b.ts, toMs)
    if (start >= end) continue

    const av = a.values
    const bv = b.values
    const dtH = dt / HOUR_MS
    const heat = intervalEnergy(av, bv, dtH, 'energy_heat_total', 'power_heat', MAX_HEAT_W)
    const electric = intervalEnergy(av, bv, dtH, 'energy_electric_total', 'power_electric', MAX_ELECTRIC_W)
    const mode = av.operating_mode
    const running = isRunning(av)
    const outdoor = mean(av.temp_outdoor, bv.temp_outdoor)
    const flow = mean(av.temp_flow, bv.temp_flow)
    const ret = mean(av.temp_return, bv.temp_return)

    for (let segStart = start; segStart < end;) {
      const hour = hourOf(segStart)
      const segEnd = Math.min(end, (hour + 1) * HOUR_MS)
      const share = (segEnd - segStart) / dt
      const seconds = (segEnd - segStart) / 1000
      const sums = sumsFor(into, hour)
      sums.covered_s += seconds
      if (running) sums.running_s += seconds
      if (outdoor !== undefined) {
        sums.outdoor_s += seconds
        sums.outdoor_ts += outdoor * seconds
      }
      if (heat !== undefined) {
        const wh = heat * share
        sums.heat_wh += wh
        if (mode === OperatingModeCode.heating) sums.heat_wh_space += wh
        else if (mode === OperatingModeCode.hot_water) sums.heat_wh_dhw += wh
        if (wh > 0) {
          if (outdoor !== undefined) { sums.outdoor_h += wh; sums.outdoor_hw += wh * outdoor }
          if (flow !== undefined) { sums.flow_h += wh; sums.flow_hw += wh * flow }
          if (ret !== undefined) { sums.return_h += wh; sums.return_hw += wh * ret }
        }
      }
      if (electric !== undefined) {
        const wh = electric * share
        sums.electric_wh += wh
        if (mode === OperatingModeCode.heating) sums.electric_wh_space += wh
        else if (mode === OperatingModeCode.hot_water) sums.electric_wh_dhw += wh
      }
      segStart = segEnd
    }
  }
  return into
}

/** Mean outdoor temperature of a period: weighted by heat where heat was delivered, else by time. */
export function meanOutdoor (sums: Readonly<RollupSums>): number | null {
  if (sums.outdoor_h > 0) return sums.outdoor_hw / sums.outdoor_h
  if (sums.outdoor_s > 0) return sums.outdoor_ts / sums.outdoor_s
  return null
}

/** The 2 K outdoor-temperature band a period falls in, by its lower bound (−1.5 °C → −2, 0.4 °C → 0). */
export function outdoorBand (sums: Readonly<RollupSums>): number | null {
  const t = meanOutdoor(sums)
  return t === null ? null : Math.floor(t / 2) * 2
}
