import type { LightMyRequestResponse } from 'fastify'
import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, build, newId, type TestApp } from '../helper.js'
import {
  heatPump,
  IDM,
  IDM_IGNORED_PER_SNAPSHOT,
  idmSnapshot,
  SHARED_TOKEN,
  v2Payload,
  v2Record,
  type IdmCore,
} from './payloads.js'
import { sortSamples, storedSamples, type Sample } from './stored.js'

const HOUR_MS = 3_600_000
const START_MS = Date.UTC(2026, 10, 27, 12)
const FLUSH = 2000
const CHUNK = 500
const INTERVAL_S = 30
/** The first sample of the flush: 2000 × 30 s before the flush, at a fractional second as time.time() gives. */
const T0 = START_MS / 1000 - FLUSH * INTERVAL_S + 0.5
const tsOf = (i: number) => T0 + INTERVAL_S * i

/** Bits of `status_heat_pump` in turn: enum objects for one flag, plain floats for several (5 = heating + water). */
const STATUS_BITS = [1, 1, 5, 4, 0, 8] as const
const MODE_OF_BITS: Readonly<Record<number, number>> = { 0: 0, 1: 1, 4: 3, 5: 3, 8: 4 }

function core (i: number): IdmCore {
  return {
    temp_outside: -2 + (i % 50) * 0.1,
    temp_heat_pump_flow: 30 + (i % 20) * 0.5,
    temp_heat_pump_return: 26 + (i % 20) * 0.5,
    temp_water_heater_top: 48 + (i % 4),
    power_current: 3 + (i % 10) * 0.25, // kW thermal
    power_current_draw: 0.75 + (i % 5) * 0.125, // kW electrical
    energy_heat_total: 15000 + i * 0.05,
    status_heat_pump: STATUS_BITS[i % STATUS_BITS.length] as number,
  }
}

const METRICS_PER_RECORD = 8

function expectedOf (i: number): Sample[] {
  const c = core(i)
  const ts = Math.round(tsOf(i) * 1000)
  const hp = IDM.id
  return [
    { hp, ts, metric: 'temp_outdoor', value: c.temp_outside },
    { hp, ts, metric: 'temp_flow', value: c.temp_heat_pump_flow },
    { hp, ts, metric: 'temp_return', value: c.temp_heat_pump_return },
    { hp, ts, metric: 'temp_hot_water', value: c.temp_water_heater_top },
    { hp, ts, metric: 'power_heat', value: c.power_current * 1000 },
    { hp, ts, metric: 'power_electric', value: c.power_current_draw * 1000 },
    { hp, ts, metric: 'energy_heat_total', value: c.energy_heat_total },
    { hp, ts, metric: 'operating_mode', value: MODE_OF_BITS[c.status_heat_pump] as number },
  ]
}

const record = (i: number) => v2Record(tsOf(i), heatPump(IDM, idmSnapshot(core(i), i)))
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k)

/** The four chunks of one flush, serialised once so the retries send byte-identical bodies. */
function flushBodies (id: string): string[] {
  return range(0, FLUSH / CHUNK).map((b) => JSON.stringify(v2Payload(id, range(b * CHUNK, (b + 1) * CHUNK).map(record), {
    batch_index: b * CHUNK + 1,
    total_records: FLUSH,
  })))
}

function post (t: TestApp, body: string): Promise<LightMyRequestResponse> {
  return t.submit(body, SHARED_TOKEN, { 'content-type': 'application/json' })
}

describe('a 2000-record flush in four 500-record batches, retried', () => {
  it('stores one copy, replays the first responses to the retries, and dedups an overlapping batch', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN }, START_MS)
    const id = newId()
    const bodies = flushBodies(id)
    // A real iDM batch is megabytes (upstream.md §1.2): over the app's 1 MiB default, under the submit limit.
    for (const body of bodies) expect(Buffer.byteLength(body)).toBeGreaterThan(2 * 1024 * 1024)

    const first = []
    for (const [b, body] of bodies.entries()) {
      const res = await post(t, body)
      expect(res.statusCode, `batch ${b}`).toBe(200)
      expect(res.headers['idempotent-replayed']).toBeUndefined()
      expect(res.json()).toEqual({
        status: 'success',
        processed: CHUNK,
        installation_id: id,
        records: { received: CHUNK, accepted: CHUNK, rejected: 0 },
        values: {
          accepted: CHUNK * METRICS_PER_RECORD,
          stored: CHUNK * METRICS_PER_RECORD,
          duplicate: 0,
          rejected: 0,
          ignored: CHUNK * IDM_IGNORED_PER_SNAPSHOT,
        },
        rejected_reasons: { records: {}, values: {} },
      })
      first.push(res.json())
      t.clock.advance(2_000)
    }
    const oneCopy = sortSamples(range(0, FLUSH).flatMap(expectedOf))
    expect(await storedSamples(t, id)).toEqual(oneCopy)

    // The same four bodies again, without Idempotency-Key, a few minutes later.
    t.clock.advance(5 * 60_000)
    for (const [b, body] of bodies.entries()) {
      const res = await post(t, body)
      expect(res.statusCode, `retry ${b}`).toBe(200)
      expect(res.headers['idempotent-replayed']).toBe('true')
      expect(res.json()).toEqual(first[b])
    }
    expect(await storedSamples(t, id)).toEqual(oneCopy)

    // The logger kept collecting; its next upload overlaps the last 250 records of the flush.
    t.clock.advance(3 * HOUR_MS)
    const overlap = range(FLUSH - CHUNK / 2, FLUSH + CHUNK / 2)
    const res = await t.submit(v2Payload(id, overlap.map(record), { batch_index: 1, total_records: CHUNK }), SHARED_TOKEN)
    expect(res.statusCode).toBe(200)
    expect(res.headers['idempotent-replayed']).toBeUndefined()
    expect(res.json()).toMatchObject({
      processed: CHUNK,
      values: {
        accepted: CHUNK * METRICS_PER_RECORD,
        stored: (CHUNK / 2) * METRICS_PER_RECORD,
        duplicate: (CHUNK / 2) * METRICS_PER_RECORD,
        rejected: 0,
      },
    })
    const distinct = sortSamples(range(0, FLUSH + CHUNK / 2).flatMap(expectedOf))
    expect(await storedSamples(t, id)).toEqual(distinct)

    const ledger = await t.inject({
      method: 'GET',
      url: `/api/v2/admin/installations/${id}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    expect(ledger.statusCode).toBe(200)
    const detail = ledger.json<{ samples_total: number, last_sample: string, ledger: { day: string, samples: number }[] }>()
    expect(detail.samples_total).toBe((FLUSH + CHUNK / 2) * METRICS_PER_RECORD)
    expect(detail.samples_total).toBe(distinct.length)
    expect(detail.last_sample).toBe(new Date(Math.round(tsOf(FLUSH + CHUNK / 2 - 1) * 1000)).toISOString())
    // Every sample arrived on time, so the per-day ledger adds up to the total.
    expect(detail.ledger.reduce((n, d) => n + d.samples, 0)).toBe(detail.samples_total)
    const perDay = new Map<string, number>()
    for (const s of distinct) {
      const day = new Date(s.ts).toISOString().slice(0, 10)
      perDay.set(day, (perDay.get(day) ?? 0) + 1)
    }
    expect(perDay.size).toBe(2) // the flush spans midnight UTC
    expect(detail.ledger).toEqual([...perDay].map(([day, samples]) => ({ day, samples, stored: samples })))
  })

  it('keeps the first value of a sample when an overlapping upload disagrees', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN }, START_MS)
    const id = newId()
    const ts = START_MS / 1000 - 120
    const send = (temp: number, extra: Record<string, unknown> = {}) =>
      t.submit(v2Payload(id, [v2Record(ts, heatPump(IDM, { temp_outside: temp, ...extra }))]), SHARED_TOKEN)

    expect((await send(4.5)).json()).toMatchObject({ values: { stored: 1, duplicate: 0 } })
    // Same timestamp, a different outdoor reading and a metric the first upload lacked.
    expect((await send(9.9, { power_current: 5.0 })).json()).toMatchObject({ values: { stored: 1, duplicate: 1 } })

    expect(await storedSamples(t, id)).toEqual([
      { hp: IDM.id, metric: 'power_heat', ts: ts * 1000, value: 5.0 * 1000 },
      { hp: IDM.id, metric: 'temp_outdoor', ts: ts * 1000, value: 4.5 },
    ])
    const [row] = await t.app.store.db.selectFrom('installations').select('samples_total').where('id', '=', id).execute()
    expect(Number(row?.samples_total)).toBe(2)
  })
})
