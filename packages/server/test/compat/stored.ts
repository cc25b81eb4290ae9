import type { MetricName } from '@heatpool/protocol'
import { sql } from 'kysely'
import type { TestApp } from '../helper.js'

/** One stored sample: heat pump (the client's key), canonical metric, timestamp (ms), value. */
export interface Sample {
  readonly hp: string
  readonly metric: string
  readonly ts: number
  readonly value: number
}

const END_OF_TIME = Number.MAX_SAFE_INTEGER

/** Orders samples by heat pump, timestamp, then metric, so lists compare sample by sample. */
export function sortSamples<T extends Sample> (samples: readonly T[]): T[] {
  return [...samples].sort((a, b) =>
    a.hp < b.hp ? -1 : a.hp > b.hp ? 1 : a.ts - b.ts || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0))
}

/** Every sample stored for an installation, read back through the store, sorted. */
export async function storedSamples (t: TestApp, installationId: string): Promise<Sample[]> {
  const store = t.app.store
  const heatPumps = await store.db.selectFrom('heat_pumps').select(['id', 'hp_key'])
    .where('installation_id', '=', installationId).execute()
  const out: Sample[] = []
  for (const hp of heatPumps) {
    for (const row of await store.samples.read(hp.id, 0, END_OF_TIME)) {
      for (const [metric, value] of Object.entries(row.values)) {
        out.push({ hp: hp.hp_key, metric, ts: row.ts, value: value as number })
      }
    }
  }
  return sortSamples(out)
}

export async function installationRows (t: TestApp) {
  return t.app.store.db.selectFrom('installations').selectAll().orderBy('id').execute()
}

export async function heatPumpRows (t: TestApp, installationId: string) {
  return t.app.store.db.selectFrom('heat_pumps')
    .select(['hp_key', 'manufacturer', 'driver_model', 'model_name', 'model_key'])
    .where('installation_id', '=', installationId).orderBy('hp_key').execute()
}

/** Builds an expected sample list from `{metric: value}` rows, so tests state expectations compactly. */
export function expectedSamples (hp: string, rows: readonly [ts: number, values: Partial<Record<MetricName, number>>][]): Sample[] {
  const out: Sample[] = []
  for (const [ts, values] of rows) {
    for (const [metric, value] of Object.entries(values)) out.push({ hp, metric, ts, value: value as number })
  }
  return sortSamples(out)
}

/** Rows in the raw sample table, across all installations (0 proves a rejected request stored nothing). */
export async function sampleRowCount (t: TestApp): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM samples`.execute(t.app.store.db)
  return Number(rows[0]?.n)
}
