import { DAY_MS } from './time.js'

export const FAULT_KINDS = ['refrigerant_loss', 'stuck_sensor', 'short_cycling', 'failed_defrost'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

/** Sensors a stuck-sensor fault can freeze (canonical names; sent under the driver's raw id). */
export const STUCK_SENSORS = ['temp_outdoor', 'temp_flow', 'temp_return'] as const
export type StuckSensor = (typeof STUCK_SENSORS)[number]

/** One entry of a `--faults` spec: `count` installations get `kind` from `startDay` to `endDay`. */
export interface FaultSpec {
  readonly kind: FaultKind
  readonly count: number
  /** Days after the simulation start, fractional allowed. */
  readonly startDay: number
  /** Undefined: until the simulation ends. */
  readonly endDay?: number
}

/** A fault of one heat pump, in time. */
export interface Fault {
  readonly kind: FaultKind
  readonly startMs: number
  readonly endMs: number
  /** For `stuck_sensor`: which value freezes. */
  readonly sensor?: StuckSensor
}

/** How much COP refrigerant loss takes at its worst, and how long it takes to get there. */
export const REFRIGERANT_LOSS_MAX = 0.3
export const REFRIGERANT_LOSS_RAMP_MS = 42 * DAY_MS

export const FAULT_SPEC_HELP = `Fault spec: comma-separated <kind>[:<count>][@day<N>[-day<M>]]
  kinds: ${FAULT_KINDS.join(', ')}
  count: installations that get it (default 1; each installation gets at most one fault
         while there are enough); day N (default 0) and M (default: the end) count from the
         simulation start, fractions allowed.
  refrigerant_loss  COP and capacity decline linearly by up to ${REFRIGERANT_LOSS_MAX * 100} % over ${REFRIGERANT_LOSS_RAMP_MS / DAY_MS} days
  stuck_sensor      one of ${STUCK_SENSORS.join(', ')} freezes at its value at the start
  short_cycling     the compressor starts every few minutes (hysteresis lost, modulation floor up)
  failed_defrost    defrosts do not clear the coil: frost builds, heat and COP drop (air units)
  e.g. refrigerant_loss:2@day10,stuck_sensor:1@day5-day9`

const ENTRY = /^([a-z_]+)(?::(\d+))?(?:@day(\d+(?:\.\d+)?)(?:-day(\d+(?:\.\d+)?))?)?$/

/** Parses a `--faults` spec; throws `cannot parse …` naming the bad entry. */
export function parseFaultSpec (spec: string): FaultSpec[] {
  const out: FaultSpec[] = []
  for (const raw of spec.split(',')) {
    const entry = raw.trim()
    if (entry === '') continue
    const m = ENTRY.exec(entry)
    if (m === null) throw new Error(`cannot parse fault ${JSON.stringify(entry)}: expected <kind>[:<count>][@day<N>[-day<M>]]`)
    const kind = m[1] as string
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`cannot parse fault ${JSON.stringify(entry)}: unknown kind ${kind} (one of ${FAULT_KINDS.join(', ')})`)
    const count = m[2] === undefined ? 1 : Number(m[2])
    const startDay = m[3] === undefined ? 0 : Number(m[3])
    const endDay = m[4] === undefined ? undefined : Number(m[4])
    if (count < 1) throw new Error(`cannot parse fault ${JSON.stringify(entry)}: count must be at least 1`)
    if (endDay !== undefined && endDay <= startDay) throw new Error(`cannot parse fault ${JSON.stringify(entry)}: the end day must be after the start day`)
    out.push({ kind: kind as FaultKind, count, startDay, ...(endDay === undefined ? {} : { endDay }) })
  }
  return out
}

/** The fault of `kind` active at `ms`, if any. */
export function activeFault (faults: readonly Fault[], kind: FaultKind, ms: number): Fault | undefined {
  for (const f of faults) if (f.kind === kind && ms >= f.startMs && ms < f.endMs) return f
  return undefined
}

/** Remaining fraction of COP and capacity under refrigerant loss at `ms` (1 = healthy). */
export function refrigerantFactor (fault: Fault | undefined, ms: number): number {
  if (fault === undefined) return 1
  return 1 - REFRIGERANT_LOSS_MAX * Math.min(1, (ms - fault.startMs) / REFRIGERANT_LOSS_RAMP_MS)
}
