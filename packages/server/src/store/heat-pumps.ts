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
  let known: Set<string> | undefined
  for (const ref of refs) {
    if (ids.has(ref.key)) continue
    known ??= new Set((await db.selectFrom('heat_pumps').select('hp_key').where('installation_id', '=', installationId).execute()).map((r) => r.hp_key))
    if (!known.has(ref.key)) {
      if (known.size >= maxHeatPumps) continue
      known.add(ref.key)
    }
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
    ids.set(ref.key, row.id)
  }
  return ids
}

export async function heatPumpIdsOf (db: Kysely<Database>, installationId: string): Promise<number[]> {
  const rows = await db.selectFrom('heat_pumps').select('id').where('installation_id', '=', installationId).execute()
  return rows.map((r) => r.id)
}
