import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isMetricName, isPlausible, METRIC_NAMES, METRICS, type MetricName } from './catalog.js'
import { canonicalDriver, DRIVERS } from './drivers/index.js'
import { normaliseSubmission, type TimeWindow } from './normalise-submission.js'
import { normaliseValues, type MetricValues } from './normalise-values.js'
import { emptyValueTally, type ValueTally } from './reasons.js'

const NUM_RUNS = 1000

/** Every raw id any driver knows, the canonical names, their enum-text twins and keys that trip up plain objects. */
const KNOWN_KEYS = [...new Set([
  ...DRIVERS.flatMap((d) => Object.keys(d.fields)),
  ...METRIC_NAMES,
  ...METRIC_NAMES.map((m) => `${m}_str`),
  'status_heat_pump_str', 'timestamp', 'heatpumps', 'value', 'text',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf',
])]

const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KNOWN_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) })

const scalar = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1, 0xffff, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ min: -100, max: 250, noNaN: true }),
  fc.boolean(),
  fc.string({ maxLength: 10 }),
  fc.double().map(String),
  fc.constantFrom('NaN', 'nan', 'inf', '-Infinity', '1e400', ' 12.5 ', '0x10', '', '5.0', 'HEATING'),
  fc.constant(null),
)

const sensorValue = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 2, arbitrary: fc.record({ value: scalar, text: fc.string({ maxLength: 10 }) }) },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), scalar, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.record({ value: fc.record({ value: scalar }) }) },
)

const sensorRecord = fc.dictionary(key, sensorValue, { maxKeys: 30 })

const anything = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
})

const rawInput = fc.oneof({ weight: 3, arbitrary: sensorRecord }, { weight: 1, arbitrary: anything })

/** In-range canonical values for every catalog metric, any subset of them. */
const canonicalRecord = fc.record(
  Object.fromEntries(METRIC_NAMES.map((m) => {
    const def = METRICS[m]
    return [m, def.integer ? fc.integer({ min: def.min, max: def.max }) : fc.double({ min: def.min, max: def.max, noNaN: true })]
  })) as Record<MetricName, fc.Arbitrary<number>>,
  { requiredKeys: [] },
) as fc.Arbitrary<MetricValues>

function ownKeyCount (raw: unknown): number {
  return raw === null || raw === undefined ? 0 : Object.keys(raw).length
}

function sumOf (counts: Partial<Record<string, number>>): number {
  return Object.values(counts).reduce<number>((a, b) => a + (b ?? 0), 0)
}

function expectCatalogValues (values: MetricValues): void {
  for (const [metric, value] of Object.entries(values)) {
    expect(isMetricName(metric), metric).toBe(true)
    expect(typeof value).toBe('number')
    expect(Number.isFinite(value), `${metric}=${value}`).toBe(true)
    expect(isPlausible(metric as MetricName, value), `${metric}=${value}`).toBe(true)
  }
}

function expectConsistentTally (tally: ValueTally, rawKeys: number, emitted: number): void {
  expect(tally.accepted + tally.ignored + tally.rejected).toBe(rawKeys)
  expect(sumOf(tally.reasons)).toBe(tally.rejected)
  expect(tally.accepted).toBeGreaterThanOrEqual(emitted)
}

describe.each(DRIVERS.map((d) => [d.id, d] as const))('normaliseValues with %s', (_id, driver) => {
  it('never throws, emits only plausible catalog values and accounts for every own key', () => {
    fc.assert(fc.property(rawInput, (raw) => {
      const tally = emptyValueTally()
      const out = normaliseValues(driver, raw as Record<string, unknown>, tally)
      expectCatalogValues(out)
      expectConsistentTally(tally, ownKeyCount(raw), Object.keys(out).length)
    }), { numRuns: NUM_RUNS })
  })

  it('emits values that the canonical map reads back unchanged', () => {
    fc.assert(fc.property(sensorRecord, (raw) => {
      const out = normaliseValues(driver, raw, emptyValueTally())
      const tally = emptyValueTally()
      expect(normaliseValues(canonicalDriver, out, tally)).toEqual(out)
      expect(tally).toEqual({ accepted: Object.keys(out).length, ignored: 0, rejected: 0, reasons: {} })
    }), { numRuns: NUM_RUNS })
  })
})

describe('normaliseValues on canonical records', () => {
  it('returns any in-range canonical record unchanged', () => {
    fc.assert(fc.property(canonicalRecord, (record) => {
      const tally = emptyValueTally()
      expect(normaliseValues(canonicalDriver, record, tally)).toEqual(record)
      expect(tally).toEqual({ accepted: Object.keys(record).length, ignored: 0, rejected: 0, reasons: {} })
    }), { numRuns: NUM_RUNS })
  })
})

describe('normaliseSubmission', () => {
  const nowMs = Date.UTC(2026, 0, 15, 12)
  const window: TimeWindow = { nowMs, oldestMs: nowMs - 30 * 86_400_000, futureToleranceMs: 3_600_000 }
  const nowS = nowMs / 1000

  const timestamp = fc.oneof(
    fc.double({ min: window.oldestMs / 1000 - 7200, max: nowS + 7200, noNaN: true }),
    fc.integer({ min: Math.floor(window.oldestMs / 1000) - 7200, max: nowS + 7200 }).map(String),
    scalar,
  )
  const heatPumpEntry = fc.oneof(
    fc.record({
      id: fc.oneof(fc.constantFrom('hp-legacy', 'hp-1a2b3c4d'), fc.string({ maxLength: 70 }), scalar),
      manufacturer: fc.oneof(fc.constantFrom(...DRIVERS.map((d) => d.manufacturer), 'NIBE', ' luxtronik '), scalar),
      model: fc.oneof(fc.constantFrom(...DRIVERS.map((d) => d.model)), scalar),
      values: fc.oneof({ weight: 4, arbitrary: sensorRecord }, { weight: 1, arbitrary: anything }),
    }, { requiredKeys: [] }),
    anything,
  )
  const v1 = fc.tuple(timestamp, sensorRecord).map(([t, values]) => ({ ...values, timestamp: t }))
  const v2 = fc.record({
    timestamp,
    heatpumps: fc.oneof({ weight: 4, arbitrary: fc.array(heatPumpEntry, { maxLength: 4 }) }, { weight: 1, arbitrary: anything }),
  }, { requiredKeys: ['heatpumps'] })
  const batch = fc.array(fc.oneof(v1, v2, anything), { maxLength: 8 })

  it('never throws and keeps only records inside the time window', () => {
    fc.assert(fc.property(batch, (data) => {
      const { records, tally } = normaliseSubmission(data, window)
      expect(tally.records.received).toBe(data.length)
      expect(tally.records.accepted + tally.records.rejected).toBe(data.length)
      expect(sumOf(tally.records.reasons) - (tally.records.reasons.invalid_heatpump ?? 0)).toBe(tally.records.rejected)
      expect(sumOf(tally.values.reasons)).toBe(tally.values.rejected)
      for (const r of records) {
        expect(Number.isInteger(r.ts)).toBe(true)
        expect(r.ts).toBeGreaterThanOrEqual(window.oldestMs)
        expect(r.ts).toBeLessThanOrEqual(window.nowMs + window.futureToleranceMs)
        expectCatalogValues(r.values)
      }
    }), { numRuns: NUM_RUNS })
  })

  it('never throws on arbitrary lists', () => {
    fc.assert(fc.property(fc.array(fc.anything()), (data) => {
      const { records, tally } = normaliseSubmission(data, window)
      expect(tally.records.received).toBe(data.length)
      for (const r of records) {
        expect(r.ts).toBeGreaterThanOrEqual(window.oldestMs)
        expect(r.ts).toBeLessThanOrEqual(window.nowMs + window.futureToleranceMs)
      }
    }), { numRuns: NUM_RUNS })
  })
})
