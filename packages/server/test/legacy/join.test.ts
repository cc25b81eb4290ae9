import { describe, expect, it } from 'vitest'
import { parseExportLines, type ExportedSeries } from '../../src/legacy/export-lines.js'
import { emptyJoinTally, joinLegacySeries, toV1Record } from '../../src/legacy/join.js'

const ID = '0f8e7c6a-1b2c-4d3e-8f90-a1b2c3d4e5f6'

function series (field: string, points: [number, number][], labels: Record<string, string> = {}): ExportedSeries {
  return {
    labels: { __name__: `heatpump_metrics_${field}`, installation_id: ID, model: 'AERO_SLM', version: '1.0.2', ...labels },
    values: points.map((p) => p[1]),
    timestamps: points.map((p) => p[0]),
  }
}

describe('parseExportLines', () => {
  it('reads VictoriaMetrics export lines, bare ±Inf and NaN included', () => {
    const text = [
      `{"metric":{"__name__":"heatpump_metrics_power_current","model":"AERO_SLM","installation_id":"${ID}","version":"1.0.3"},"values":[+Inf,1.5,-Inf,NaN],"timestamps":[1,2,3,4]}`,
      `{"metric":{"__name__":"heatpump_metrics_temp_outside","model":"A\\"values\\":[NaN]","installation_id":"${ID}"},"values":[5.5],"timestamps":[1700000000500]}`,
      '',
    ].join('\n')
    const parsed = parseExportLines(text)
    expect(parsed).toHaveLength(2)
    expect(parsed[0]?.values).toEqual([Infinity, 1.5, -Infinity, NaN])
    expect(parsed[0]?.timestamps).toEqual([1, 2, 3, 4])
    expect(parsed[1]?.labels.model).toBe('A"values":[NaN]')
    expect(parsed[1]?.values).toEqual([5.5])
  })

  it('says which line it cannot read', () => {
    expect(() => parseExportLines('{"metric":')).toThrow(/^cannot read VictoriaMetrics export line "\{\\"metric\\":"/)
    expect(() => parseExportLines('{"metric":{"__name__":"x"},"values":[1,2],"timestamps":[1]}')).toThrow(/x: 2 values for 1 timestamps/)
  })
})

describe('joinLegacySeries', () => {
  it('rebuilds each timestamp\'s record from the per-field series, oldest first, inside the window', () => {
    const tally = emptyJoinTally()
    const records = joinLegacySeries([
      series('temp_outside', [[3000, 5.5], [1000, 4.5], [2000, 5]]),
      series('power_current', [[1000, 5.2], [3000, 5.4]]),
      series('request_heating', [[2000, 1]]),
      series('temp_outside', [[9000, 7]]),
    ], 1000, 9000, tally)
    expect(records).toEqual([
      { ts: 1000, modelLabel: 'AERO_SLM', values: { temp_outside: 4.5, power_current: 5.2 } },
      { ts: 2000, modelLabel: 'AERO_SLM', values: { temp_outside: 5, request_heating: 1 } },
      { ts: 3000, modelLabel: 'AERO_SLM', values: { temp_outside: 5.5, power_current: 5.4 } },
    ])
    expect(tally).toEqual({ series: 4, points: 6, dropped: 0 })
  })

  it('drops _str text (stored by VictoriaMetrics as 0) and reserved names, and records left empty', () => {
    const tally = emptyJoinTally()
    const records = joinLegacySeries([
      series('status_system_str', [[1000, 0], [2000, 0]]),
      series('status_system', [[1000, 1]]),
      series('timestamp', [[2000, 2]]),
      series('heatpumps', [[1000, 3]]),
      { labels: { __name__: 'heatpool_temp_outdoor' }, values: [1], timestamps: [1000] },
    ], 0, 10_000, tally)
    expect(records).toEqual([{ ts: 1000, modelLabel: 'AERO_SLM', values: { status_system: 1 } }])
    expect(tally).toEqual({ series: 4, points: 5, dropped: 4 })
  })

  it('merges spellings of one installation and versions, deterministically whatever the answer order', () => {
    const a = series('temp_outside', [[1000, 4]], { installation_id: ID.toUpperCase(), version: '1.0.2' })
    const b = series('temp_outside', [[1000, 4.1], [2000, 5]], { version: '1.0.3' })
    const c = series('power_current', [[2000, 3]], { model: 'AERO_ALM', version: '1.0.3' })
    const forward = joinLegacySeries([a, b, c], 0, 10_000)
    expect(joinLegacySeries([c, b, a], 0, 10_000)).toEqual(forward)
    expect(forward).toEqual([
      { ts: 1000, modelLabel: 'AERO_SLM', values: { temp_outside: 4 } },
      { ts: 2000, modelLabel: 'AERO_ALM', values: { temp_outside: 5, power_current: 3 } },
    ])
  })

  it('keeps a record whose series carry no model label', () => {
    const s: ExportedSeries = { labels: { __name__: 'heatpump_metrics_temp_outside', installation_id: ID }, values: [1], timestamps: [5] }
    expect(joinLegacySeries([s], 0, 10)).toEqual([{ ts: 5, modelLabel: null, values: { temp_outside: 1 } }])
  })
})

describe('toV1Record', () => {
  it('is the upstream v1 flat record, timestamp in seconds, non-finite values as text', () => {
    expect(toV1Record({ ts: 1_700_000_000_500, modelLabel: 'AERO_SLM', values: { temp_outside: 5.5, power_current: Infinity, power_current_draw: -Infinity, x: NaN } }))
      .toEqual({ timestamp: 1_700_000_000.5, temp_outside: 5.5, power_current: 'Infinity', power_current_draw: '-Infinity', x: 'NaN' })
  })

  it('keeps a field named __proto__ as data', () => {
    const record = toV1Record({ ts: 1000, modelLabel: null, values: Object.fromEntries([['__proto__', 1]]) as Record<string, number> })
    expect(JSON.parse(JSON.stringify(record))).toEqual(JSON.parse('{"timestamp":1,"__proto__":1}'))
  })
})
