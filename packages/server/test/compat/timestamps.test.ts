import { describe, expect, it } from 'vitest'
import { build, newId, v1Payload } from '../helper.js'
import { heatPump, IDM, SHARED_TOKEN, v2Payload, v2Record } from './payloads.js'
import { expectedSamples, storedSamples } from './stored.js'

const NOW_S = Date.UTC(2026, 10, 27, 12) / 1000
const DAY_S = 86_400

/** One record per case; `undefined` leaves the timestamp out. */
const CASES: readonly [label: string, timestamp: unknown, temp: number][] = [
  ['a minute ago', NOW_S - 60.25, 4.5],
  ['2 h in the future', NOW_S + 2 * 3600, 4.6],
  ['400 days old', NOW_S - 400 * DAY_S, 4.7],
  ['0', 0, 4.8],
  ['missing', undefined, 4.9],
  ['"abc"', 'abc', 5.0],
  ['negative', -1700000000, 5.1],
  ['30 min ahead (client clock skew, tolerated)', NOW_S + 1800.5, 5.2],
]

const flat = (ts: unknown, temp: number) => ({ ...(ts === undefined ? {} : { timestamp: ts }), temp_outside: temp, power_current: 5.0 })
const nested = (ts: unknown, temp: number) => {
  const { timestamp: _ignored, ...rest } = v2Record(ts, heatPump(IDM, { temp_outside: temp, power_current: 5.0 }))
  return ts === undefined ? rest : { timestamp: ts, ...rest }
}

describe('record timestamps', () => {
  it.each([
    ['v1 flat', (id: string) => v1Payload(id, CASES.map(([, ts, temp]) => flat(ts, temp)))],
    ['v2 nested', (id: string) => v2Payload(id, CASES.map(([, ts, temp]) => nested(ts, temp)))],
  ])('drops and counts bad timestamps record by record and stores the rest (%s)', async (_shape, payload) => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    const res = await t.submit(payload(id), SHARED_TOKEN)

    // Upstream answered 500 for the whole batch on the string timestamp and silently skipped 0.
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      processed: 2,
      records: { received: CASES.length, accepted: 2, rejected: CASES.length - 2 },
      values: { accepted: 4, stored: 4, rejected: 0 },
      rejected_reasons: {
        records: { future_timestamp: 1, too_old: 1, invalid_timestamp: 3, missing_timestamp: 1 },
        values: {},
      },
    })
    expect(await storedSamples(t, id)).toEqual(expectedSamples(IDM.id, [
      [Math.round((NOW_S - 60.25) * 1000), { temp_outdoor: 4.5, power_heat: 5.0 * 1000 }],
      [(NOW_S + 1800.5) * 1000, { temp_outdoor: 5.2, power_heat: 5.0 * 1000 }],
    ]))
  })

  it('answers 200 with nothing stored when every record is unusable', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    const res = await t.submit(v1Payload(id, [flat('abc', 4.5), flat(0, 4.5), flat(undefined, 4.5)]), SHARED_TOKEN)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      processed: 0,
      records: { received: 3, accepted: 0, rejected: 3 },
      values: { accepted: 0, stored: 0 },
      rejected_reasons: { records: { invalid_timestamp: 2, missing_timestamp: 1 } },
    })
    expect(await storedSamples(t, id)).toEqual([])
  })
})
