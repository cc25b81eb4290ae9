import type { Kysely } from 'kysely'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { recordSubmission } from '../../src/store/installations.js'
import { addContributions } from '../../src/store/ledger.js'
import { addPoolSamples } from '../../src/store/pool.js'
import { openPostgresStore } from '../../src/store/postgres/open.js'
import type { Database } from '../../src/store/schema.js'
import type { RelationalStore } from '../../src/store/types.js'
import { freshPostgresUrl } from '../engines/postgres.js'
import { openSqliteRelational } from './sqlite-relational.js'

const available = (await freshPostgresUrl()) !== undefined

/** Two stores on one database, each with its own pool: two server replicas. */
async function twoReplicas (poolSize = 3): Promise<{ url: string, a: RelationalStore, b: RelationalStore, close (): Promise<void> }> {
  const url = await freshPostgresUrl() as string
  const a = await openPostgresStore({ url, poolSize })
  const b = await openPostgresStore({ url, poolSize })
  return { url, a, b, close: async () => { await Promise.all([a.close(), b.close()]) } }
}

/** Resolves once `n` sessions of the database wait for a lock (of `kind`: 'advisory', 'tuple', 'transactionid', … or any). */
async function lockWaiters (url: string, n: number, kind?: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const deadline = Date.now() + 10_000
    for (;;) {
      const { rows } = await client.query<{ n: string }>(
        "select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and ($1::text is null or wait_event = $1)", [kind ?? null])
      if (Number(rows[0]?.n) >= n) return
      if (Date.now() > deadline) throw new Error(`no ${n} session(s) waiting for a ${kind ?? ''} lock within 10 s`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  } finally {
    await client.end()
  }
}

function deferred (): { promise: Promise<void>, resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => { resolve = r })
  return { promise, resolve }
}

interface Batch {
  readonly installationId: string
  /** [day, on-time samples, all samples] */
  readonly days: readonly (readonly [number, number, number])[]
}

/** What ingest does with a batch in the relational store (submit-service.ts), without the lock. */
async function applyBatch (trx: Kysely<Database>, batch: Batch, receivedAt: number): Promise<number[]> {
  const onTime = new Map(batch.days.filter((d) => d[1] > 0).map((d) => [d[0], d[1]]))
  const all = new Map(batch.days.map((d) => [d[0], d[2]]))
  const crossed = await addContributions(trx, batch.installationId, onTime, all, 100)
  await addPoolSamples(trx, all)
  await recordSubmission(trx, batch.installationId, { receivedAt, stored: [...all.values()].reduce((x, y) => x + y, 0), lastSampleTs: receivedAt - 1000, modelName: null, modelKey: null })
  return crossed
}

async function ledgerState (db: Kysely<Database>) {
  return {
    installations: await db.selectFrom('installations').select(['id', 'samples_total', 'contribution_days', 'last_contribution_day']).orderBy('id').execute(),
    ledger: await db.selectFrom('ledger_days').selectAll().orderBy('installation_id').orderBy('day').execute(),
    pool: await db.selectFrom('pool_days').selectAll().orderBy('day').execute(),
  }
}

/** A pseudo-random but fixed sequence (mulberry32). */
function random (seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe.skipIf(!available)('two replicas on one PostgreSQL database', () => {
  it('count a day once when a batch of the same installation commits while another is writing the same day', async () => {
    const { url, a, b, close } = await twoReplicas()
    try {
      await a.db.insertInto('installations').values({ id: 'i', created_at: 0 }).execute()
      const day = 20_000
      const firstWrote = deferred()
      const commitFirst = deferred()
      // Replica a adds 60 of 100 and keeps its transaction open …
      const first = a.transaction(async (trx) => {
        const crossed = await addContributions(trx, 'i', new Map([[day, 60]]), new Map([[day, 60]]), 100)
        firstWrote.resolve()
        await commitFirst.promise
        return crossed
      })
      await firstWrote.promise
      // … while replica b adds 60 more: its increment waits for a's row, then sees 60 + 60.
      const second = b.transaction((trx) => addContributions(trx, 'i', new Map([[day, 60]]), new Map([[day, 60]]), 100))
      await lockWaiters(url, 1)
      commitFirst.resolve()
      expect(await first).toEqual([])
      expect(await second).toEqual([day])
      expect(await ledgerState(a.db)).toMatchObject({
        installations: [{ id: 'i', contribution_days: 1, last_contribution_day: day }],
        ledger: [{ installation_id: 'i', day, samples: 120, stored: 120 }],
      })
    } finally {
      await close()
    }
  })

  it('end with the same ledger, pool counts and contribution days as one replica applying the batches in order', async () => {
    const next = random(5)
    const days = [20_000, 20_001, 20_002, 20_003]
    const batches: Batch[] = Array.from({ length: 60 }, (_, i) => ({
      // Mostly one installation, sometimes another one on the same days (shared pool_days rows).
      installationId: i % 5 === 4 ? 'other' : 'same',
      days: days.filter(() => next() < 0.6).map((d) => {
        const n = 1 + Math.floor(next() * 40)
        return [d, next() < 0.8 ? n : 0, n] as const
      }),
    })).filter((b) => b.days.length > 0)

    // In order, on SQLite and on one PostgreSQL store.
    const sqlite = await openSqliteRelational()
    const single = await openPostgresStore({ url: await freshPostgresUrl() as string, poolSize: 1 })
    const { a, b, close } = await twoReplicas(4)
    try {
      for (const db of [sqlite, single.db, a.db]) {
        await db.insertInto('installations').values([{ id: 'same', created_at: 0 }, { id: 'other', created_at: 0 }]).execute()
      }
      const crossedInOrder: number[][] = []
      for (const [i, batch] of batches.entries()) {
        crossedInOrder.push(await sqlite.transaction().execute((trx) => applyBatch(trx, batch, 1000 + i)))
        await single.transaction((trx) => applyBatch(trx, batch, 1000 + i))
      }
      const expected = await ledgerState(sqlite)
      expect(await ledgerState(single.db)).toEqual(expected)
      expect(expected.installations.find((r) => r.id === 'same')?.contribution_days).toBeGreaterThan(0)

      // Interleaved: both replicas at once, each several batches in flight, no installation lock.
      const crossed = await Promise.all(batches.map((batch, i) => (i % 2 === 0 ? a : b).transaction((trx) => applyBatch(trx, batch, 1000 + i))))
      expect(await ledgerState(a.db)).toEqual(expected)
      // Each day crossed exactly once, by whichever batch took it over the threshold.
      const days = (list: number[][], id: string) => list.flatMap((c, i) => (batches[i]?.installationId === id ? c : [])).sort()
      for (const id of ['same', 'other']) expect(days(crossed, id)).toEqual(days(crossedInOrder, id))
    } finally {
      await sqlite.destroy()
      await single.close()
      await close()
    }
  })

  it('serialise the transactions of one installation with lockInstallation, and only those', async () => {
    const { url, a, b, close } = await twoReplicas()
    try {
      const events: string[] = []
      const locked = deferred()
      const release = deferred()
      const first = a.transaction(async (trx) => {
        await a.lockInstallation(trx, 'inst-1')
        events.push('a locked inst-1')
        locked.resolve()
        await release.promise
        events.push('a commits')
      })
      await locked.promise
      const second = b.transaction(async (trx) => {
        await b.lockInstallation(trx, 'inst-1')
        events.push('b locked inst-1')
      })
      await lockWaiters(url, 1, 'advisory')
      // Another installation is not held up by inst-1.
      await b.transaction((trx) => b.lockInstallation(trx, 'inst-2'))
      events.push('b locked inst-2')
      expect(events).toEqual(['a locked inst-1', 'b locked inst-2'])
      release.resolve()
      await Promise.all([first, second])
      expect(events).toEqual(['a locked inst-1', 'b locked inst-2', 'a commits', 'b locked inst-1'])
      // The lock ends with the transaction: locking again right away does not wait.
      await a.transaction((trx) => a.lockInstallation(trx, 'inst-1'))
    } finally {
      await close()
    }
  })

  it('refuse lockInstallation outside a transaction, where it would hold nothing', async () => {
    const { a, close } = await twoReplicas(1)
    try {
      await expect(a.lockInstallation(a.db, 'inst-1')).rejects.toThrow(/outside a transaction/)
    } finally {
      await close()
    }
  })
})
