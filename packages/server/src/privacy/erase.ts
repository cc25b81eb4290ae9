import type { ErasureRemoved } from '@heatpool/protocol'
import { eraseInstallationRows } from '../store/erasure.js'
import { heatPumpIdsOf } from '../store/heat-pumps.js'
import type { Store } from '../store/types.js'

/**
 * Erases installation `id` from every store: its samples (SQLite rows, or VictoriaMetrics series,
 * heatpool's and the upstream server's), and every relational row (`store/erasure.ts`). The one
 * erasure behind both `DELETE /api/v2/admin/installations/:id` and `DELETE
 * /api/v2/installations/me`. Runs in one transaction holding the installation's lock, so no
 * batch of it interleaves; the samples go first (the embedded store deletes them in the same
 * transaction; VictoriaMetrics cannot roll back, so a failure later leaves the relational rows for
 * a retry, never rows without their samples' erasure having been asked for). Returns what was
 * removed, or undefined when there is no such installation (its legacy VictoriaMetrics series,
 * if any, are erased all the same).
 *
 * Community figures are not recomputed here: they come from the rollups at the next computation,
 * which for the cached public figures is the next UTC day (docs/PRIVACY.md, rule 7).
 */
export async function eraseInstallation (store: Store, id: string): Promise<ErasureRemoved | undefined> {
  return store.transaction(async (trx) => {
    await store.lockInstallation(trx, id)
    const heatPumps = await heatPumpIdsOf(trx, id)
    const samples = await store.samples.eraseInstallation(id, heatPumps)
    const rows = await eraseInstallationRows(trx, id, heatPumps)
    return rows === undefined ? undefined : { samples, ...rows }
  })
}
