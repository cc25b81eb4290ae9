import { describe, expect, it } from 'vitest'
import { build, newId, v1Payload, v1Record } from '../helper.js'
import { heatPump, IDM, SHARED_TOKEN, v2Payload, v2Record } from './payloads.js'
import { expectedSamples, installationRows, sampleRowCount, storedSamples } from './stored.js'

const NOW_S = Date.UTC(2026, 10, 27, 12) / 1000
const TS = NOW_S - 60

describe('NaN and Infinity', () => {
  it('drops "NaN", "Infinity" and "-inf" text as not_finite and stores the rest of the record (v2)', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    const res = await t.submit(v2Payload(id, [v2Record(TS, heatPump(IDM, {
      temp_outside: 'NaN',
      temp_heat_pump_flow: 'Infinity',
      temp_heat_pump_return: '-inf',
      status_heat_pump: { value: 'NaN', text: 'UNKNOWN' }, // an enum object around non-finite text
      energy_heat_total: null, // the sensor could not be read
      temp_water_heater_top: '48.5', // numeric text is a number
      power_current: 5.2,
      humidity: 'NaN', // outside the catalog: ignored, not rejected
    }))]), SHARED_TOKEN)

    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      processed: 1,
      records: { received: 1, accepted: 1, rejected: 0 },
      values: { accepted: 2, stored: 2, rejected: 5, ignored: 1 },
      rejected_reasons: { records: {}, values: { not_finite: 4, missing_value: 1 } },
    })
    expect(await storedSamples(t, id)).toEqual(expectedSamples(IDM.id, [[TS * 1000, { temp_hot_water: 48.5, power_heat: 5.2 * 1000 }]]))
  })

  it.each(['NaN', 'nan', 'Infinity', '-Infinity', 'inf', '-inf', '+INF'])('drops %j in a v1 flat record as not_finite', async (text) => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    const res = await t.submit(v1Payload(id, [v1Record(TS, { power_current_draw: text })]), SHARED_TOKEN)

    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ values: { accepted: 4, stored: 4, rejected: 1 }, rejected_reasons: { values: { not_finite: 1 } } })
    expect(await storedSamples(t, id)).toEqual(expectedSamples('hp-legacy', [[TS * 1000, {
      temp_outdoor: 5.5, temp_flow: 35.2, temp_return: 30.1, power_heat: 5.2 * 1000,
    }]]))
  })

  it.each(['NaN', 'Infinity', '-Infinity'])('answers a raw JSON %s token with 400 HP_ERR_INVALID_JSON and stores nothing', async (token) => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    // What Python's json.dumps(allow_nan=True) would write; upstream clients' requests refuse to send it.
    const body = `{"installation_id": "${id}", "heatpump_model": "AERO SLM", "version": "1.0.2", ` +
      `"data": [{"timestamp": ${TS}, "temp_outside": ${token}, "power_current": 5.2}]}`
    const res = await t.submit(body, SHARED_TOKEN, { 'content-type': 'application/json' })

    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_INVALID_JSON' })
    expect(res.json().detail).toMatch(/^cannot parse body/)
    expect(await installationRows(t)).toEqual([])
    expect(await sampleRowCount(t)).toBe(0)
  })
})
