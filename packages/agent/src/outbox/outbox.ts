import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'

/**
 * The durable outbox: every record a source hands over is committed to SQLite (WAL,
 * synchronous=FULL: fsync at every commit) before the source gets its answer, and leaves only
 * when the server has acknowledged it. SQLite rather than segment files because it gives atomic
 * multi-record commits, crash recovery (the WAL) that never blocks start-up, and the per-batch
 * bookkeeping (idempotency keys, quarantine) in the same transaction — see the README.
 *
 * A batch is a fixed set of records with one idempotency key, created before its first send and
 * kept until acknowledged, so every retry — after a restart too — sends the same body with the
 * same key. At the byte cap the oldest data goes first, whole batches before loose records, so a
 * pending batch never changes under its key.
 */

/** The payload fields a batch carries besides `data` (they must agree within a batch). */
export interface Envelope {
  readonly heatpump_model?: string | null
  readonly version?: string | null
  readonly data_version?: string
}

export interface OutboxRecord {
  readonly id: number
  /** The record exactly as the source sent it (JSON text). */
  readonly json: string
}

export interface Batch {
  readonly id: number
  readonly installationId: string
  readonly idempotencyKey: string
  readonly envelope: Envelope
  readonly state: 'pending' | 'quarantined'
  readonly attempts: number
  readonly createdAt: number
  readonly lastError: string | null
  readonly lastStatus: number | null
}

export interface OutboxStats {
  readonly records: number
  readonly bytes: number
  readonly pendingBatches: number
  readonly quarantinedBatches: number
  readonly quarantinedRecords: number
  /** Records dropped at the byte cap, since the outbox was created. */
  readonly dropped: number
  readonly uploaded: number
}

export interface OutboxOptions {
  /** Directory of `outbox.db`; `:memory:` for tests. */
  readonly dir: string
  readonly maxBytes: number
  readonly clock?: () => number
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  installation_id TEXT NOT NULL,
  envelope TEXT NOT NULL,
  record TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  batch_id INTEGER
);
CREATE INDEX IF NOT EXISTS records_loose ON records (installation_id, id) WHERE batch_id IS NULL;
CREATE INDEX IF NOT EXISTS records_batch ON records (batch_id) WHERE batch_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS batches (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  installation_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  envelope TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'quarantined')),
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  last_status INTEGER
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
`

interface BatchRow {
  id: number
  installation_id: string
  idempotency_key: string
  envelope: string
  state: 'pending' | 'quarantined'
  attempts: number
  created_at: number
  last_error: string | null
  last_status: number | null
}

function toBatch (r: BatchRow): Batch {
  return {
    id: r.id,
    installationId: r.installation_id,
    idempotencyKey: r.idempotency_key,
    envelope: JSON.parse(r.envelope) as Envelope,
    state: r.state,
    attempts: r.attempts,
    createdAt: r.created_at,
    lastError: r.last_error,
    lastStatus: r.last_status,
  }
}

/** The canonical text of an envelope: records with equal envelopes may share a batch. */
export function envelopeKey (e: Envelope): string {
  return JSON.stringify({ heatpump_model: e.heatpump_model ?? null, version: e.version ?? null, data_version: e.data_version ?? null })
}

export class Outbox {
  readonly #db: BetterSqlite3.Database
  readonly #maxBytes: number
  readonly #clock: () => number
  #bytes: number
  #records: number
  /** Records waiting outside quarantine, per installation: the uploader asks on every pass. */
  readonly #waiting = new Map<string, number>()

  constructor (options: OutboxOptions) {
    let path = ':memory:'
    if (options.dir !== ':memory:') {
      mkdirSync(options.dir, { recursive: true })
      path = join(options.dir, 'outbox.db')
    }
    this.#db = new BetterSqlite3(path)
    this.#db.pragma('journal_mode = WAL')
    this.#db.pragma('synchronous = FULL')
    this.#db.pragma('busy_timeout = 5000')
    this.#db.exec(SCHEMA)
    this.#maxBytes = options.maxBytes
    this.#clock = options.clock ?? Date.now
    this.#records = 0
    this.#bytes = 0
    this.#readTotals()
  }

  /** The in-memory counts from what the database holds. */
  #readTotals (): void {
    const totals = this.#db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM records').get() as { n: number, b: number }
    this.#records = totals.n
    this.#bytes = totals.b
    this.#countWaiting()
  }

  /**
   * Runs `fn` in one transaction. The in-memory counts change as it goes; when the transaction
   * fails — a full disk fails it at the commit, with WAL — its rows roll back, so the counts are
   * read again from the database: counts left too high would let the byte cap drop records the
   * outbox still has room for.
   */
  #atomically<T> (fn: () => T): T {
    try {
      return this.#db.transaction(fn)()
    } catch (err) {
      this.#readTotals()
      throw err
    }
  }

  #countWaiting (): void {
    this.#waiting.clear()
    const rows = this.#db.prepare(`SELECT installation_id, count(*) AS n FROM records
      WHERE batch_id IS NULL OR batch_id IN (SELECT id FROM batches WHERE state = 'pending')
      GROUP BY installation_id ORDER BY min(id)`).all() as { installation_id: string, n: number }[]
    for (const r of rows) this.#waiting.set(r.installation_id, r.n)
  }

  #addWaiting (installationId: string, n: number): void {
    const left = (this.#waiting.get(installationId) ?? 0) + n
    if (left > 0) this.#waiting.set(installationId, left)
    else this.#waiting.delete(installationId)
  }

  /**
   * Commits `records` (JSON texts) of one installation durably, then enforces the byte cap.
   * Returns how many older records the cap dropped.
   */
  append (installationId: string, envelope: Envelope, records: readonly string[]): number {
    const key = envelopeKey(envelope)
    const now = this.#clock()
    const insert = this.#db.prepare('INSERT INTO records (installation_id, envelope, record, bytes, received_at) VALUES (?, ?, ?, ?, ?)')
    let added = 0
    return this.#atomically(() => {
      for (const r of records) {
        const bytes = Buffer.byteLength(r)
        insert.run(installationId, key, r, bytes, now)
        added += bytes
      }
      this.#bytes += added
      this.#records += records.length
      this.#addWaiting(installationId, records.length)
      return this.#enforceCap()
    })
  }

  /** Drops the oldest data until the outbox fits its cap: whole batches first, then loose records. */
  #enforceCap (): number {
    let dropped = 0
    while (this.#bytes > this.#maxBytes && this.#records > 0) {
      const oldest = this.#db.prepare('SELECT id, batch_id FROM records ORDER BY id LIMIT 1').get() as { id: number, batch_id: number | null }
      let removed: { n: number, b: number }
      if (oldest.batch_id !== null) {
        removed = this.#db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM records WHERE batch_id = ?').get(oldest.batch_id) as { n: number, b: number }
        const batch = this.#db.prepare('SELECT installation_id, state FROM batches WHERE id = ?').get(oldest.batch_id) as { installation_id: string, state: string } | undefined
        if (batch?.state === 'pending') this.#addWaiting(batch.installation_id, -removed.n)
        this.#db.prepare('DELETE FROM records WHERE batch_id = ?').run(oldest.batch_id)
        this.#db.prepare('DELETE FROM batches WHERE id = ?').run(oldest.batch_id)
      } else {
        // Loose records go a chunk at a time: up to the overshoot, at least one.
        const rows = this.#db.prepare('SELECT id, bytes FROM records WHERE batch_id IS NULL ORDER BY id LIMIT 256').all() as { id: number, bytes: number }[]
        let n = 0
        let b = 0
        for (const r of rows) {
          if (this.#bytes - b <= this.#maxBytes && n > 0) break
          n++
          b += r.bytes
        }
        const last = rows[n - 1] as { id: number }
        const per = this.#db.prepare('SELECT installation_id, count(*) AS n FROM records WHERE batch_id IS NULL AND id <= ? GROUP BY installation_id').all(last.id) as { installation_id: string, n: number }[]
        for (const p of per) this.#addWaiting(p.installation_id, -p.n)
        this.#db.prepare('DELETE FROM records WHERE batch_id IS NULL AND id <= ?').run(last.id)
        removed = { n, b }
      }
      this.#bytes -= removed.b
      this.#records -= removed.n
      dropped += removed.n
    }
    if (dropped > 0) this.#add('dropped', dropped)
    return dropped
  }

  #add (counter: string, n: number): void {
    this.#db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value').run(counter, n)
  }

  #counter (name: string): number {
    const row = this.#db.prepare('SELECT value FROM counters WHERE name = ?').get(name) as { value: number } | undefined
    return row?.value ?? 0
  }

  /** Installations with records waiting outside quarantine, the longest-known first. */
  installations (): string[] {
    return [...this.#waiting.keys()]
  }

  /** Records waiting outside quarantine, of one installation or of all. */
  waiting (installationId?: string): number {
    if (installationId !== undefined) return this.#waiting.get(installationId) ?? 0
    let n = 0
    for (const count of this.#waiting.values()) n += count
    return n
  }

  /**
   * The batch to send next for an installation: its oldest pending batch (after batch `after`,
   * which may be in flight), else a new one made of its oldest loose records that share an
   * envelope: at most `maxRecords`, and no more than `maxBytes` of records unless one record alone
   * is larger. Undefined when nothing waits.
   */
  nextBatch (installationId: string, maxRecords: number, after = 0, maxBytes = Infinity): Batch | undefined {
    return this.#db.transaction(() => this.#nextBatch(installationId, maxRecords, after, maxBytes))()
  }

  #nextBatch (installationId: string, maxRecords: number, after: number, maxBytes: number): Batch | undefined {
    const pending = this.#db.prepare("SELECT * FROM batches WHERE installation_id = ? AND state = 'pending' AND id > ? ORDER BY id LIMIT 1").get(installationId, after) as BatchRow | undefined
    if (pending !== undefined) return toBatch(pending)
    const first = this.#db.prepare('SELECT envelope FROM records WHERE installation_id = ? AND batch_id IS NULL ORDER BY id LIMIT 1').get(installationId) as { envelope: string } | undefined
    if (first === undefined) return undefined
    const candidates = this.#db.prepare('SELECT id, bytes FROM records WHERE installation_id = ? AND batch_id IS NULL AND envelope = ? ORDER BY id LIMIT ?')
      .all(installationId, first.envelope, maxRecords) as { id: number, bytes: number }[]
    let last = (candidates[0] as { id: number }).id
    let bytes = 0
    for (const c of candidates) {
      bytes += c.bytes
      if (bytes > maxBytes && c.id !== last) break
      last = c.id
    }
    const created = this.#db.prepare("INSERT INTO batches (installation_id, idempotency_key, envelope, state, created_at) VALUES (?, ?, ?, 'pending', ?) RETURNING *")
      .get(installationId, `hpa-${randomUUID()}`, first.envelope, this.#clock()) as BatchRow
    this.#db.prepare('UPDATE records SET batch_id = ? WHERE installation_id = ? AND batch_id IS NULL AND envelope = ? AND id <= ?')
      .run(created.id, installationId, first.envelope, last)
    return toBatch(created)
  }

  /** The records of a batch, in order (the same every time: retries send the same body). */
  batchRecords (batchId: number): OutboxRecord[] {
    return (this.#db.prepare('SELECT id, record FROM records WHERE batch_id = ? ORDER BY id').all(batchId) as { id: number, record: string }[])
      .map((r) => ({ id: r.id, json: r.record }))
  }

  /** A batch's records as one JSON text (`a,b,…`, in order, as received) and their number. */
  batchJson (batchId: number): { records: number, json: string } {
    const row = this.#db.prepare("SELECT count(*) AS n, coalesce(group_concat(record, ',' ORDER BY id), '') AS json FROM records WHERE batch_id = ?").get(batchId) as { n: number, json: string }
    return { records: row.n, json: row.json }
  }

  /**
   * The installation's next `count` batches after batch `after` (as `nextBatch`, in order),
   * created as needed in one transaction: one fsync for several batches, each durable with its
   * idempotency key before its first send.
   */
  nextBatches (installationId: string, maxRecords: number, after: number, count: number, maxBytes = Infinity): Batch[] {
    return this.#db.transaction(() => {
      const out: Batch[] = []
      for (let last = after; out.length < count;) {
        const b = this.#nextBatch(installationId, maxRecords, last, maxBytes)
        if (b === undefined) break
        out.push(b)
        last = b.id
      }
      return out
    })()
  }

  /**
   * The server acknowledged the batch: its records leave the outbox. Committed without an
   * fsync of its own (synchronous=NORMAL: safe from kill -9, which cannot lose what the WAL has
   * written; the next durable commit carries it to disk): should a power cut lose it, the batch
   * is sent again under its idempotency key and the server answers from its idempotency store.
   */
  acknowledge (batchId: number): number {
    this.#db.pragma('synchronous = NORMAL')
    try {
      return this.#atomically(() => this.#acknowledge(batchId))
    } finally {
      this.#db.pragma('synchronous = FULL')
    }
  }

  #acknowledge (batchId: number): number {
    const removed = this.#db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM records WHERE batch_id = ?').get(batchId) as { n: number, b: number }
    this.#db.prepare('DELETE FROM records WHERE batch_id = ?').run(batchId)
    const batch = this.#db.prepare('SELECT installation_id, state FROM batches WHERE id = ?').get(batchId) as { installation_id: string, state: string } | undefined
    this.#db.prepare('DELETE FROM batches WHERE id = ?').run(batchId)
    if (batch?.state === 'pending') this.#addWaiting(batch.installation_id, -removed.n)
    this.#bytes -= removed.b
    this.#records -= removed.n
    this.#add('uploaded', removed.n)
    return removed.n
  }

  /** A failed attempt that will be retried. */
  recordFailure (batchId: number, status: number | null, error: string): void {
    this.#db.prepare('UPDATE batches SET attempts = attempts + 1, last_status = ?, last_error = ? WHERE id = ?').run(status, error.slice(0, 500), batchId)
  }

  /** A permanent refusal (4xx other than 408/409/429): kept on disk, never sent again by itself. */
  quarantine (batchId: number, status: number | null, error: string): void {
    const res = this.#db.prepare("UPDATE batches SET state = 'quarantined', attempts = attempts + 1, last_status = ?, last_error = ? WHERE id = ? AND state = 'pending' RETURNING installation_id").get(status, error.slice(0, 500), batchId) as { installation_id: string } | undefined
    if (res !== undefined) {
      const n = (this.#db.prepare('SELECT count(*) AS n FROM records WHERE batch_id = ?').get(batchId) as { n: number }).n
      this.#addWaiting(res.installation_id, -n)
    }
  }

  /** Puts quarantined batches back in line (after the operator fixed the cause). */
  releaseQuarantine (): number {
    const released = this.#db.prepare("UPDATE batches SET state = 'pending', attempts = 0 WHERE state = 'quarantined'").run().changes
    this.#countWaiting()
    return released
  }

  quarantined (): Batch[] {
    return (this.#db.prepare("SELECT * FROM batches WHERE state = 'quarantined' ORDER BY id").all() as BatchRow[]).map(toBatch)
  }

  stats (): OutboxStats {
    const b = this.#db.prepare(`SELECT
      coalesce(sum(state = 'pending'), 0) AS pending,
      coalesce(sum(state = 'quarantined'), 0) AS quarantined
      FROM batches`).get() as { pending: number, quarantined: number }
    const q = this.#db.prepare("SELECT count(*) AS n FROM records WHERE batch_id IN (SELECT id FROM batches WHERE state = 'quarantined')").get() as { n: number }
    return {
      records: this.#records,
      bytes: this.#bytes,
      pendingBatches: b.pending,
      quarantinedBatches: b.quarantined,
      quarantinedRecords: q.n,
      dropped: this.#counter('dropped'),
      uploaded: this.#counter('uploaded'),
    }
  }

  close (): void {
    this.#db.close()
  }
}
