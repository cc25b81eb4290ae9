import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { build, newId } from '../helper.js'
import { enumValue, heatPump, IDM, NIBE, SHARED_TOKEN, v2Payload, v2Record } from './payloads.js'
import { expectedSamples, installationRows, sampleRowCount, sortSamples, storedSamples } from './stored.js'

const NOW_S = Date.UTC(2026, 10, 27, 12) / 1000
const T0 = NOW_S - 3600 + 0.75
const MIB = 1024 * 1024

function batch (id: string): Record<string, unknown> {
  return v2Payload(id, Array.from({ length: 60 }, (_, i) => v2Record(T0 + 30 * i,
    heatPump(IDM, { temp_outside: 3 + i * 0.1, power_current: 4.5, power_current_draw: 1.5, status_heat_pump: enumValue(1, 'HEATING') }),
    heatPump(NIBE, { temp_supply_line: 36.5, compressor_frequency: 40 + i }),
  )), { batch_index: 1, total_records: 60 })
}

function expected () {
  return sortSamples(Array.from({ length: 60 }, (_, i) => [
    ...expectedSamples(IDM.id, [[(T0 + 30 * i) * 1000, { temp_outdoor: 3 + i * 0.1, power_heat: 4.5 * 1000, power_electric: 1.5 * 1000, operating_mode: 1 }]]),
    ...expectedSamples(NIBE.id, [[(T0 + 30 * i) * 1000, { temp_flow: 36.5, compressor_frequency: 40 + i }]]),
  ]).flat())
}

const gzipHeaders = { 'content-type': 'application/json', 'content-encoding': 'gzip' }

describe('Content-Encoding: gzip', () => {
  it('stores the same samples and answers the same as the plain body', async () => {
    const id = newId()
    const json = JSON.stringify(batch(id))

    const plain = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const plainRes = await plain.submit(json, SHARED_TOKEN, { 'content-type': 'application/json' })
    const zipped = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const zippedRes = await zipped.submit(gzipSync(json), SHARED_TOKEN, gzipHeaders)

    expect(plainRes.statusCode).toBe(200)
    expect(zippedRes.statusCode).toBe(200)
    expect(zippedRes.json()).toEqual(plainRes.json())
    expect(zippedRes.json()).toMatchObject({ processed: 60, values: { stored: 60 * 6, rejected: 0 } })
    expect(await storedSamples(zipped, id)).toEqual(expected())
    expect(await storedSamples(plain, id)).toEqual(expected())
  })

  it('replays the first response when the retry of a plain batch arrives gzipped', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    const json = JSON.stringify(batch(id))
    const first = await t.submit(json, SHARED_TOKEN, { 'content-type': 'application/json' })
    const retry = await t.submit(gzipSync(json), SHARED_TOKEN, gzipHeaders)
    expect(retry.statusCode).toBe(200)
    expect(retry.headers['idempotent-replayed']).toBe('true')
    expect(retry.json()).toEqual(first.json())
    expect(await storedSamples(t, id)).toEqual(expected())
  })

  it('refuses a body over 16 MiB after decompression with 413 HP_ERR_BODY_TOO_LARGE, storing nothing', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    // Valid JSON that is 17 MiB once inflated: many records with a long enum text (ignored if it were read).
    const filler = 'x'.repeat(1024)
    const records = Array.from({ length: 17 * 1024 }, (_, i) => ({ timestamp: T0 + i, temp_outside: 4.5, status_system_str: filler }))
    const json = JSON.stringify(v2Payload(id, records))
    expect(Buffer.byteLength(json)).toBeGreaterThan(17 * MIB)
    const zipped = gzipSync(json)
    expect(zipped.length).toBeLessThan(MIB)

    const res = await t.submit(zipped, SHARED_TOKEN, gzipHeaders)
    expect(res.statusCode).toBe(413)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_BODY_TOO_LARGE' })
    expect(await installationRows(t)).toEqual([])
    expect(await sampleRowCount(t)).toBe(0)
  })

  it('refuses the same 17 MiB body uncompressed with 413', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    const records = Array.from({ length: 17 * 1024 }, (_, i) => ({ timestamp: T0 + i, temp_outside: 4.5, status_system_str: 'x'.repeat(1024) }))
    const res = await t.submit(JSON.stringify(v2Payload(id, records)), SHARED_TOKEN, { 'content-type': 'application/json' })
    expect(res.statusCode).toBe(413)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_BODY_TOO_LARGE' })
    expect(await sampleRowCount(t)).toBe(0)
  })

  it('answers 400 HP_ERR_BAD_ENCODING to a body that is not gzip', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const res = await t.submit(JSON.stringify(batch(newId())), SHARED_TOKEN, gzipHeaders)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_BAD_ENCODING' })
    expect(await sampleRowCount(t)).toBe(0)
  })
})
