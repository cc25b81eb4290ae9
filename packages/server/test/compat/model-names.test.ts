import { describe, expect, it } from 'vitest'
import { build, newId, v1Payload, v1Record, type TestApp } from '../helper.js'
import { pythonJson, SHARED_TOKEN } from './payloads.js'
import { expectedSamples, installationRows, sampleRowCount, storedSamples } from './stored.js'

const NOW_S = Date.UTC(2026, 10, 27, 12) / 1000

/** Posts the body as upstream's `requests` writes it: `ä` arrives as `\u00e4`, `\n` as `\\n`. */
function send (t: TestApp, id: string, model: unknown) {
  const body = pythonJson(v1Payload(id, [v1Record(NOW_S - 60)], { heatpump_model: model }))
  return t.submit(body, SHARED_TOKEN, { 'content-type': 'application/json' })
}

describe('heatpump_model as real clients send it', () => {
  // Upstream's ASCII regex answered 422 to all but the first of these (upstream.md §1.4 item 5).
  it.each([
    ['AERO SLM', 'AERO SLM', 'aero_slm'],
    ['IDM Wärmepumpe', 'IDM Wärmepumpe', null], // migration default: a placeholder, no comparison group
    ['IDM Wärmepumpe (Migriert)', 'IDM Wärmepumpe (Migriert)', null],
    ['Andere / Unbekannt', 'Andere / Unbekannt', null], // the UI's "other / unknown" option
    ['', null, null], // heat pumps configured but no model chosen
    [null, null, null],
  ])('accepts %j and stores its samples (name %j, group %j)', async (sent, name, key) => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    const res = await send(t, id, sent)

    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ status: 'success', processed: 1, installation_id: id, values: { stored: 5 } })
    expect(await installationRows(t)).toMatchObject([{ id, model_name: name, model_key: key, samples_total: 5 }])
    expect(await storedSamples(t, id)).toEqual(expectedSamples('hp-legacy', [[(NOW_S - 60) * 1000, {
      temp_outdoor: 5.5, temp_flow: 35.2, temp_return: 30.1, power_heat: 5.2 * 1000, power_electric: 1.3 * 1000,
    }]]))
  })

  it('reads a name sent as raw UTF-8 the same as the \\u00e4 escapes upstream sends', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    const raw = await t.submit(v1Payload(id, [v1Record(NOW_S - 120)], { heatpump_model: 'IDM Wärmepumpe' }), SHARED_TOKEN)
    expect(raw.statusCode).toBe(200)
    expect((await send(t, id, 'IDM Wärmepumpe')).statusCode).toBe(200)
    expect(await installationRows(t)).toMatchObject([{ id, model_name: 'IDM Wärmepumpe', samples_total: 10 }])
  })

  it.each([
    ['a NUL byte', 'AERO\u0000SLM', /control characters/],
    ['a newline', 'A\nB', /control characters/],
    ['300 characters', 'W'.repeat(300), /longer than 100 characters/],
  ])('refuses a name with %s: 400 HP_ERR_INVALID_MODEL_NAME, nothing stored', async (_what, sent, cause) => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    const res = await send(t, id, sent)

    expect(res.statusCode).toBe(400)
    const body = res.json<{ code: string, detail: string }>()
    expect(body.code).toBe('HP_ERR_INVALID_MODEL_NAME')
    expect(body.detail).toMatch(/^cannot accept heatpump_model: /)
    expect(body.detail).toMatch(cause)
    expect(await installationRows(t)).toEqual([])
    expect(await sampleRowCount(t)).toBe(0)
  })
})
