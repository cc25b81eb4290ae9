import type { Kysely } from 'kysely'
import { describe, expect, it } from 'vitest'
import { growthWindow, poolGrowth } from '../../src/community/growth.js'
import { qualityReport, qualityWindow } from '../../src/quality/report.js'
import {
  emptyFigures, firstRejectionDays, ingestFiguresByDay, ingestFiguresByHour, installationRejections, recordIngest, rejectionsByDay,
  type IngestRecord,
} from '../../src/store/ingest-stats.js'
import {
  deleteInstallation, ensureInstallation, findInstallation, registerInstallation, reinstateInstallation, revokeInstallation, rotateInstallationToken,
} from '../../src/store/installations.js'
import { addContributions, firstLedgerDays, ledgerWindowByInstallation } from '../../src/store/ledger.js'
import { activeInstallationsByDay, addPoolSamples, firstDayCounts, poolSamplesByDay } from '../../src/store/pool.js'
import { openPostgresStore } from '../../src/store/postgres/open.js'
import type { Database } from '../../src/store/schema.js'
import { NO_ENGINE } from '../engines/missing.js'
import { freshPostgresUrl } from '../engines/postgres.js'
import { openSqliteRelational } from './sqlite-relational.js'

const DAY_MS = 86_400_000
const NOW = Date.UTC(2026, 10, 27, 12, 30)
const TODAY = Math.floor(NOW / DAY_MS)
const A = '0a6f4e2c-2222-4a4a-8a8a-00000000000a'
const B = '0a6f4e2c-2222-4a4a-8a8a-00000000000b'
const C = '0a6f4e2c-2222-4a4a-8a8a-00000000000c'

function batch (installationId: string, receivedAt: number, stored: number, rejections: IngestRecord['rejections'] = []): IngestRecord {
  const rejected = rejections.reduce((n, r) => n + r.values, 0)
  const recordsRejected = rejections.reduce((n, r) => n + r.records, 0)
  return {
    installationId,
    receivedAt,
    figures: { ...emptyFigures(), batches: 1, records_received: 10, records_accepted: 10 - recordsRejected, records_rejected: recordsRejected, values_accepted: stored, values_stored: stored, values_rejected: rejected },
    rejections,
  }
}

/** Ledger, pool and ingest figures of a small pool, written as ingest writes them; then every read. */
async function scenario (db: Kysely<Database>, transaction: <T>(fn: (trx: Kysely<Database>) => Promise<T>) => Promise<T>) {
  for (const id of [A, B, C]) await ensureInstallation(db, id, NOW - 50 * DAY_MS)
  const ledger: [string, number, number][] = [[A, TODAY - 40, 500], [A, TODAY - 2, 100], [A, TODAY - 1, 100], [B, TODAY - 1, 50], [C, TODAY - 1, 70], [C, TODAY, 30]]
  for (const [id, day, n] of ledger) {
    await transaction(async (trx) => {
      const days = new Map([[day, n]])
      await addContributions(trx, id, days, days, 100)
      await addPoolSamples(trx, days)
    })
  }
  const batches = [
    batch(A, NOW - DAY_MS, 200, [{ reason: 'out_of_range', records: 0, values: 3 }, { reason: 'future_timestamp', records: 2, values: 0 }]),
    batch(B, NOW - DAY_MS + 60_000, 50, [{ reason: 'out_of_range', records: 0, values: 1 }, { reason: 'not_finite', records: 0, values: 4 }]),
    batch(C, NOW - 600_000, 100),
    batch(C, NOW, 0, [{ reason: 'invalid_timestamp', records: 10, values: 0 }]),
  ]
  for (const b of batches) await transaction((trx) => recordIngest(trx, b))
  const w = qualityWindow(NOW, 7)
  const g = growthWindow(NOW, 7)
  const data = {
    byDay: await ingestFiguresByDay(db, w.fromDay, w.toDay),
    byHour: await ingestFiguresByHour(db, w.fromHour, w.toHour),
    rejectionsByDay: await rejectionsByDay(db, w.fromDay, w.toDay),
    ledger: await ledgerWindowByInstallation(db, w.fromDay, w.toDay),
    rejections: await installationRejections(db, w.fromDay, w.toDay),
    firstLedgerDays: await firstLedgerDays(db),
    firstRejectionDays: await firstRejectionDays(db),
  }
  const counts = {
    active: await activeInstallationsByDay(db, g.fromDay, g.toDay),
    firsts: await firstDayCounts(db),
    samples: await poolSamplesByDay(db, g.fromDay, g.toDay),
  }
  // Revocation is final: B (registered) and C (legacy only) cannot be claimed until reinstated; A is erased revoked.
  const unknown = '0a6f4e2c-2222-4a4a-8a8a-0000000000ff'
  const claim = (id: string, hash: string) => registerInstallation(db, { id, tokenHash: hash.repeat(64), consentVersion: '1' }, NOW)
  const registered = [await claim(B, 'f')]
  const revoked = [await revokeInstallation(db, B, NOW + 1), await revokeInstallation(db, B, NOW + 2), await revokeInstallation(db, unknown, NOW), await revokeInstallation(db, C, NOW + 3)]
  // A rotation authorised just before the revocation (by the old token) changes nothing after it.
  const rotated = await rotateInstallationToken(db, { id: B, tokenHash: 'b'.repeat(64), consentVersion: '2' }, NOW + 2)
  const revokedRow = await findInstallation(db, B)
  registered.push(await claim(B, 'e'), await claim(C, 'd'))
  const reinstated = [await reinstateInstallation(db, C), await reinstateInstallation(db, C), await reinstateInstallation(db, unknown)]
  registered.push(await claim(C, 'd'))
  await revokeInstallation(db, A, NOW)
  await deleteInstallation(db, A)
  registered.push(await claim(A, 'c'))
  const afterErasure = (await installationRejections(db, w.fromDay, w.toDay)).map((r) => r.installationId)
  return {
    report: qualityReport(w, data),
    growth: poolGrowth(g, 3, counts),
    revoked,
    rotated,
    revokedRow: { token_hash: revokedRow?.token_hash, consent_version: revokedRow?.consent_version, revoked_at: Number(revokedRow?.revoked_at) },
    registered,
    reinstated,
    afterErasure: [...new Set(afterErasure)].sort(),
  }
}

describe('ingest statistics and pool growth on PostgreSQL', () => {
  it('read the same as on SQLite, and as meant', async (ctx) => {
    const url = await freshPostgresUrl()
    if (url === undefined) return ctx.skip(NO_ENGINE)
    const sqlite = await openSqliteRelational()
    const pg = await openPostgresStore({ url, poolSize: 3 })
    try {
      const expected = await scenario(sqlite, (fn) => sqlite.transaction().execute(fn))
      const actual = await scenario(pg.db, (fn) => pg.transaction(fn))
      expect(actual).toEqual(expected)

      // What both say: yesterday's two batches, today's two; drops by reason; gaps from the first day.
      expect(actual.report.daily.slice(-2).map((d) => [d.day, d.batches, d.values_stored, d.values_rejected, d.rejected])).toEqual([
        ['2026-11-26', 2, 250, 8, { future_timestamp: 2, not_finite: 4, out_of_range: 4 }],
        ['2026-11-27', 2, 100, 0, { invalid_timestamp: 10 }],
      ])
      expect(actual.report.hourly.filter((h) => h.batches > 0).map((h) => [h.hour, h.batches])).toEqual([
        ['2026-11-26T12:00:00.000Z', 2], ['2026-11-27T12:00:00.000Z', 2],
      ])
      expect(actual.report.reasons).toEqual([
        { reason: 'invalid_timestamp', records: 10, values: 0 },
        { reason: 'not_finite', records: 0, values: 4 },
        { reason: 'out_of_range', records: 0, values: 4 },
        { reason: 'future_timestamp', records: 2, values: 0 },
      ])
      expect(actual.report.installations).toEqual([
        { installation_id: B, values_stored: 50, values_rejected: 5, implausible_values: 1, days_with_data: 1, gap_days: 1, first_day: '2026-11-26' },
        { installation_id: A, values_stored: 200, values_rejected: 3, implausible_values: 3, days_with_data: 2, gap_days: 5, first_day: '2026-10-18' },
        { installation_id: C, values_stored: 100, values_rejected: 0, implausible_values: 0, days_with_data: 2, gap_days: 0, first_day: '2026-11-26' },
      ])
      expect(actual.growth.days.slice(-2)).toEqual([
        { day: '2026-11-25', active_installations: null, total_installations: 1, data_points: null },
        { day: '2026-11-26', active_installations: 3, total_installations: 3, data_points: 220 },
      ])
      expect(actual.revoked).toEqual([true, false, undefined, true])
      expect(actual.rotated).toBe(false)
      expect(actual.revokedRow).toEqual({ token_hash: null, consent_version: '1', revoked_at: NOW + 1 })
      expect(actual.registered).toEqual(['claimed', 'revoked', 'revoked', 'claimed', 'created'])
      expect(actual.reinstated).toEqual([true, false, undefined])
      expect(actual.afterErasure).toEqual([B, C])
    } finally {
      await sqlite.destroy()
      await pg.close()
    }
  })

  it('lose no count when batches of many installations commit at once (no deadlock on the shared rows)', async (ctx) => {
    const url = await freshPostgresUrl()
    if (url === undefined) return ctx.skip(NO_ENGINE)
    const stores = [await openPostgresStore({ url, poolSize: 6 }), await openPostgresStore({ url, poolSize: 6 })]
    try {
      const ids = Array.from({ length: 24 }, (_, i) => `0a6f4e2c-3333-4a4a-8a8a-${String(i).padStart(12, '0')}`)
      for (const id of ids) await ensureInstallation(stores[0]!.db, id, NOW)
      const reasons = ['out_of_range', 'not_finite', 'missing_value', 'future_timestamp']
      await Promise.all(ids.map((id, i) => {
        const store = stores[i % 2]!
        return store.transaction(async (trx) => {
          await store.lockInstallation(trx, id)
          // Shared pool days in either order, as batches of different days bring them.
          const days = new Map(i % 2 === 0 ? [[TODAY - 1, 10], [TODAY, 10]] : [[TODAY, 10], [TODAY - 1, 10]])
          await addPoolSamples(trx, days)
          const mine = (i % 2 === 0 ? reasons : [...reasons].reverse()).map((reason) => ({ reason, records: 1, values: 2 }))
          await recordIngest(trx, batch(id, NOW, 20, mine))
        })
      }))
      const db = stores[0]!.db
      const hour = await ingestFiguresByHour(db, Math.floor(NOW / 3_600_000), Math.floor(NOW / 3_600_000) + 1)
      expect([...hour.values()][0]).toMatchObject({ batches: 24, values_stored: 480, values_rejected: 192, records_rejected: 96 })
      const perReason = await rejectionsByDay(db, TODAY, TODAY)
      expect(perReason.map((r) => [r.reason, r.records, r.values]).sort()).toEqual(reasons.map((r) => [r, 24, 48]).sort())
      expect((await poolSamplesByDay(db, TODAY - 1, TODAY)).get(TODAY)).toBe(240)
    } finally {
      await Promise.all(stores.map((s) => s.close()))
    }
  })
})
