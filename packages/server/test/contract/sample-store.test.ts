import { describe, expect, it } from 'vitest'
import type { SampleRow, Store } from '../../src/store/types.js'
import { build } from '../helper.js'
import { COMBINATIONS } from './combinations.js'
import { NO_ENGINE } from '../engines/missing.js'

const T0 = Date.UTC(2026, 10, 26, 12)

/** The contract of `SampleStore` (store/types.ts), the same on every store combination. */
describe.each(COMBINATIONS)('sample store contract: $name', (combination) => {
  async function open (): Promise<{ store: Store, installationId: string, heatPumps: [number, number] } | undefined> {
    const env = await combination.env()
    if (env === undefined) return undefined
    const t = await build(env)
    const store = t.app.store
    // Heat pumps exist relationally first, as at ingest.
    const { id } = await t.register()
    const ids: number[] = []
    for (const key of ['hp-a', 'hp-b']) {
      const row = await store.db.insertInto('heat_pumps')
        .values({ installation_id: id, hp_key: key, manufacturer: 'idm', driver_model: 'navigator_2_0', model_name: null, model_key: null, created_at: T0, last_seen_at: T0 })
        .returning('id').executeTakeFirstOrThrow()
      ids.push(Number(row.id))
    }
    return { store, installationId: id, heatPumps: ids as [number, number] }
  }

  function tails (entries: [number, number | null][]) {
    return new Map(entries)
  }

  it('reads back what it wrote, by heat pump, time range and metric', async (ctx) => {
    const s = await open()
    if (s === undefined) return ctx.skip(NO_ENGINE)
    const [a, b] = s.heatPumps
    const rows: SampleRow[] = [
      { heatPumpId: a, ts: T0, values: { temp_outdoor: 5.25, temp_flow: 35.125 } },
      { heatPumpId: a, ts: T0 + 30_000, values: { temp_outdoor: -0.1, power_electric: 1234.5678 } },
      { heatPumpId: b, ts: T0, values: { temp_outdoor: 7 } },
      { heatPumpId: a, ts: T0 + 60_000, values: {} },
    ]
    const res = await s.store.samples.write({ installationId: s.installationId, rows, lastSampleTs: tails([[a, null], [b, null]]) }, s.store.db)
    expect(res.stored).toBe(5)
    expect(res.duplicate).toBe(0)
    expect([...res.storedPerRow]).toEqual([2, 2, 1, 0])
    expect(await s.store.samples.read(a, 0, Number.MAX_SAFE_INTEGER)).toEqual([
      { ts: T0, values: { temp_outdoor: 5.25, temp_flow: 35.125 } },
      { ts: T0 + 30_000, values: { temp_outdoor: -0.1, power_electric: 1234.5678 } },
    ])
    expect(await s.store.samples.read(a, T0 + 1, T0 + 30_001)).toEqual([{ ts: T0 + 30_000, values: { temp_outdoor: -0.1, power_electric: 1234.5678 } }])
    expect(await s.store.samples.read(a, T0, T0 + 30_000)).toEqual([{ ts: T0, values: { temp_outdoor: 5.25, temp_flow: 35.125 } }])
    expect(await s.store.samples.read(a, 0, Number.MAX_SAFE_INTEGER, ['power_electric'])).toEqual([{ ts: T0 + 30_000, values: { power_electric: 1234.5678 } }])
    expect(await s.store.samples.read(b, 0, Number.MAX_SAFE_INTEGER)).toEqual([{ ts: T0, values: { temp_outdoor: 7 } }])
  })

  it('keeps the first value of a key, fills in missing metrics, and counts duplicates within and across batches', async (ctx) => {
    const s = await open()
    if (s === undefined) return ctx.skip(NO_ENGINE)
    const [a] = s.heatPumps
    await s.store.samples.write({ installationId: s.installationId, rows: [{ heatPumpId: a, ts: T0, values: { temp_outdoor: 1, temp_flow: 30 } }], lastSampleTs: tails([[a, null]]) }, s.store.db)
    const res = await s.store.samples.write({
      installationId: s.installationId,
      rows: [
        { heatPumpId: a, ts: T0, values: { temp_outdoor: 99, temp_return: 25 } }, // 1 duplicate, 1 new
        { heatPumpId: a, ts: T0 + 30_000, values: { temp_outdoor: 2 } }, // new
        { heatPumpId: a, ts: T0 + 30_000, values: { temp_outdoor: 3, temp_flow: 31 } }, // 1 duplicate (same batch), 1 new
      ],
      lastSampleTs: tails([[a, T0]]),
    }, s.store.db)
    expect([...res.storedPerRow]).toEqual([1, 1, 1])
    expect(res.stored).toBe(3)
    expect(res.duplicate).toBe(2)
    expect(await s.store.samples.read(a, 0, Number.MAX_SAFE_INTEGER)).toEqual([
      { ts: T0, values: { temp_outdoor: 1, temp_flow: 30, temp_return: 25 } },
      { ts: T0 + 30_000, values: { temp_outdoor: 2, temp_flow: 31 } },
    ])
    // The same batch again stores nothing.
    const again = await s.store.samples.write({
      installationId: s.installationId,
      rows: [{ heatPumpId: a, ts: T0 + 30_000, values: { temp_outdoor: 2, temp_flow: 31 } }],
      lastSampleTs: tails([[a, T0 + 30_000]]),
    }, s.store.db)
    expect(again).toMatchObject({ stored: 0, duplicate: 2 })
  })

  it('erases the samples of the given heat pumps only', async (ctx) => {
    const s = await open()
    if (s === undefined) return ctx.skip(NO_ENGINE)
    const [a, b] = s.heatPumps
    await s.store.samples.write({
      installationId: s.installationId,
      rows: [{ heatPumpId: a, ts: T0, values: { temp_outdoor: 1 } }, { heatPumpId: b, ts: T0, values: { temp_outdoor: 2 } }],
      lastSampleTs: tails([[a, null], [b, null]]),
    }, s.store.db)
    const deleted = await s.store.samples.eraseInstallation(s.installationId, [a])
    if (deleted !== null) expect(deleted).toBe(1)
    expect(await s.store.samples.read(a, 0, Number.MAX_SAFE_INTEGER)).toEqual([])
    expect(await s.store.samples.read(b, 0, Number.MAX_SAFE_INTEGER)).toEqual([{ ts: T0, values: { temp_outdoor: 2 } }])
    await expect(s.store.ping()).resolves.toBeUndefined()
  })
})
