import { describe, expect, it } from 'vitest'
import { OperatingModeCode } from './catalog.js'
import { normaliseSubmission, V1_HEAT_PUMP, type TimeWindow } from './normalise-submission.js'

const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0)
const NOW_S = NOW_MS / 1000
const HOUR_MS = 3_600_000
const WINDOW: TimeWindow = { nowMs: NOW_MS, oldestMs: NOW_MS - 30 * 24 * HOUR_MS, futureToleranceMs: HOUR_MS }

/** An upstream v1.0.2 flat record (iDM only). */
const v1Record = (timestamp: unknown, values: Record<string, unknown> = {}) => ({
  timestamp,
  temp_outside: 4.2,
  temp_heat_pump_flow: 35.1,
  power_current: 5.2,
  power_current_draw: 1.3,
  status_heat_pump: { value: 1, text: 'HEATING' },
  status_heat_pump_str: 'heating',
  ...values,
})

describe('normaliseSubmission: record shapes', () => {
  it('reads a v1 flat record as the legacy iDM heat pump', () => {
    const { records, tally } = normaliseSubmission([v1Record(NOW_S - 60)], WINDOW)
    expect(records).toEqual([{
      heatPump: V1_HEAT_PUMP,
      ts: NOW_MS - 60_000,
      values: { temp_outdoor: 4.2, temp_flow: 35.1, power_heat: 5200, power_electric: 1300, operating_mode: OperatingModeCode.heating },
    }])
    expect(V1_HEAT_PUMP).toEqual({ key: 'hp-legacy', manufacturer: 'idm', model: 'navigator_2_0' })
    // `timestamp` is the record's, not a value: 6 values, one of them enum text.
    expect(tally).toEqual({
      records: { received: 1, accepted: 1, rejected: 0, reasons: {} },
      values: { accepted: 5, ignored: 1, rejected: 0, reasons: {} },
    })
  })

  it('reads a v2 record with two heat pumps of different drivers', () => {
    const record = {
      timestamp: NOW_S - 120,
      heatpumps: [
        {
          id: 'hp-legacy', manufacturer: 'idm', model: 'navigator_2_0',
          values: { temp_outside: 4.2, power_current: 5.2, power_current_draw: 1.3, status_heat_pump: 5.0 },
        },
        {
          id: 'hp-1a2b3c4d', manufacturer: 'nibe', model: 's_series',
          values: { temp_outside: 4.1, temp_supply_line: 38.2, energy_produced_heating: 15234.5, energy_produced_hot_water: 4321.7, operating_mode: 0 },
        },
      ],
    }
    const { records, tally } = normaliseSubmission([record], WINDOW)
    expect(records).toEqual([
      {
        heatPump: { key: 'hp-legacy', manufacturer: 'idm', model: 'navigator_2_0' },
        ts: NOW_MS - 120_000,
        values: { temp_outdoor: 4.2, power_heat: 5200, power_electric: 1300, operating_mode: OperatingModeCode.hot_water },
      },
      {
        heatPump: { key: 'hp-1a2b3c4d', manufacturer: 'nibe', model: 's_series' },
        ts: NOW_MS - 120_000,
        values: { temp_outdoor: 4.1, temp_flow: 38.2, energy_heat_total: 19556.2 },
      },
    ])
    expect(tally).toEqual({
      records: { received: 1, accepted: 1, rejected: 0, reasons: {} },
      values: { accepted: 8, ignored: 1, rejected: 0, reasons: {} },
    })
  })

  it('normalises driver ids and falls back to canonical names for unknown drivers', () => {
    const record = {
      timestamp: NOW_S,
      heatpumps: [
        { id: ' hp-a ', manufacturer: ' NIBE ', model: 'S_SERIES', values: { temp_supply_line: 38 } },
        { id: 'hp-b', values: { temp_flow: 30, temp_supply_line: 38 } },
        { id: 'hp-c', manufacturer: 'viessmann', model: 'vitocal', values: { temp_outdoor: 2, power_current: 3 } },
      ],
    }
    const { records } = normaliseSubmission([record], WINDOW)
    expect(records.map((r) => [r.heatPump, r.values])).toEqual([
      [{ key: 'hp-a', manufacturer: 'nibe', model: 's_series' }, { temp_flow: 38 }],
      [{ key: 'hp-b', manufacturer: 'unknown', model: 'unknown' }, { temp_flow: 30 }],
      [{ key: 'hp-c', manufacturer: 'viessmann', model: 'vitocal' }, { temp_outdoor: 2, power_heat: 3000 }],
    ])
  })

  it('follows a bitfield that switches between enum object and number across records', () => {
    const data = [
      v1Record(NOW_S - 30, { status_heat_pump: { value: 1, text: 'HEATING' } }),
      v1Record(NOW_S - 20, { status_heat_pump: 5.0 }),
      v1Record(NOW_S - 10, { status_heat_pump: 8 }),
    ]
    const { records } = normaliseSubmission(data, WINDOW)
    expect(records.map((r) => r.values.operating_mode)).toEqual([
      OperatingModeCode.heating, OperatingModeCode.hot_water, OperatingModeCode.defrost,
    ])
  })

  it('drops bad values, never the record', () => {
    const record = v1Record(NOW_S, { temp_outside: 'NaN', temp_heat_pump_flow: 'Infinity', power_current: 9999, power_current_draw: null })
    const { records, tally } = normaliseSubmission([record], WINDOW)
    expect(records).toEqual([{ heatPump: V1_HEAT_PUMP, ts: NOW_MS, values: { operating_mode: OperatingModeCode.heating } }])
    expect(tally.records).toEqual({ received: 1, accepted: 1, rejected: 0, reasons: {} })
    expect(tally.values).toEqual({
      accepted: 1, ignored: 1, rejected: 4, reasons: { not_finite: 2, out_of_range: 1, missing_value: 1 },
    })
  })
})

describe('normaliseSubmission: timestamps', () => {
  it.each([
    ['an integer', NOW_S - 3600, NOW_MS - HOUR_MS],
    ['fractional seconds', NOW_S - 0.0004, NOW_MS],
    ['numeric text', String(NOW_S - 5), NOW_MS - 5000],
    ['the future tolerance exactly', NOW_S + 3600, NOW_MS + HOUR_MS],
    ['the oldest instant exactly', WINDOW.oldestMs / 1000, WINDOW.oldestMs],
  ])('accepts %s', (_label, timestamp, ts) => {
    const { records, tally } = normaliseSubmission([{ timestamp, temp_outside: 1 }], WINDOW)
    expect(records.map((r) => r.ts)).toEqual([ts])
    expect(tally.records.accepted).toBe(1)
  })

  it.each([
    ['absent', undefined, 'missing_timestamp'],
    ['null', null, 'missing_timestamp'],
    ['zero', 0, 'invalid_timestamp'],
    ['negative', -NOW_S, 'invalid_timestamp'],
    ['empty text', '', 'invalid_timestamp'],
    ['blank text', '  ', 'invalid_timestamp'],
    ['"0"', '0', 'invalid_timestamp'],
    ['non-numeric text', 'yesterday', 'invalid_timestamp'],
    ['"NaN"', 'NaN', 'invalid_timestamp'],
    ['"Infinity"', 'Infinity', 'invalid_timestamp'],
    ['NaN', NaN, 'invalid_timestamp'],
    ['a boolean', true, 'invalid_timestamp'],
    ['an enum object', { value: NOW_S }, 'invalid_timestamp'],
    ['milliseconds (far future)', NOW_MS, 'future_timestamp'],
    ['over an hour ahead', NOW_S + 3601, 'future_timestamp'],
    ['older than retention', WINDOW.oldestMs / 1000 - 1, 'too_old'],
    ['a tiny positive number', 1e-9, 'too_old'],
  ])('rejects a timestamp that is %s', (_label, timestamp, reason) => {
    const record: Record<string, unknown> = { temp_outside: 1 }
    if (timestamp !== undefined) record.timestamp = timestamp
    const { records, tally } = normaliseSubmission([record], WINDOW)
    expect(records).toEqual([])
    expect(tally.records).toEqual({ received: 1, accepted: 0, rejected: 1, reasons: { [reason]: 1 } })
    expect(tally.values).toEqual({ accepted: 0, ignored: 0, rejected: 0, reasons: {} })
  })
})

describe('normaliseSubmission: bad records and heat-pump entries', () => {
  it.each([[null], [42], ['record'], [[1, 2]], [true]])('rejects the record %j as not_an_object', (record) => {
    const { records, tally } = normaliseSubmission([record], WINDOW)
    expect(records).toEqual([])
    expect(tally.records).toEqual({ received: 1, accepted: 0, rejected: 1, reasons: { not_an_object: 1 } })
  })

  it.each([[null], [{}], ['hp-1'], [{ id: 'hp-1', values: {} }]])('rejects heatpumps %j as invalid_heatpumps', (heatpumps) => {
    const { records, tally } = normaliseSubmission([{ timestamp: NOW_S, heatpumps }], WINDOW)
    expect(records).toEqual([])
    expect(tally.records).toEqual({ received: 1, accepted: 0, rejected: 1, reasons: { invalid_heatpumps: 1 } })
  })

  it('keeps a valid heat pump next to invalid entries', () => {
    const record = {
      timestamp: NOW_S,
      heatpumps: [
        { id: 'hp-broken', manufacturer: 'idm', model: 'navigator_2_0', values: [1, 2] },
        null,
        { manufacturer: 'idm', values: { temp_outside: 3 } },
        { id: '', values: { temp_outside: 3 } },
        { id: 'hp\nx', values: { temp_outside: 3 } },
        { id: 'x'.repeat(65), values: { temp_outside: 3 } },
        { id: 'hp-no-values' },
        { id: 'hp-ok', manufacturer: 'idm', model: 'navigator_2_0', values: { temp_outside: 3 } },
      ],
    }
    const { records, tally } = normaliseSubmission([record], WINDOW)
    expect(records).toEqual([{ heatPump: { key: 'hp-ok', manufacturer: 'idm', model: 'navigator_2_0' }, ts: NOW_MS, values: { temp_outdoor: 3 } }])
    expect(tally.records).toEqual({ received: 1, accepted: 1, rejected: 0, reasons: { invalid_heatpump: 7 } })
  })

  it('accepts a v2 record with no heat pumps', () => {
    const { records, tally } = normaliseSubmission([{ timestamp: NOW_S, heatpumps: [] }], WINDOW)
    expect(records).toEqual([])
    expect(tally.records).toEqual({ received: 1, accepted: 1, rejected: 0, reasons: {} })
  })

  it('tallies a mixed batch record by record', () => {
    const data = [
      v1Record(NOW_S - 10),
      null,
      { timestamp: NOW_S + 2 * 3600, temp_outside: 1 },
      { temp_outside: 1 },
      { timestamp: NOW_S, heatpumps: 'nope' },
      { timestamp: NOW_S, heatpumps: [{ id: 'hp-1', manufacturer: 'luxtronik', values: { temp_flow: 31, heat_quantity_heating: 1000 } }, {}] },
    ]
    const { records, tally } = normaliseSubmission(data, WINDOW)
    expect(records).toHaveLength(2)
    expect(tally).toEqual({
      records: {
        received: 6,
        accepted: 2,
        rejected: 4,
        reasons: { not_an_object: 1, future_timestamp: 1, missing_timestamp: 1, invalid_heatpumps: 1, invalid_heatpump: 1 },
      },
      values: { accepted: 7, ignored: 1, rejected: 0, reasons: {} },
    })
    expect(records[1]?.values).toEqual({ temp_flow: 31, energy_heat_total: 100 })
  })

  it('handles an empty batch', () => {
    expect(normaliseSubmission([], WINDOW)).toEqual({
      records: [],
      tally: { records: { received: 0, accepted: 0, rejected: 0, reasons: {} }, values: { accepted: 0, ignored: 0, rejected: 0, reasons: {} } },
    })
  })
})
