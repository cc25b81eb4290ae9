// The end of every fault run: what the fleet produced and the agent acknowledged, against what
// the server holds — its relational store (installations, heat pumps, ledger; SQLite under
// DATA_DIR, read-only beside the running server) and its samples (VictoriaMetrics' raw export of
// the run's pool, or the embedded `samples` table).
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Chunk } from './fleet.js'

/** What the server holds for one installation. */
export interface Held {
  /** Distinct sample timestamps (seconds) over its heat pumps. */
  readonly timestamps: ReadonlySet<number>
  /** Stored values (one per metric and timestamp). */
  readonly cells: number
  /** Values at a timestamp their series already has (a retry stored twice). */
  readonly duplicateCells: number
  /** installations.samples_total */
  readonly samplesTotal: number
  /** Σ ledger_days.stored */
  readonly ledgerStored: number
}

export interface StoreLocation {
  readonly dataDir: string
  /** Samples in VictoriaMetrics: its URL and the run's VM_POOL. */
  readonly vm?: { readonly url: string, readonly pool: string }
}

function heldRelational (dataDir: string): Map<string, { samplesTotal: number, ledgerStored: number, heatPumps: Map<number, string> }> {
  const db = new Database(join(dataDir, 'heatpool.db'), { readonly: true, fileMustExist: true })
  try {
    const out = new Map<string, { samplesTotal: number, ledgerStored: number, heatPumps: Map<number, string> }>()
    for (const r of db.prepare('SELECT id, samples_total AS total FROM installations').all() as { id: string, total: number }[]) {
      out.set(r.id, { samplesTotal: Number(r.total), ledgerStored: 0, heatPumps: new Map() })
    }
    for (const r of db.prepare('SELECT installation_id AS id, SUM(stored) AS stored FROM ledger_days GROUP BY installation_id').all() as { id: string, stored: number }[]) {
      const i = out.get(r.id)
      if (i !== undefined) i.ledgerStored = Number(r.stored)
    }
    for (const r of db.prepare('SELECT id, installation_id AS inst FROM heat_pumps').all() as { id: number, inst: string }[]) {
      out.get(r.inst)?.heatPumps.set(Number(r.id), r.inst)
    }
    return out
  } finally {
    db.close()
  }
}

/** VictoriaMetrics' export of the run's pool: `raw` without query-time deduplication (reduce_mem_usage=1). */
async function exportPool (vm: { readonly url: string, readonly pool: string }, raw: boolean): Promise<{ metric: Record<string, string>, timestamps: number[] }[]> {
  const match = `{__name__=~"heatpool_.+",pool="${vm.pool}"}`
  const res = await fetch(`${vm.url}/api/v1/export?${raw ? 'reduce_mem_usage=1&' : ''}match[]=${encodeURIComponent(match)}`)
  if (!res.ok) throw new Error(`VictoriaMetrics export answered ${res.status}: ${await res.text()}`)
  return (await res.text()).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { metric: Record<string, string>, timestamps: number[] })
}

/**
 * Per heat pump: every (metric, timestamp ms) value the sample store holds as any query reads it
 * (VictoriaMetrics with its `-dedup.minScrapeInterval=1ms`), and how many raw points beyond
 * those VictoriaMetrics keeps until a background merge drops them (re-sent writes).
 */
async function heldSamples (loc: StoreLocation): Promise<{ byHeatPump: Map<number, { metric: string, ts: number }[]>, rawResent: number }> {
  const out = new Map<number, { metric: string, ts: number }[]>()
  const add = (hp: number, metric: string, ts: number) => {
    let list = out.get(hp)
    if (list === undefined) out.set(hp, list = [])
    list.push({ metric, ts })
  }
  if (loc.vm !== undefined) {
    let points = 0
    for (const s of await exportPool(loc.vm, false)) {
      for (const ts of s.timestamps) add(Number(s.metric.heat_pump_id), s.metric.__name__ as string, ts)
      points += s.timestamps.length
    }
    let raw = 0
    for (const s of await exportPool(loc.vm, true)) raw += s.timestamps.length
    return { byHeatPump: out, rawResent: raw - points }
  }
  const db = new Database(join(loc.dataDir, 'heatpool.db'), { readonly: true, fileMustExist: true })
  try {
    const cols = db.prepare("SELECT name FROM pragma_table_info('samples') WHERE name NOT IN ('heat_pump_id', 'ts')").pluck().all() as string[]
    for (const r of db.prepare('SELECT * FROM samples').all() as Record<string, number | null>[]) {
      for (const c of cols) if (r[c] !== null) add(Number(r.heat_pump_id), c, Number(r.ts))
    }
    return { byHeatPump: out, rawResent: 0 }
  } finally {
    db.close()
  }
}

export interface Holdings {
  readonly installations: Map<string, Held>
  /** Raw VictoriaMetrics points written more than once, not yet merged away (no query sees them). */
  readonly rawResent: number
}

export async function held (loc: StoreLocation): Promise<Holdings> {
  const relational = heldRelational(loc.dataDir)
  const { byHeatPump: samples, rawResent } = await heldSamples(loc)
  const out = new Map<string, Held>()
  for (const [id, r] of relational) {
    const timestamps = new Set<number>()
    const seen = new Set<string>()
    let cells = 0
    let duplicateCells = 0
    for (const hp of r.heatPumps.keys()) {
      for (const s of samples.get(hp) ?? []) {
        const key = `${hp} ${s.metric} ${s.ts}`
        if (seen.has(key)) duplicateCells++
        else {
          seen.add(key)
          cells++
        }
        timestamps.add(s.ts / 1000)
      }
    }
    out.set(id, { timestamps, cells, duplicateCells, samplesTotal: r.samplesTotal, ledgerStored: r.ledgerStored })
  }
  return { installations: out, rawResent }
}

export interface Reconciliation {
  readonly produced: number
  readonly acknowledged: number
  readonly refused: number
  readonly inDoubt: number
  /** Records stored (distinct installation and timestamp). */
  readonly stored: number
  /** Acknowledged records the server does not hold. Must be 0. */
  readonly lost: number
  /** Refused records the server holds anyway, and in-doubt chunks stored only in part. Must be 0. */
  readonly phantom: number
  readonly partialInDoubt: number
  /** Values stored more than once, as queries read them. Must be 0. */
  readonly duplicates: number
  /** Raw VictoriaMetrics points re-sent (replays after its restarts), merged away by its deduplication: information, not a fault. */
  readonly rawResent: number
  /** Installations whose samples_total or ledger differs from the values stored. Must be empty. */
  readonly ledgerMismatches: readonly string[]
}

/** Judges the store by the chunks' outcomes (pure, given what is held). */
export function reconcile (chunks: readonly Chunk[], holdings: Holdings): Reconciliation {
  const store = holdings.installations
  let produced = 0
  let acknowledged = 0
  let refused = 0
  let inDoubt = 0
  let lost = 0
  let phantom = 0
  let partialInDoubt = 0
  for (const c of chunks) {
    produced += c.timestamps.length
    const ts = store.get(c.installationId)?.timestamps ?? new Set<number>()
    const present = c.timestamps.filter((t) => ts.has(t)).length
    if (c.outcome === 'acknowledged') {
      acknowledged += c.timestamps.length
      lost += c.timestamps.length - present
    } else if (c.outcome === 'refused') {
      refused += c.timestamps.length
      phantom += present
    } else if (c.outcome === 'in_doubt') {
      inDoubt += c.timestamps.length
      if (present !== 0 && present !== c.timestamps.length) partialInDoubt++
    } else {
      phantom += present // never sent
    }
  }
  let stored = 0
  let duplicates = 0
  const ledgerMismatches: string[] = []
  for (const [id, h] of store) {
    stored += h.timestamps.size
    duplicates += h.duplicateCells
    if (h.samplesTotal !== h.cells || h.ledgerStored !== h.cells) ledgerMismatches.push(`${id}: ${h.cells} values stored, samples_total ${h.samplesTotal}, ledger ${h.ledgerStored}`)
  }
  return { produced, acknowledged, refused, inDoubt, stored, lost, phantom, partialInDoubt, duplicates, rawResent: holdings.rawResent, ledgerMismatches }
}
