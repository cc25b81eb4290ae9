import { describe, expect, it } from 'vitest'
import { ERASURE_PLAN } from '../../src/store/erasure.js'
import { NO_ENGINE } from '../engines/missing.js'
import { ADMIN_TOKEN } from '../helper.js'
import { COMBINATIONS, liveTables, member, NOT_RELATIONAL, open, traces } from './history.js'

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

describe.each(COMBINATIONS)('erasure from every store: $name', (combination) => {
  it('DELETE /api/v2/installations/me erases the caller everywhere, says what it removed, and leaves the other installation whole', async (ctx) => {
    const t = await open(combination)
    if (t === undefined) return ctx.skip(NO_ENGINE)
    const a = await member(t, 0)
    const b = await member(t, 1)
    const store = t.app.store
    const bBefore = await store.samples.read(b.heatPumpIds[0] as number, 0, Number.MAX_SAFE_INTEGER)
    const bValues = await store.db.selectFrom('installations').select('samples_total').where('id', '=', b.id).executeTakeFirstOrThrow()
    expect(await traces(store, a)).not.toEqual([])

    const res = await t.inject({ method: 'DELETE', url: '/api/v2/installations/me', headers: { authorization: `Bearer ${a.token}` } })
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json<{ installation_id: string, samples_deleted: number | null, removed: Record<string, number | null> }>()
    expect(body.installation_id).toBe(a.id)
    const vm = combination.name !== 'sqlite'
    expect(body.removed).toMatchObject({
      samples: vm ? null : 601,
      installations: 1,
      heat_pumps: 1,
      ledger_days: 3,
      badges: 1,
      installation_rejection_days: 1,
      idempotency_keys: 3,
    })
    expect(body.samples_deleted).toBe(body.removed.samples)
    expect(body.removed.rollups_hourly).toBeGreaterThan(0)
    expect(body.removed.rollups_daily).toBe(3)
    // VictoriaMetrics' replay buffer held the batches (VM_REPLAY_SECONDS defaults to 30).
    expect(body.removed.recent_sample_writes).toBe(vm ? 3 : 0)

    // Nothing of it is left anywhere: no row names it, no text contains its id, no samples.
    expect(await traces(store, a)).toEqual([])
    expect(await store.samples.read(a.heatPumpIds[0] as number, 0, Number.MAX_SAFE_INTEGER)).toEqual([])
    // The pool counts (values) no longer include its samples.
    const pool = await store.db.selectFrom('pool_days').select((eb) => eb.fn.sum<number>('samples').as('n')).executeTakeFirstOrThrow()
    expect(Number(pool.n)).toBe(Number(bValues.samples_total))
    // The other installation is untouched.
    expect(await store.samples.read(b.heatPumpIds[0] as number, 0, Number.MAX_SAFE_INTEGER)).toEqual(bBefore)
    expect(await traces(store, b)).toEqual(expect.arrayContaining(['installations.id', 'heat_pumps.installation_id', 'ledger_days.installation_id', 'badges.installation_id']))

    // Its token is gone with it; erasing again is not possible with it.
    const again = await t.inject({ method: 'DELETE', url: '/api/v2/installations/me', headers: { authorization: `Bearer ${a.token}` } })
    expect(again.statusCode).toBe(401)
    expect(again.json()).toMatchObject({ code: 'HP_ERR_TOKEN_REJECTED' })
    expect((await t.inject({ method: 'GET', url: `/api/v2/admin/installations/${a.id}`, headers: admin })).statusCode).toBe(404)
  })

  it('the admin erasure is the same erasure', async (ctx) => {
    const t = await open(combination)
    if (t === undefined) return ctx.skip(NO_ENGINE)
    const a = await member(t, 2)
    const res = await t.inject({ method: 'DELETE', url: `/api/v2/admin/installations/${a.id}`, headers: admin })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ installation_id: a.id, removed: { installations: 1, heat_pumps: 1, ledger_days: 3, badges: 1, idempotency_keys: 3 } })
    expect(await traces(t.app.store, a)).toEqual([])
  })
})

describe.each(COMBINATIONS)('erasure covers every table: $name', (combination) => {
  it('every live table is in the erasure plan, and every one with an installation_id or heat_pump_id column is erased', async (ctx) => {
    const t = await open(combination)
    if (t === undefined) return ctx.skip(NO_ENGINE)
    const tables = await liveTables(t.app.store)
    const relational = [...tables.keys()].filter((name) => !NOT_RELATIONAL.has(name)).sort()
    // A new table must be added to ERASURE_PLAN (store/erasure.ts), saying whether erasure removes its rows.
    expect(relational).toEqual(Object.keys(ERASURE_PLAN).sort())
    for (const [name, columns] of tables) {
      if (NOT_RELATIONAL.has(name)) continue
      const keyed = columns.includes('installation_id') || columns.includes('heat_pump_id')
      if (keyed) expect(ERASURE_PLAN[name as keyof typeof ERASURE_PLAN], name).toEqual({ erased: true })
    }
  })
})

describe('who may erase', () => {
  it('only the installation itself, with its own token', async () => {
    const t = await open(COMBINATIONS[0] as (typeof COMBINATIONS)[number])
    if (t === undefined) throw new Error('the embedded store needs no engine')
    const a = await member(t, 3)
    for (const [headers, status, code] of [
      [{}, 401, 'HP_ERR_MISSING_AUTH'],
      [admin, 401, 'HP_ERR_INSTALLATION_TOKEN_REQUIRED'],
      [{ authorization: 'Bearer hpi_unknown' }, 401, 'HP_ERR_TOKEN_REJECTED'],
    ] as const) {
      const res = await t.inject({ method: 'DELETE', url: '/api/v2/installations/me', headers })
      expect(res.statusCode).toBe(status)
      expect(res.json()).toMatchObject({ code })
    }
    expect(await traces(t.app.store, a)).toContain('installations.id')
  })
})
