// Reads a stopped server's store directly (better-sqlite3 on DATA_DIR/heatpool.db).
import { join } from 'node:path'
import Database from 'better-sqlite3'

export interface StoredRow {
  /** Seconds, as the logger sent it. */
  readonly tsS: number
  readonly tempOutdoor: number | null
  /** Non-NULL sample cells of the row. */
  readonly cells: number
}

export interface StoredInstallation {
  readonly heatPumps: number
  readonly rows: StoredRow[]
  /** Non-NULL sample cells over all rows. */
  readonly cells: number
  /** installations.samples_total */
  readonly samplesTotal: number
  /** ledger_days per UTC day: on-time samples and all stored samples. */
  readonly ledger: { day: number, samples: number, stored: number }[]
}

export function readInstallation (dataDir: string, installationId: string): StoredInstallation {
  const db = new Database(join(dataDir, 'heatpool.db'), { readonly: true, fileMustExist: true })
  try {
    const cols = db.prepare("SELECT name FROM pragma_table_info('samples') WHERE name NOT IN ('heat_pump_id', 'ts')").pluck().all() as string[]
    const heatPumps = db.prepare('SELECT id FROM heat_pumps WHERE installation_id = ?').pluck().all(installationId) as number[]
    const rows = db.prepare(`SELECT ts, temp_outdoor AS tempOutdoor, ${cols.map((c) => `(${c} IS NOT NULL)`).join(' + ')} AS cells
      FROM samples WHERE heat_pump_id IN (SELECT id FROM heat_pumps WHERE installation_id = ?) ORDER BY ts`)
      .all(installationId) as { ts: number, tempOutdoor: number | null, cells: number }[]
    const samplesTotal = db.prepare('SELECT samples_total FROM installations WHERE id = ?').pluck().get(installationId) as number | undefined
    const ledger = db.prepare('SELECT day, samples, stored FROM ledger_days WHERE installation_id = ? ORDER BY day').all(installationId) as { day: number, samples: number, stored: number }[]
    return {
      heatPumps: heatPumps.length,
      rows: rows.map((r) => ({ tsS: r.ts / 1000, tempOutdoor: r.tempOutdoor, cells: r.cells })),
      cells: rows.reduce((a, r) => a + r.cells, 0),
      samplesTotal: Number(samplesTotal ?? 0),
      ledger: ledger.map((d) => ({ day: Number(d.day), samples: Number(d.samples), stored: Number(d.stored) })),
    }
  } finally {
    db.close()
  }
}
