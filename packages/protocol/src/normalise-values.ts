import { isPlausible, type MetricName } from './catalog.js'
import { coerceNumber } from './coerce.js'
import { canonicalDriver } from './drivers/canonical.js'
import type { DriverMap, FieldRule } from './drivers/driver.js'
import { rejectValue, type ValueTally } from './reasons.js'

/** Canonical metric values of one heat pump at one instant. */
export type MetricValues = Partial<Record<MetricName, number>>

interface CompiledDriver {
  readonly rules: ReadonlyMap<string, FieldRule | null>
}

const compiled = new WeakMap<DriverMap, CompiledDriver>()

function compile (driver: DriverMap): CompiledDriver {
  let c = compiled.get(driver)
  if (c === undefined) {
    const rules = new Map<string, FieldRule | null>(Object.entries(canonicalDriver.fields))
    for (const [raw, rule] of Object.entries(driver.fields)) rules.set(raw, rule)
    c = { rules }
    compiled.set(driver, c)
  }
  return c
}

/**
 * Normalises one heat pump's raw values (`{sensor_id: value}`) into canonical metrics.
 * Pure and total: it never throws, never returns a value outside its metric's plausible range,
 * and counts every value it does not keep in `tally`. Raw ids the driver does not know fall
 * back to canonical names and upstream aliases, so canonical input comes back unchanged.
 * `exclude` names one key that is not a value (a v1 record's `timestamp`), so callers need not
 * copy the record to drop it.
 */
export function normaliseValues (driver: DriverMap, raw: Readonly<Record<string, unknown>>, tally: ValueTally, exclude?: string): MetricValues {
  const { rules } = compile(driver)
  const out: MetricValues = {}
  // Priority of the field that set each metric, and split counters being summed.
  let priorityOf: Partial<Record<MetricName, number>> | undefined
  let sums: Map<MetricName, { total: number, parts: number, broken: boolean }> | undefined

  for (const key in raw) {
    if (key === exclude || !Object.hasOwn(raw, key)) continue
    const rule = rules.get(key)
    if (rule == null) {
      tally.ignored++
      continue
    }
    const metric = rule.metric
    const coerced = coerceNumber(raw[key])
    if (typeof coerced === 'string') {
      rejectValue(tally, coerced)
      if (rule.combine === 'sum') sumOf(sums ??= new Map(), metric).broken = true
      continue
    }
    let value = rule.scale === undefined ? coerced : coerced * rule.scale
    if (rule.decode !== undefined) {
      const decoded = rule.decode(value)
      if (decoded === undefined) {
        tally.ignored++
        continue
      }
      value = decoded
    }
    if (rule.combine === 'sum') {
      const sum = sumOf(sums ??= new Map(), metric)
      if (!isPlausible(metric, value)) {
        // Each part must be plausible on its own: -5 + 10 is not a counter reading of 5.
        rejectValue(tally, 'out_of_range')
        sum.broken = true
        continue
      }
      sum.total += value
      sum.parts++
      continue
    }
    if (!isPlausible(metric, value)) {
      rejectValue(tally, 'out_of_range')
      continue
    }
    const priority = rule.priority ?? 0
    priorityOf ??= {}
    if (out[metric] !== undefined) {
      // The same metric from two raw fields: one of them is ignored, the preferred one kept.
      tally.ignored++
      if (priority >= (priorityOf[metric] ?? 0)) continue
    } else {
      tally.accepted++
    }
    out[metric] = value
    priorityOf[metric] = priority
  }

  if (sums !== undefined) {
    for (const [metric, sum] of sums) {
      if (sum.broken || out[metric] !== undefined) {
        // A partial sum would understate the counter (its failing part is already counted);
        // a directly reported value beats a sum of parts.
        tally.ignored += sum.parts
      } else if (!isPlausible(metric, sum.total)) {
        rejectValue(tally, 'out_of_range', sum.parts)
      } else {
        out[metric] = sum.total
        tally.accepted += sum.parts
      }
    }
  }
  return out
}

function sumOf (sums: Map<MetricName, { total: number, parts: number, broken: boolean }>, metric: MetricName) {
  let sum = sums.get(metric)
  if (sum === undefined) {
    sum = { total: 0, parts: 0, broken: false }
    sums.set(metric, sum)
  }
  return sum
}
