import { describe, expect, it } from 'vitest'
import { csvField, sampleRanges } from '../../src/privacy/export-ranges.js'
import { DAY_MS } from '../../src/ledger/contribution.js'
import { NO_ENGINE } from '../engines/missing.js'
import { ADMIN_TOKEN } from '../helper.js'
import { COMBINATIONS, member, open } from './history.js'

interface ExportDoc {
  format: string
  installation: Record<string, unknown>
  heat_pumps: { heat_pump: string }[]
  ledger: { day: string, samples: number, stored: number }[]
  badges: { badge: string }[]
  rejections: { reason: string, values_rejected: number }[]
  rollups_daily: unknown[]
  rollups_hourly: { heat_pump: string, hour: string }[]
  samples: { heat_pump: string, ts: string, values: Record<string, number> }[]
}

describe.each(COMBINATIONS)('GET /api/v2/installations/me/export: $name', (combination) => {
  it('returns all its data and only its data, as JSON and as CSV, as a download', async (ctx) => {
    const t = await open(combination)
    if (t === undefined) return ctx.skip(NO_ENGINE)
    const a = await member(t, 0)
    await member(t, 1)
    const store = t.app.store
    const stored = await store.samples.read(a.heatPumpIds[0] as number, 0, Number.MAX_SAFE_INTEGER)
    const auth = { authorization: `Bearer ${a.token}` }

    const res = await t.inject({ method: 'GET', url: '/api/v2/installations/me/export', headers: auth })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.headers['content-disposition']).toBe(`attachment; filename="heatpool-${a.id}-2026-11-27.json"`)
    const doc = JSON.parse(res.body) as ExportDoc
    expect(doc.format).toBe('heatpool-export-1')
    expect(doc.installation).toMatchObject({ installation_id: a.id, heatpump_model: 'AERO SLM', consent_version: '1', samples_total: 3605 })
    // Never the token or its hash.
    const hash = (await store.db.selectFrom('installations').select('token_hash').where('id', '=', a.id).executeTakeFirstOrThrow()).token_hash as string
    expect(res.body).not.toContain(hash)
    expect(res.body).not.toContain(a.token)
    expect(doc.heat_pumps.map((h) => h.heat_pump)).toEqual(['hp-legacy'])
    expect(doc.ledger.map((d) => d.day)).toEqual(['2026-11-24', '2026-11-25', '2026-11-27'])
    expect(doc.badges.map((b) => b.badge)).toEqual(['streak_30'])
    expect(doc.rejections).toEqual([expect.objectContaining({ reason: 'out_of_range', values_rejected: 1 })])
    expect(doc.rollups_daily).toHaveLength(3)
    expect(doc.rollups_hourly.length).toBeGreaterThan(0)
    // The raw samples, exactly as the sample store holds them (VictoriaMetrics keeps ~15 digits).
    expect(doc.samples).toHaveLength(601)
    expect(doc.samples.map((s) => Date.parse(s.ts))).toEqual(stored.map((s) => s.ts))
    for (const [i, s] of doc.samples.entries()) {
      for (const [m, v] of Object.entries(stored[i]?.values ?? {})) expect(s.values[m], `${s.ts} ${m}`).toBeCloseTo(v as number, 9)
    }

    // CSV: one row per fact; samples one row per timestamp × metric.
    const csv = await t.inject({ method: 'GET', url: '/api/v2/installations/me/export?format=csv', headers: auth })
    expect(csv.statusCode, csv.body).toBe(200)
    expect(csv.headers['content-type']).toMatch(/^text\/csv/)
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="heatpool-${a.id}-2026-11-27.csv"`)
    const lines = csv.body.trimEnd().split('\r\n')
    expect(lines[0]).toBe('kind,heat_pump,time,name,value')
    expect(lines).toContain(`installation,,,installation_id,${a.id}`)
    expect(lines).toContain('ledger,,2026-11-24,stored,' + String(doc.ledger[0]?.stored))
    expect(lines).toContain('badge,,2026-11-24,streak_30,1')
    expect(lines).toContain('rejection,,2026-11-27,out_of_range/values,1')
    const sampleRows = lines.filter((l) => l.startsWith('sample,'))
    expect(sampleRows).toHaveLength(doc.samples.reduce((n, s) => n + Object.keys(s.values).length, 0))
    const first = doc.samples[0] as ExportDoc['samples'][number]
    expect(sampleRows[0]).toBe(`sample,hp-legacy,${first.ts},${Object.keys(first.values)[0] as string},${String(Object.values(first.values)[0])}`)
    expect(csv.body).not.toContain(hash)
  })
})

describe('export: who, and what format', () => {
  it('answers only the installation itself, and refuses an unknown format', async () => {
    const t = await open(COMBINATIONS[0] as (typeof COMBINATIONS)[number])
    if (t === undefined) throw new Error('the embedded store needs no engine')
    const a = await member(t, 0)
    for (const [headers, status, code] of [
      [{}, 401, 'HP_ERR_MISSING_AUTH'],
      [{ authorization: `Bearer ${ADMIN_TOKEN}` }, 401, 'HP_ERR_INSTALLATION_TOKEN_REQUIRED'],
      [{ authorization: 'Bearer hpi_unknown' }, 401, 'HP_ERR_TOKEN_REJECTED'],
    ] as const) {
      const res = await t.inject({ method: 'GET', url: '/api/v2/installations/me/export', headers })
      expect(res.statusCode).toBe(status)
      expect(res.json()).toMatchObject({ code })
    }
    const xml = await t.inject({ method: 'GET', url: '/api/v2/installations/me/export?format=xml', headers: { authorization: `Bearer ${a.token}` } })
    expect(xml.statusCode).toBe(422)
    expect(xml.json()).toMatchObject({ code: 'HP_ERR_VALIDATION' })
  })

  it('a model name that a spreadsheet would run as a formula is written as text', async () => {
    const t = await open(COMBINATIONS[0] as (typeof COMBINATIONS)[number])
    if (t === undefined) throw new Error('the embedded store needs no engine')
    const { token } = await t.register({ heatpump_model: '=HYPERLINK("http://x","a,b")' })
    const csv = await t.inject({ method: 'GET', url: '/api/v2/installations/me/export?format=csv', headers: { authorization: `Bearer ${token}` } })
    expect(csv.body).toContain('installation,,,heatpump_model,"\'=HYPERLINK(""http://x"",""a,b"")"\r\n')
  })
})

describe('export helpers', () => {
  it('reads samples only on days with data, at most a week at a time', () => {
    const d = (day: number) => day * DAY_MS
    expect(sampleRanges([])).toEqual([])
    expect(sampleRanges([10, 11, 12, 20, 11])).toEqual([{ fromMs: d(10), toMs: d(13) }, { fromMs: d(20), toMs: d(21) }])
    const year = Array.from({ length: 365 }, (_, i) => 20000 + i)
    const ranges = sampleRanges(year)
    expect(ranges).toHaveLength(53)
    expect(ranges.every((r) => r.toMs - r.fromMs <= 7 * DAY_MS)).toBe(true)
    expect(ranges.slice(1).every((r, i) => r.fromMs === ranges[i]?.toMs)).toBe(true)
  })

  it('quotes CSV fields and neutralises formulas, numbers as they are', () => {
    expect(csvField(null)).toBe('')
    expect(csvField(-3.5)).toBe('-3.5')
    expect(csvField('AERO SLM')).toBe('AERO SLM')
    expect(csvField('a,"b"')).toBe('"a,""b"""')
    expect(csvField('@SUM(A1)')).toBe('\'@SUM(A1)')
    expect(csvField('-1+2')).toBe('\'-1+2')
  })
})
