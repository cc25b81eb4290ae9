import type { HeatPumpRef } from '@heatpool/protocol'
import type { Kysely } from 'kysely'
import type { Database } from './schema.js'

export interface HeatPumpModelName {
  readonly name: string | null
  readonly key: string | null
}

/**
 * Ids of an installation's heat pumps by the client's key, creating the ones not seen before
 * (at most `maxHeatPumps` per installation: each is a set of series) and refreshing what the
 * client says about them. Keys over the limit are absent from the result.
 *
 * Known heat pumps are updated, only new ones inserted: on PostgreSQL every INSERT … ON CONFLICT
 * draws an id from the identity sequence even when it ends as an update, and one per batch
 * would exhaust the 32-bit ids. The insert still upserts, for a heat pump created meanwhile by
 * another transaction.
 */
export async function upsertHeatPumps (
  db: Kysely<Database>,
  installationId: string,
  refs: Iterable<HeatPumpRef>,
  model: HeatPumpModelName,
  nowMs: number,
  maxHeatPumps: number,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>()
  let known: Map<string, number> | undefined
  for (const ref of refs) {
    if (ids.has(ref.key)) continue
    known ??= new Map((await db.selectFrom('heat_pumps').select(['hp_key', 'id']).where('installation_id', '=', installationId).execute()).map((r) => [r.hp_key, r.id]))
    const knownId = known.get(ref.key)
    if (knownId !== undefined) {
      await db.updateTable('heat_pumps')
        .set({
          manufacturer: ref.manufacturer,
          driver_model: ref.model,
          // A missing model name never erases a known one.
          ...(model.name === null ? {} : { model_name: model.name, model_key: model.key }),
          last_seen_at: nowMs,
        })
        .where('id', '=', knownId)
        .execute()
      ids.set(ref.key, knownId)
      continue
    }
    if (known.size >= maxHeatPumps) continue
    const row = await db.insertInto('heat_pumps')
      .values({
        installation_id: installationId,
        hp_key: ref.key,
        manufacturer: ref.manufacturer,
        driver_model: ref.model,
        model_name: model.name,
        model_key: model.key,
        created_at: nowMs,
        last_seen_at: nowMs,
      })
      .onConflict((oc) => oc.columns(['installation_id', 'hp_key']).doUpdateSet((eb) => ({
        manufacturer: eb.ref('excluded.manufacturer'),
        driver_model: eb.ref('excluded.driver_model'),
        model_name: model.name === null ? eb.ref('heat_pumps.model_name') : eb.ref('excluded.model_name'),
        model_key: model.name === null ? eb.ref('heat_pumps.model_key') : eb.ref('excluded.model_key'),
        last_seen_at: eb.ref('excluded.last_seen_at'),
      })))
      .returning('id')
      .executeTakeFirstOrThrow()
    known.set(ref.key, row.id)
    ids.set(ref.key, row.id)
  }
  return ids
}

export async function heatPumpIdsOf (db: Kysely<Database>, installationId: string): Promise<number[]> {
  const rows = await db.selectFrom('heat_pumps').select('id').where('installation_id', '=', installationId).execute()
  return rows.map((r) => r.id)
}
