import { METRIC_NAMES, type MetricName, type MetricValues } from '@heatpool/protocol'
import type BetterSqlite3 from 'better-sqlite3'
import type { SampleBatch, SampleRow, SampleStore, SampleWriteResult, StoredSample } from '../types.js'

/**
 * Samples in one WITHOUT ROWID table, one row per (heat pump, timestamp) and one REAL column per
 * catalog metric (NULL when absent). Keying the row by (heat pump, ts) and keeping each cell's
 * first value gives exactly the (heat pump, metric, timestamp) sample key of the design brief,
 * while sharing the key bytes among the metrics of a row: about 10.5 bytes per sample for
 * realistic float data, against ~30 for a row per sample (docs/BENCHMARKS.md). SQLite writes whole-number REALs as integers.
 */
export const SAMPLE_COLUMNS: readonly MetricName[] = METRIC_NAMES

export function createSamplesTableSql (): string {
  const cols = SAMPLE_COLUMNS.map((m) => `  ${m} REAL`).join(',\n')
  return `CREATE TABLE IF NOT EXISTS samples (
  heat_pump_id INTEGER NOT NULL,
  ts INTEGER NOT NULL,
${cols},
  PRIMARY KEY (heat_pump_id, ts)
) WITHOUT ROWID`
}

export class SqliteSampleStore implements SampleStore {
  readonly kind = 'sqlite' as const
  readonly #db: BetterSqlite3.Database
  readonly #insert: BetterSqlite3.Statement
  readonly #select: BetterSqlite3.Statement
  readonly #fill: BetterSqlite3.Statement
  readonly #args: (number | null)[]

  constructor (db: BetterSqlite3.Database) {
    this.#db = db
    const cols = SAMPLE_COLUMNS.join(', ')
    const marks = SAMPLE_COLUMNS.map(() => '?').join(', ')
    this.#insert = db.prepare(`INSERT INTO samples (heat_pump_id, ts, ${cols}) VALUES (?, ?, ${marks}) ON CONFLICT DO NOTHING`)
    this.#select = db.prepare(`SELECT ${cols} FROM samples WHERE heat_pump_id = ? AND ts = ?`).raw(true)
    // First value wins: only cells that are still NULL take the new value.
    this.#fill = db.prepare(`UPDATE samples SET ${SAMPLE_COLUMNS.map((m) => `${m} = coalesce(${m}, ?)`).join(', ')} WHERE heat_pump_id = ? AND ts = ?`)
    this.#args = new Array<number | null>(SAMPLE_COLUMNS.length + 2).fill(null)
  }

  /** The transaction is the one open on the same connection: nothing to pass. */
  async write (batch: SampleBatch): Promise<SampleWriteResult> {
    return this.writeRows(batch.rows)
  }

  /** Synchronous: the rows go into the caller's open transaction (the SQLite ON CONFLICT key decides what is new). */
  writeRows (rows: readonly SampleRow[]): SampleWriteResult {
    const storedPerRow = new Uint32Array(rows.length)
    let stored = 0
    let duplicate = 0
    const args = this.#args
    const n = SAMPLE_COLUMNS.length
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as SampleRow
      let present = 0
      args[0] = row.heatPumpId
      args[1] = row.ts
      for (let c = 0; c < n; c++) {
        const v = row.values[SAMPLE_COLUMNS[c] as MetricName]
        if (v === undefined) {
          args[c + 2] = null
        } else {
          args[c + 2] = v
          present++
        }
      }
      if (present === 0) continue
      if (this.#insert.run(args).changes === 1) {
        storedPerRow[i] = present
        stored += present
        continue
      }
      // The row exists: keep its values, fill in only the metrics it lacks.
      const existing = this.#select.get(row.heatPumpId, row.ts) as (number | null)[]
      let filled = 0
      const fillArgs: (number | null)[] = new Array(n + 2)
      for (let c = 0; c < n; c++) {
        const v = args[c + 2] as number | null
        fillArgs[c] = v
        if (v !== null) {
          if (existing[c] === null) filled++
          else duplicate++
        }
      }
      if (filled > 0) {
        fillArgs[n] = row.heatPumpId
        fillArgs[n + 1] = row.ts
        this.#fill.run(fillArgs)
      }
      storedPerRow[i] = filled
      stored += filled
    }
    return { stored, duplicate, storedPerRow }
  }

  async read (heatPumpId: number, fromMs: number, toMs: number, metrics: readonly MetricName[] = SAMPLE_COLUMNS): Promise<StoredSample[]> {
    const cols = metrics.filter((m) => SAMPLE_COLUMNS.includes(m))
    const stmt = this.#db.prepare(`SELECT ts, ${cols.join(', ')} FROM samples WHERE heat_pump_id = ? AND ts >= ? AND ts < ? ORDER BY ts`).raw(true)
    const out: StoredSample[] = []
    for (const r of stmt.all(heatPumpId, fromMs, toMs) as (number | null)[][]) {
      const values: MetricValues = {}
      let present = 0
      for (let c = 0; c < cols.length; c++) {
        const v = r[c + 1]
        if (v !== null && v !== undefined) {
          values[cols[c] as MetricName] = v
          present++
        }
      }
      // A timestamp without any of the requested metrics is no sample of them.
      if (present > 0) out.push({ ts: r[0] as number, values })
    }
    return out
  }

  async deleteOlderThan (cutoffMs: number): Promise<number> {
    // Per heat pump, so each delete is a primary-key range scan, not a full-table scan.
    const ids = this.#db.prepare('SELECT id FROM heat_pumps').pluck().all() as number[]
    const del = this.#db.prepare('DELETE FROM samples WHERE heat_pump_id = ? AND ts < ?')
    let deleted = 0
    for (const id of ids) deleted += del.run(id, cutoffMs).changes
    return deleted
  }

  async eraseInstallation (_installationId: string, heatPumpIds: readonly number[]): Promise<number> {
    const del = this.#db.prepare('DELETE FROM samples WHERE heat_pump_id = ?')
    let deleted = 0
    for (const id of heatPumpIds) deleted += del.run(id).changes
    return deleted
  }

  async sizeBytes (): Promise<number | null> {
    try {
      const row = this.#db.prepare("SELECT sum(pgsize) AS bytes FROM dbstat WHERE name = 'samples'").get() as { bytes: number | null }
      return row.bytes ?? 0
    } catch {
      return null // dbstat is a compile-time option of SQLite
    }
  }

  async ping (): Promise<void> {
    this.#db.prepare('SELECT 1').get()
  }

  /** The relational store owns the connection and closes it. */
  async close (): Promise<void> {}
}
