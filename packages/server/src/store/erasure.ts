import type { Kysely } from 'kysely'
import { subtractInstallationFromPool } from './pool.js'
import type { Database } from './schema.js'

/** Rows erased per relational table (the sample store counts its own). */
export interface RelationalErasure {
  readonly installations: number
  readonly heat_pumps: number
  readonly ledger_days: number
  readonly rollups_hourly: number
  readonly rollups_daily: number
  readonly badges: number
  readonly installation_rejection_days: number
  readonly idempotency_keys: number
  readonly recent_sample_writes: number
}

/**
 * How erasure treats every relational table, by name. A table that holds an installation's data
 * — a column `installation_id` or `heat_pump_id`, or text naming it — is `erased`; a table
 * that names no installation is `kept` and says why. `test/privacy/erasure-coverage.test.ts`
 * walks the live schema and fails for a table missing here, so a new table cannot be forgotten.
 */
export const ERASURE_PLAN: Readonly<Record<keyof Database, { readonly erased: true } | { readonly kept: string }>> = {
  installations: { erased: true },
  heat_pumps: { erased: true },
  ledger_days: { erased: true },
  rollups_hourly: { erased: true },
  rollups_daily: { erased: true },
  badges: { erased: true },
  installation_rejection_days: { erased: true },
  idempotency_keys: { erased: true },
  // The installation's VictoriaMetrics bodies: a replay after a VictoriaMetrics restart would write the erased samples back.
  recent_sample_writes: { erased: true },
  pool_days: { kept: 'pool-wide samples per day; the erased installation\'s samples are subtracted' },
  ingest_hours: { kept: 'pool-wide ingest figures per hour; they name no installation' },
  ingest_rejection_hours: { kept: 'pool-wide drops per hour and reason; they name no installation' },
  training_runs: { kept: 'counts and thresholds per heat-pump model; they name no installation' },
  models: { kept: 'community model files; trained on many installations, replaced by the next training' },
  settings: { kept: 'server settings (signing key, admin token hash)' },
}

const count = (res: { numDeletedRows: bigint } | undefined) => Number(res?.numDeletedRows ?? 0)

/**
 * Deletes every relational row of installation `id` whose heat pumps are `heatPumpIds`, and
 * subtracts its samples from the pool counts, inside the caller's transaction (holding the
 * installation's lock). Deletes explicitly rather than by cascade, so that it can say what it
 * removed. Returns undefined when there is no such installation (nothing changed).
 */
export async function eraseInstallationRows (trx: Kysely<Database>, id: string, heatPumpIds: readonly number[]): Promise<RelationalErasure | undefined> {
  const exists = await trx.selectFrom('installations').select('id').where('id', '=', id).executeTakeFirst()
  if (exists === undefined) return undefined
  await subtractInstallationFromPool(trx, id)
  const byHeatPump = async (table: 'rollups_hourly' | 'rollups_daily') =>
    heatPumpIds.length === 0 ? 0 : count(await trx.deleteFrom(table).where('heat_pump_id', 'in', heatPumpIds).executeTakeFirst())
  const byInstallation = async (table: 'ledger_days' | 'badges' | 'installation_rejection_days' | 'idempotency_keys' | 'heat_pumps') =>
    count(await trx.deleteFrom(table).where('installation_id', '=', id).executeTakeFirst())
  const rollupsHourly = await byHeatPump('rollups_hourly')
  const rollupsDaily = await byHeatPump('rollups_daily')
  const ledgerDays = await byInstallation('ledger_days')
  const badges = await byInstallation('badges')
  const rejectionDays = await byInstallation('installation_rejection_days')
  const idempotencyKeys = await byInstallation('idempotency_keys')
  const heatPumps = await byInstallation('heat_pumps')
  // Each body is one installation's batch (victoriametrics/series.ts encodeJsonLines); ids are canonical UUIDs (no LIKE wildcards).
  const recent = count(await trx.deleteFrom('recent_sample_writes').where('body', 'like', `%"installation_id":"${id}"%`).executeTakeFirst())
  const installations = count(await trx.deleteFrom('installations').where('id', '=', id).executeTakeFirst())
  return {
    installations,
    heat_pumps: heatPumps,
    ledger_days: ledgerDays,
    rollups_hourly: rollupsHourly,
    rollups_daily: rollupsDaily,
    badges,
    installation_rejection_days: rejectionDays,
    idempotency_keys: idempotencyKeys,
    recent_sample_writes: recent,
  }
}
