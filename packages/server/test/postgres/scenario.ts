import type { Kysely } from 'kysely'
import { eligibilityOf, eligibleSince } from '../../src/community/eligibility.js'
import { groupWindowSums } from '../../src/community/averages.js'
import { modelsAvailable } from '../../src/models/registry.js'
import { emptySums, ROLLUP_SUM_COLUMNS, type RollupSums } from '../../src/rollups/rollup.js'
import { heatPumpIdsOf, upsertHeatPumps } from '../../src/store/heat-pumps.js'
import { findResponse, pruneResponses, saveResponse } from '../../src/store/idempotency.js'
import {
  countInstallations, deleteInstallation, ensureInstallation, findInstallation, listInstallations,
  recordSubmission, registerInstallation, rotateInstallationToken,
} from '../../src/store/installations.js'
import { addContributions, contributionDaysOf, recountContributionDays } from '../../src/store/ledger.js'
import { activeInstallations, addPoolSamples, samplesSince, subtractInstallationFromPool } from '../../src/store/pool.js'
import { rebuildDays, writeHours } from '../../src/store/rollups.js'
import type { Database } from '../../src/store/schema.js'
import { getSetting, setSetting } from '../../src/store/settings.js'

const DAY_MS = 86_400_000
const T0 = Date.UTC(2026, 10, 27, 12)
const DAY0 = Math.floor(T0 / DAY_MS)
const HOUR0 = DAY0 * 24

/** Deterministic, non-trivial floats (0.1 + 0.2 style sums show any 4-byte rounding). */
function sums (seed: number): RollupSums {
  const s = emptySums()
  ROLLUP_SUM_COLUMNS.forEach((c, i) => { s[c] = Math.round(((seed * 7919 + i * 104729) % 100_003) * 0.1 * 1000) / 1000 + 0.1 })
  s.records = 12 + seed
  s.samples = 60 + seed
  return s
}

/**
 * The relational work of ingest and of the read side, every store function once or more, in a
 * fixed order with fixed inputs; returns what each call returned. Run on SQLite and on
 * PostgreSQL, the results and the tables afterwards must be equal.
 */
export async function runScenario (db: Kysely<Database>, transaction: <T>(fn: (trx: Kysely<Database>) => Promise<T>) => Promise<T>): Promise<unknown[]> {
  const out: unknown[] = []
  const a = '0a6f4e2c-1111-4a4a-8a8a-000000000001'
  const b = '0a6f4e2c-1111-4a4a-8a8a-000000000002'
  const c = '0a6f4e2c-1111-4a4a-8a8a-000000000003'

  await ensureInstallation(db, a, T0, { manufacturer: 'iDM', modelName: 'AERO SLM', modelKey: 'aero slm' })
  await ensureInstallation(db, a, T0 + 1, { modelName: 'other' }) // exists: nothing changes
  await ensureInstallation(db, c, T0 + 2)
  out.push(await registerInstallation(db, { id: b, tokenHash: 'hash-b', consentVersion: '1', modelName: 'Navigator 2.0', modelKey: 'navigator 2.0' }, T0 + 3))
  out.push(await registerInstallation(db, { id: a, tokenHash: 'hash-a', consentVersion: '1' }, T0 + 4))
  out.push(await registerInstallation(db, { id: a, tokenHash: 'hash-a2', consentVersion: '2' }, T0 + 5))
  await rotateInstallationToken(db, { id: b, tokenHash: 'hash-b2', consentVersion: '2', manufacturer: 'Nibe' }, T0 + 6)

  const model = { name: 'AERO SLM', key: 'aero slm' }
  const refs = [
    { key: 'hp-legacy', manufacturer: 'idm', model: 'navigator_2_0' },
    { key: 'hp-2', manufacturer: 'idm', model: 'navigator_2_0' },
    { key: 'hp-3', manufacturer: 'idm', model: 'navigator_2_0' },
  ]
  // Repeated batches of known heat pumps, then a new one: ids must not depend on how often the known ones were seen.
  for (let i = 0; i < 3; i++) out.push([...await transaction((trx) => upsertHeatPumps(trx, a, refs, model, T0 + 10 + i, 2))])
  out.push([...await transaction((trx) => upsertHeatPumps(trx, b, [refs[0] as typeof refs[0]], { name: null, key: null }, T0 + 20, 2))])
  out.push([...await transaction((trx) => upsertHeatPumps(trx, a, [{ key: 'hp-2', manufacturer: 'idm', model: 'x' }], { name: null, key: null }, T0 + 21, 3))])
  out.push([...await transaction((trx) => upsertHeatPumps(trx, a, [{ key: 'hp-4', manufacturer: 'idm', model: 'y' }], model, T0 + 22, 3))])
  out.push(await heatPumpIdsOf(db, a))

  // Batches: on-time and late samples over three days; the threshold is 100.
  const batches: [string, [number, number, number][]][] = [
    [a, [[DAY0 - 1, 40, 40], [DAY0, 30, 30]]],
    [a, [[DAY0 - 1, 70, 70], [DAY0, 0, 20], [DAY0 - 5, 0, 500]]],
    [b, [[DAY0, 150, 150]]],
    [a, [[DAY0, 80, 80], [DAY0 - 1, 10, 10]]],
    [b, [[DAY0 - 1, 99, 99]]],
    [b, [[DAY0 - 1, 1, 1]]],
  ]
  let i = 0
  for (const [id, days] of batches) {
    const onTime = new Map(days.filter((d) => d[1] > 0).map((d) => [d[0], d[1]]))
    const all = new Map(days.map((d) => [d[0], d[2]]))
    out.push(await transaction(async (trx) => {
      const crossed = await addContributions(trx, id, onTime, all, 100)
      await addPoolSamples(trx, all)
      const stored = [...all.values()].reduce((x, y) => x + y, 0)
      await recordSubmission(trx, id, { receivedAt: T0 + 100 + i, stored, lastSampleTs: i === 2 ? null : T0 - i * 1000, modelName: i === 3 ? null : 'AERO SLM', modelKey: i === 3 ? null : 'aero slm' })
      return crossed
    }))
    i++
  }
  out.push(await contributionDaysOf(db, a), await contributionDaysOf(db, b))
  out.push(await eligibleSince(db, a, 100, 1), await eligibleSince(db, b, 100, 2), await eligibleSince(db, a, 100, 5))
  out.push(await eligibilityOf(db, a, T0, { requiredDays: 1, recentDays: 30 }), await eligibilityOf(db, 'nobody', T0, { requiredDays: 1, recentDays: 30 }))
  await recountContributionDays(db, 50)
  out.push(await findInstallation(db, a), await findInstallation(db, b))
  await recountContributionDays(db, 100)

  // Rollups: added, replaced, and days rebuilt from hours.
  const [hp1, hp2] = await heatPumpIdsOf(db, a) as [number, number]
  await writeHours(db, hp1, new Map([[HOUR0 - 2, sums(1)], [HOUR0 - 1, sums(2)], [HOUR0 + 1, sums(3)]]), 'add')
  await writeHours(db, hp1, new Map([[HOUR0 - 1, sums(4)], [HOUR0 + 1, sums(5)]]), 'add')
  await writeHours(db, hp2, new Map([[HOUR0 + 2, sums(6)]]), 'add')
  await writeHours(db, hp2, new Map([[HOUR0 + 2, sums(7)]]), 'replace')
  await rebuildDays(db, hp1, [DAY0 - 1, DAY0])
  await rebuildDays(db, hp2, [DAY0, DAY0 + 1])
  out.push(await groupWindowSums(db, 'aero slm', '24h', T0 + 3 * 3_600_000))
  out.push(await groupWindowSums(db, 'aero slm', '7d', T0))

  // Idempotency keys: saved, replaced, found, expired.
  await saveResponse(db, { keyHash: 'k1', installationId: a, bodyHash: 'b1', statusCode: 200, response: '{"n":1}', createdAt: T0 })
  await saveResponse(db, { keyHash: 'k2', installationId: b, bodyHash: 'b2', statusCode: 200, response: '{"n":2}', createdAt: T0 - DAY_MS })
  await saveResponse(db, { keyHash: 'k1', installationId: a, bodyHash: 'b1b', statusCode: 202, response: '{"n":3}', createdAt: T0 + 1 })
  out.push(await findResponse(db, 'k1', T0), await findResponse(db, 'k2', T0), await findResponse(db, 'k3', 0))
  out.push(await pruneResponses(db, T0 - 1))

  await setSetting(db, 'x', '1')
  await setSetting(db, 'x', '2')
  out.push(await getSetting(db, 'x'), await getSetting(db, 'y'))

  // Names whose order depends on the collation: byte order on both engines.
  for (const [n, name] of ['community_model', 'AERO_SLM', 'Aero_X', 'aero-z', 'Ärger', 'b', 'A_b', 'Ab'].entries()) {
    await db.insertInto('models').values({ name, model_key: null, filename: `${name}.enc`, version: 1, sha256: 'x', size_bytes: 2 ** 33 + n, created_at: T0 }).execute()
  }
  out.push(await modelsAvailable(db))
  out.push(await db.selectFrom('models').select('name').where('name', '>', 'B').orderBy('name').execute())

  out.push(await activeInstallations(db, T0 - 10_000), await samplesSince(db, DAY0 - 1), await countInstallations(db))
  out.push(await listInstallations(db, 2, 1))

  // Erasure of b: its samples leave the pool counts, its rows cascade.
  out.push(await transaction(async (trx) => {
    await subtractInstallationFromPool(trx, b)
    return deleteInstallation(trx, b)
  }))
  out.push(await deleteInstallation(db, 'nobody'))
  out.push(await samplesSince(db, DAY0 - 10))
  return out
}
