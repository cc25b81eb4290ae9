import { gzipSync } from 'node:zlib'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { sampleRowCount } from '../compat/stored.js'
import { build } from '../helper.js'
import { expectClientAnswer, expectStoredInRange, outOfRangeRows } from './checks.js'
import { INSTALLATIONS, NOW_S } from './payloads.js'
import { FUZZ_ENV } from './runs.js'

/**
 * The hostile bodies a random generator rarely reaches: nesting a hundred thousand levels deep,
 * a hundred thousand keys, megabyte strings, gzip bombs and truncated gzip, each beside good
 * data that must still be stored (or the whole body refused, never half-read).
 */

const MIB = 1024 * 1024
const ID = INSTALLATIONS[0]
const good = (t: number) => ({ timestamp: t, temp_outside: 4.5, temp_heat_pump_flow: 35.5, power_current_draw: 1.2 })
const payload = (data: unknown[], extra: Record<string, unknown> = {}) => ({ installation_id: ID, heatpump_model: 'AERO SLM', version: '1.0.2', data, ...extra })
const json = { 'content-type': 'application/json' }
const gzip = { ...json, 'content-encoding': 'gzip' }

/** A gzip stream of `members` concatenated members, each `chunk` zero bytes: tiny on the wire, `members × chunk` inflated. */
function bomb (chunk: number, members: number): Buffer {
  const one = gzipSync(Buffer.alloc(chunk), { level: 9 })
  return Buffer.concat(Array.from({ length: members }, () => one))
}

describe('fuzz: hostile bodies', () => {
  it.each<[string, () => string | Buffer]>([
    ['nested 100,000 arrays deep in a record', () => JSON.stringify(payload([good(NOW_S - 60), { timestamp: NOW_S - 30, temp_outside: 0 }])).replace('"temp_outside":0', `"temp_outside":${'['.repeat(100_000)}1${']'.repeat(100_000)}`)],
    ['nested 100,000 objects deep in a record', () => JSON.stringify(payload([good(NOW_S - 60), { timestamp: NOW_S - 30, temp_outside: 0 }])).replace('"temp_outside":0', `"temp_outside":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`)],
    ['nested 100,000 deep as the data list', () => JSON.stringify(payload([])).replace('"data":[]', `"data":${'['.repeat(100_000)}${']'.repeat(100_000)}`)],
    ['a record with 100,000 keys', () => JSON.stringify(payload([good(NOW_S - 60), { timestamp: NOW_S - 30, ...Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i])) }]))],
    ['an envelope with 100,000 keys', () => JSON.stringify(payload([good(NOW_S - 60)], Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]))))],
    ['100,000 heat pumps in one v2 record', () => JSON.stringify(payload([{ timestamp: NOW_S - 30, heatpumps: Array.from({ length: 100_000 }, (_, i) => ({ id: `hp-${i}`, manufacturer: 'idm', model: 'navigator_2_0', values: { temp_outside: 3 } })) }], { data_version: '2.0' }))],
    ['a 10 MB sensor value', () => JSON.stringify(payload([good(NOW_S - 60), { timestamp: NOW_S - 30, temp_outside: 'x'.repeat(10 * MIB) }]))],
    ['a 10 MB heat-pump id', () => JSON.stringify(payload([{ timestamp: NOW_S - 30, heatpumps: [{ id: 'h'.repeat(10 * MIB), manufacturer: 'idm', model: 'navigator_2_0', values: { temp_outside: 3 } }] }], { data_version: '2.0' }))],
    ['a 10 MB installation id', () => JSON.stringify(payload([good(NOW_S - 60)], { installation_id: 'i'.repeat(10 * MIB) }))],
    ['a 10 MB model name', () => JSON.stringify(payload([good(NOW_S - 60)], { heatpump_model: 'm'.repeat(10 * MIB) }))],
    ['__proto__ in a record', () => JSON.stringify(payload([good(NOW_S - 60)])).replace('{"timestamp"', '{"__proto__":{"temp_outside":-300},"timestamp"')],
    ['constructor.prototype in a record', () => JSON.stringify(payload([good(NOW_S - 60)])).replace('{"timestamp"', '{"constructor":{"prototype":{"temp_outside":-300}},"timestamp"')],
    ['numbers past double range', () => JSON.stringify(payload([good(NOW_S - 60), { timestamp: NOW_S - 30, temp_outside: 0, power_current_draw: 0 }])).replace('"temp_outside":0', '"temp_outside":1e400').replace('"power_current_draw":0', '"power_current_draw":-1e400')],
    ['a timestamp of 1e308', () => JSON.stringify(payload([good(NOW_S - 60), good(0)])).replace('"timestamp":0', '"timestamp":1e308')],
    ['invalid UTF-8 in a string', () => Buffer.concat([Buffer.from(JSON.stringify(payload([good(NOW_S - 60)])).slice(0, -2)), Buffer.from([0x2c, 0x22, 0xff, 0xfe, 0xc0, 0x80, 0x22, 0x3a, 0x31, 0x7d, 0x7d])])],
    ['a lone surrogate escape', () => JSON.stringify(payload([good(NOW_S - 60)], { heatpump_model: 'AERO' })).replace('"AERO"', '"\\ud800AERO"')],
  ])('%s: a coded 4xx or a stored batch of plausible values, and the server answers on', async (_name, body) => {
    const t = await build(FUZZ_ENV)
    const res = await t.inject({ method: 'POST', url: '/api/v1/submit', headers: json, payload: body() })
    expectClientAnswer(res, 'submit')
    await expectStoredInRange(t, [ID])
    if (res.statusCode >= 400) expect(await sampleRowCount(t)).toBe(0)
    // The same server still takes a good batch.
    const next = await t.submit(payload([good(NOW_S - 10)]), undefined, json)
    expect(next.statusCode, next.body).toBe(200)
  })

  it('the range check itself sees a planted implausible value and a fractional enum code', async () => {
    const t = await build(FUZZ_ENV)
    expect(await outOfRangeRows(t)).toEqual({ rows: 0, bad: 0 })
    await sql`INSERT INTO samples (heat_pump_id, ts, temp_outdoor) VALUES (1, 1, 20), (1, 2, 500)`.execute(t.app.store.db)
    await sql`INSERT INTO samples (heat_pump_id, ts, operating_mode) VALUES (1, 3, 1.5)`.execute(t.app.store.db)
    expect(await outOfRangeRows(t)).toEqual({ rows: 3, bad: 2 })
  })

  it('refuses a 1 GiB gzip bomb of 1 MB at the decoded-size limit, ten times over, with bounded memory', async () => {
    const t = await build({ ...FUZZ_ENV, BODY_LIMIT_MB: '16' })
    const body = bomb(16 * MIB, 64)
    expect(body.length).toBeLessThan(2 * MIB)
    const before = process.memoryUsage()
    for (let i = 0; i < 10; i++) {
      const started = performance.now()
      const res = await t.inject({ method: 'POST', url: '/api/v1/submit', headers: gzip, payload: body })
      // Inflating stops at the limit instead of running through the whole gigabyte.
      expect(performance.now() - started).toBeLessThan(2000)
      expect(res.statusCode).toBe(413)
      expect(res.json()).toMatchObject({ code: 'HP_ERR_BODY_TOO_LARGE' })
    }
    const after = process.memoryUsage()
    // 10 GiB were offered; at most one limit's worth (16 MiB) is inflated at a time, and freed.
    expect(after.rss - before.rss).toBeLessThan(256 * MIB)
    expect(after.heapUsed - before.heapUsed).toBeLessThan(128 * MIB)
    expect(await sampleRowCount(t)).toBe(0)
  })

  it('answers truncated and corrupt gzip with 400 HP_ERR_BAD_ENCODING and stores nothing', async () => {
    const t = await build(FUZZ_ENV)
    const whole = gzipSync(JSON.stringify(payload([good(NOW_S - 60), good(NOW_S - 30)])))
    for (const broken of [whole.subarray(0, whole.length - 9), whole.subarray(0, 12), Buffer.concat([whole.subarray(0, 20), Buffer.alloc(40, 0xff)]), Buffer.from([0x1f, 0x8b])]) {
      const res = await t.inject({ method: 'POST', url: '/api/v1/submit', headers: gzip, payload: broken })
      expectClientAnswer(res, 'truncated gzip')
      expect(res.statusCode).toBe(400)
    }
    expect(await sampleRowCount(t)).toBe(0)
  })

  it('keeps heap and RSS bounded over 60 hostile requests of every kind', async () => {
    const t = await build(FUZZ_ENV)
    const bodies: { headers: Record<string, string>, payload: string | Buffer }[] = [
      { headers: json, payload: JSON.stringify(payload([good(NOW_S - 60)])).replace('"data":[', `"data":[${'['.repeat(50_000)}${']'.repeat(50_000)},`) },
      { headers: json, payload: JSON.stringify(payload([{ timestamp: NOW_S - 30, ...Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])) }])) },
      { headers: gzip, payload: bomb(16 * MIB, 2) },
      { headers: json, payload: 'x'.repeat(MIB) },
      { headers: { 'content-type': 'text/plain' }, payload: 'y'.repeat(MIB) },
    ]
    const warm = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const b = bodies[i % bodies.length] as (typeof bodies)[number]
        expectClientAnswer(await t.inject({ method: 'POST', url: '/api/v1/submit', headers: b.headers, payload: b.payload }), `hostile ${i % bodies.length}`)
      }
    }
    await warm(10)
    const before = process.memoryUsage()
    await warm(60)
    const after = process.memoryUsage()
    // Nothing is kept per request: 60 more requests (~35 MB sent, ~0.4 GB once inflated) leave at most some garbage behind.
    expect(after.heapUsed - before.heapUsed).toBeLessThan(96 * MIB)
    expect(after.rss - before.rss).toBeLessThan(256 * MIB)
    expect((await t.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
  })
})
