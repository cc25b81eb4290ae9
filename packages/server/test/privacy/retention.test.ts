import { describe, expect, it } from 'vitest'
import { DAY_MS } from '../../src/ledger/contribution.js'
import { ADMIN_TOKEN, build, v1Payload, v1Record } from '../helper.js'

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
const NOW = Date.UTC(2026, 10, 27, 12)

/**
 * Extends the admin route test (test/routes/admin.test.ts: one old and one new sample) to the
 * edge and to what retention keeps: raw samples strictly older than RETENTION_DAYS go, one at the
 * cutoff stays; the ledger, rollups and pool counts (aggregates, docs/PRIVACY.md) stay; the
 * owner's export no longer contains the deleted samples; ingest drops samples already past it.
 */
describe('retention of raw samples', () => {
  it('deletes raw samples past RETENTION_DAYS at the exact cutoff, keeps the rest and the aggregates', async () => {
    const t = await build({ RETENTION_DAYS: '30', CONTRIBUTION_MIN_SAMPLES: '1' }, NOW)
    const { id, token } = await t.register()
    const cutoffLater = NOW + 10 * DAY_MS - 30 * DAY_MS // the cutoff when retention runs ten days from now
    const stamps = [cutoffLater - 1000, cutoffLater, NOW - 60_000]
    const res = await t.submit(v1Payload(id, stamps.map((ms) => v1Record(ms / 1000))), token)
    expect(res.statusCode, res.body).toBe(200)
    const db = t.app.store.db
    const aggregates = async () => ({
      ledger: await db.selectFrom('ledger_days').select(['day', 'samples', 'stored']).orderBy('day').execute(),
      pool: await db.selectFrom('pool_days').selectAll().orderBy('day').execute(),
      rollups: await db.selectFrom('rollups_daily').select(['day', 'records']).orderBy('day').execute(),
    })
    const before = await aggregates()
    expect(before.ledger).toHaveLength(2)

    t.clock.advance(10 * DAY_MS)
    const run = await t.inject({ method: 'POST', url: '/api/v2/admin/retention', headers: admin })
    expect(run.statusCode, run.body).toBe(200)
    expect(run.json()).toMatchObject({ samples_deleted: 1, cutoff: new Date(cutoffLater).toISOString() })
    const hp = await db.selectFrom('heat_pumps').select('id').executeTakeFirstOrThrow()
    expect((await t.app.store.samples.read(hp.id, 0, Number.MAX_SAFE_INTEGER)).map((s) => s.ts)).toEqual(stamps.slice(1))
    expect(await aggregates()).toEqual(before)

    const exported = await t.inject({ method: 'GET', url: '/api/v2/installations/me/export', headers: { authorization: `Bearer ${token}` } })
    expect(exported.json<{ samples: { ts: string }[] }>().samples.map((s) => Date.parse(s.ts))).toEqual(stamps.slice(1))

    // Running it again deletes nothing more.
    expect((await t.inject({ method: 'POST', url: '/api/v2/admin/retention', headers: admin })).json()).toMatchObject({ samples_deleted: 0 })
    // A sample already past RETENTION_DAYS is not stored in the first place.
    const late = await t.submit(v1Payload(id, [v1Record((t.clock.ms - 31 * DAY_MS) / 1000)]), token)
    expect(late.json()).toMatchObject({ records: { rejected: 1 }, rejected_reasons: { records: { too_old: 1 } } })
  })
})
