import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { Outbox, envelopeKey, type Batch, type Envelope } from './outbox.js'

const A = '0b6a9f7e-3c1d-4e2f-8a9b-1c2d3e4f5a6b'
const B = '5e4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d1c'
const V1: Envelope = { heatpump_model: 'AERO SLM', version: '1.0.2' }
const V2: Envelope = { heatpump_model: 'AERO SLM', version: 'v1.0.2-31-gc1a7aca', data_version: '2.0' }
const OTHER_MODEL: Envelope = { heatpump_model: 'TERRA SW', version: '1.0.2' }

const open: Outbox[] = []
const dirs: string[] = []
afterEach(() => {
  for (const o of open.splice(0)) o.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'heatpool-outbox-'))
  dirs.push(dir)
  return dir
}

function outbox (dir: string, maxBytes = 1 << 30): Outbox {
  const o = new Outbox({ dir, maxBytes })
  open.push(o)
  return o
}

/** Closes an outbox and opens a new one on the same directory (a restart). */
function reopen (o: Outbox, dir: string, maxBytes = 1 << 30): Outbox {
  o.close()
  open.splice(open.indexOf(o), 1)
  return outbox(dir, maxBytes)
}

/** A record's JSON text carrying its sequence number, padded to exactly `bytes` bytes (UTF-8). */
function rec (seq: number, bytes = 100, tag = ''): string {
  const head = `{"seq":${seq},"tag":"${tag}","pad":"`
  const text = `${head}${'x'.repeat(Math.max(0, bytes - head.length - 2))}"}`
  expect(Buffer.byteLength(text)).toBe(Math.max(bytes, head.length + 2))
  return text
}

const seqOf = (json: string): number => (JSON.parse(json) as { seq: number }).seq
const seqs = (o: Outbox, b: Batch): number[] => o.batchRecords(b.id).map((r) => seqOf(r.json))

/** Takes every batch out of the outbox (acknowledging each) and returns them with their records. */
function drain (o: Outbox, installationId: string, maxRecords = 1000): { batch: Batch, records: string[] }[] {
  const out: { batch: Batch, records: string[] }[] = []
  for (let b = o.nextBatch(installationId, maxRecords); b !== undefined; b = o.nextBatch(installationId, maxRecords)) {
    out.push({ batch: b, records: o.batchRecords(b.id).map((r) => r.json) })
    o.acknowledge(b.id)
  }
  return out
}

describe('Outbox: append, batch, acknowledge', () => {
  it('hands out the oldest records in batches and forgets them only when acknowledged', () => {
    const o = outbox(tempDir())
    expect(o.append(A, V1, [rec(0), rec(1), rec(2), rec(3), rec(4)])).toBe(0)
    expect(o.installations()).toEqual([A])
    expect(o.waiting(A)).toBe(5)

    const first = o.nextBatch(A, 3) as Batch
    expect(first).toMatchObject({ installationId: A, state: 'pending', attempts: 0, envelope: { heatpump_model: 'AERO SLM', version: '1.0.2' } })
    expect(first.idempotencyKey).toMatch(/^hpa-[0-9a-f-]{36}$/)
    expect(seqs(o, first)).toEqual([0, 1, 2])
    // Asked again before the answer: the same batch, the same key, the same records.
    const again = o.nextBatch(A, 3) as Batch
    expect(again.id).toBe(first.id)
    expect(again.idempotencyKey).toBe(first.idempotencyKey)
    expect(o.batchRecords(again.id)).toEqual(o.batchRecords(first.id))
    expect(o.waiting(A)).toBe(5)

    expect(o.acknowledge(first.id)).toBe(3)
    expect(o.stats()).toMatchObject({ records: 2, bytes: 200, uploaded: 3, pendingBatches: 0 })
    const second = o.nextBatch(A, 3) as Batch
    expect(second.id).not.toBe(first.id)
    expect(second.idempotencyKey).not.toBe(first.idempotencyKey)
    expect(seqs(o, second)).toEqual([3, 4])
    expect(o.acknowledge(second.id)).toBe(2)
    expect(o.nextBatch(A, 3)).toBeUndefined()
    expect(o.installations()).toEqual([])
    expect(o.stats()).toMatchObject({ records: 0, bytes: 0, uploaded: 5 })
  })

  it('keeps each installation\'s records apart, oldest installation first', () => {
    const o = outbox(tempDir())
    o.append(B, V1, [rec(0)])
    o.append(A, V1, [rec(1), rec(2)])
    o.append(B, V1, [rec(3)])
    expect(o.installations()).toEqual([B, A])
    expect(o.waiting(A)).toBe(2)
    expect(o.waiting(B)).toBe(2)
    expect(o.waiting()).toBe(4)
    expect(drain(o, A).map((d) => d.records.map(seqOf))).toEqual([[1, 2]])
    expect(drain(o, B).map((d) => d.records.map(seqOf))).toEqual([[0, 3]])
  })

  it('a batch keeps its records and idempotency key across a restart, whatever arrives later', () => {
    const dir = tempDir()
    let o = outbox(dir)
    o.append(A, V1, [rec(0), rec(1), rec(2)])
    const before = o.nextBatch(A, 2) as Batch
    o.recordFailure(before.id, 503, 'HP_ERR_STORE_UNAVAILABLE: try later')
    const records = o.batchRecords(before.id)

    o = reopen(o, dir)
    o.append(A, V1, [rec(3), rec(4)])
    const after = o.nextBatch(A, 10) as Batch
    expect(after.id).toBe(before.id)
    expect(after.idempotencyKey).toBe(before.idempotencyKey)
    expect(after).toMatchObject({ attempts: 1, lastStatus: 503, lastError: 'HP_ERR_STORE_UNAVAILABLE: try later' })
    expect(o.batchRecords(after.id)).toEqual(records)
    o.acknowledge(after.id)
    expect(seqs(o, o.nextBatch(A, 10) as Batch)).toEqual([2, 3, 4])
  })

  it('never puts records of different envelopes in one batch', () => {
    const o = outbox(tempDir())
    o.append(A, V1, [rec(0, 100, 'v1'), rec(1, 100, 'v1')])
    o.append(A, V2, [rec(2, 100, 'v2')])
    o.append(A, OTHER_MODEL, [rec(3, 100, 'other')])
    o.append(A, V1, [rec(4, 100, 'v1')])
    const batches = drain(o, A)
    expect(batches.map((b) => b.records.map(seqOf))).toEqual([[0, 1, 4], [2], [3]])
    const tagOf: Record<string, string> = { [envelopeKey(V1)]: 'v1', [envelopeKey(V2)]: 'v2', [envelopeKey(OTHER_MODEL)]: 'other' }
    for (const { batch, records } of batches) {
      const tags = new Set(records.map((r) => (JSON.parse(r) as { tag: string }).tag))
      expect([...tags]).toEqual([tagOf[envelopeKey(batch.envelope)]])
    }
  })

  it('over any sequence of appends: batches of at most maxRecords, one installation and one envelope each, every record once, in order', () => {
    const envelopes = [V1, V2, OTHER_MODEL]
    const ids = [A, B]
    fc.assert(fc.property(
      fc.array(fc.record({ inst: fc.integer({ min: 0, max: 1 }), env: fc.integer({ min: 0, max: 2 }), n: fc.integer({ min: 0, max: 7 }) }), { maxLength: 15 }),
      fc.integer({ min: 1, max: 6 }),
      (appends, maxRecords) => {
        const o = new Outbox({ dir: ':memory:', maxBytes: 1 << 30 })
        try {
          let seq = 0
          const sent = new Map<string, number[]>()
          for (const a of appends) {
            const list = Array.from({ length: a.n }, () => rec(seq++, 40, `${a.inst}/${a.env}`))
            o.append(ids[a.inst] as string, envelopes[a.env] as Envelope, list)
            const key = `${a.inst}/${a.env}`
            sent.set(key, [...sent.get(key) ?? [], ...list.map(seqOf)])
          }
          const received = new Map<string, number[]>()
          for (const [i, id] of ids.entries()) {
            for (const { batch, records } of drain(o, id, maxRecords)) {
              expect(records.length).toBeGreaterThan(0)
              expect(records.length).toBeLessThanOrEqual(maxRecords)
              const tags = new Set(records.map((r) => (JSON.parse(r) as { tag: string }).tag))
              expect(tags.size).toBe(1)
              const tag = [...tags][0] as string
              expect(tag.startsWith(`${i}/`)).toBe(true)
              expect(envelopeKey(batch.envelope)).toBe(envelopeKey(envelopes[Number(tag.split('/')[1])] as Envelope))
              received.set(tag, [...received.get(tag) ?? [], ...records.map(seqOf)])
            }
          }
          expect(received).toEqual(new Map([...sent].filter(([, v]) => v.length > 0)))
          expect(o.stats()).toMatchObject({ records: 0, bytes: 0, uploaded: seq })
        } finally {
          o.close()
        }
      },
    ), { numRuns: 60 })
  })

  it('counts bytes as UTF-8 and keeps bytes and records across a restart', () => {
    const dir = tempDir()
    let o = outbox(dir)
    const texts = ['{"timestamp":1,"status_str":"Wärmepumpe läuft"}', '{"timestamp":2,"v":"€"}', rec(7, 333)]
    o.append(A, V1, texts)
    o.append(B, V2, [rec(8, 50)])
    const bytes = texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0) + 50
    expect(bytes).toBeGreaterThan(texts.reduce((sum, t) => sum + t.length, 0) + 50)
    expect(o.stats()).toMatchObject({ records: 4, bytes })
    const b = o.nextBatch(A, 2) as Batch
    o = reopen(o, dir)
    expect(o.stats()).toMatchObject({ records: 4, bytes, pendingBatches: 1 })
    o.acknowledge(b.id)
    expect(o.stats()).toMatchObject({ records: 2, bytes: bytes - Buffer.byteLength(texts[0] as string) - Buffer.byteLength(texts[1] as string), uploaded: 2 })
    o = reopen(o, dir)
    expect(o.stats()).toMatchObject({ records: 2, uploaded: 2 })
  })
})

describe('Outbox quarantine', () => {
  it('keeps a refused batch on disk, out of line, visible, until released', () => {
    const dir = tempDir()
    let o = outbox(dir)
    o.append(A, V1, [rec(0), rec(1)])
    o.append(B, V1, [rec(2)])
    const bad = o.nextBatch(A, 10) as Batch
    o.quarantine(bad.id, 422, 'HP_ERR_IDEMPOTENCY_KEY_REUSED: cannot accept')

    expect(o.installations()).toEqual([B])
    expect(o.waiting(A)).toBe(0)
    expect(o.waiting()).toBe(1)
    expect(o.nextBatch(A, 10)).toBeUndefined()
    expect(o.quarantined()).toEqual([expect.objectContaining({
      id: bad.id,
      installationId: A,
      idempotencyKey: bad.idempotencyKey,
      state: 'quarantined',
      attempts: 1,
      lastStatus: 422,
      lastError: 'HP_ERR_IDEMPOTENCY_KEY_REUSED: cannot accept',
    })])
    expect(o.stats()).toMatchObject({ records: 3, bytes: 300, pendingBatches: 0, quarantinedBatches: 1, quarantinedRecords: 2 })

    // New records of the same installation go out in a new batch past the quarantined one.
    o.append(A, V1, [rec(3)])
    expect(o.installations()).toEqual([B, A])
    const next = o.nextBatch(A, 10) as Batch
    expect(next.id).not.toBe(bad.id)
    expect(seqs(o, next)).toEqual([3])
    o.acknowledge(next.id)

    o = reopen(o, dir)
    expect(o.quarantined().map((q) => q.id)).toEqual([bad.id])
    expect(o.batchRecords(bad.id).map((r) => seqOf(r.json))).toEqual([0, 1])
    expect(o.stats()).toMatchObject({ quarantinedBatches: 1, quarantinedRecords: 2 })

    expect(o.releaseQuarantine()).toBe(1)
    expect(o.quarantined()).toEqual([])
    // Back in line at its old place: its records are the oldest waiting.
    expect(o.installations()).toEqual([A, B])
    const released = o.nextBatch(A, 10) as Batch
    expect(released).toMatchObject({ id: bad.id, idempotencyKey: bad.idempotencyKey, state: 'pending', attempts: 0 })
    expect(seqs(o, released)).toEqual([0, 1])
  })

  it('truncates a long error text', () => {
    const o = outbox(tempDir())
    o.append(A, V1, [rec(0)])
    const b = o.nextBatch(A, 1) as Batch
    o.quarantine(b.id, 400, 'x'.repeat(5000))
    expect(o.quarantined()[0]?.lastError?.length).toBe(500)
  })
})

describe('Outbox byte cap', () => {
  it('drops the oldest loose records past the cap and counts them, keeping what was just appended', () => {
    const dir = tempDir()
    let o = outbox(dir, 1000)
    expect(o.append(A, V1, Array.from({ length: 10 }, (_, i) => rec(i)))).toBe(0)
    expect(o.stats()).toMatchObject({ records: 10, bytes: 1000, dropped: 0 })
    expect(o.append(A, V1, [rec(10), rec(11), rec(12)])).toBe(3)
    expect(o.stats()).toMatchObject({ records: 10, bytes: 1000, dropped: 3 })

    o = reopen(o, dir, 1000)
    expect(o.stats()).toMatchObject({ records: 10, bytes: 1000, dropped: 3 })
    expect(o.append(A, V1, [rec(13, 250)])).toBe(3)
    expect(o.stats()).toMatchObject({ records: 8, bytes: 950, dropped: 6 })
    expect(drain(o, A).flatMap((d) => d.records.map(seqOf))).toEqual([6, 7, 8, 9, 10, 11, 12, 13])
  })

  it('drops a whole batch, never part of one, so a key never changes its body', () => {
    const o = outbox(tempDir(), 1000)
    o.append(A, V1, Array.from({ length: 10 }, (_, i) => rec(i)))
    const batch = o.nextBatch(A, 4) as Batch
    // 100 bytes over: one record would do, but the oldest is in a batch, so the batch goes.
    expect(o.append(A, V1, [rec(10)])).toBe(4)
    expect(o.stats()).toMatchObject({ records: 7, bytes: 700, dropped: 4, pendingBatches: 0 })
    expect(o.batchRecords(batch.id)).toEqual([])
    const next = o.nextBatch(A, 4) as Batch
    expect(next.idempotencyKey).not.toBe(batch.idempotencyKey)
    expect(seqs(o, next)).toEqual([4, 5, 6, 7])
    // The uploader's late answer for the dropped batch changes nothing.
    expect(o.acknowledge(batch.id)).toBe(0)
    expect(o.stats()).toMatchObject({ records: 7, bytes: 700 })
  })

  it('drops quarantined batches too when they are the oldest data', () => {
    const o = outbox(tempDir(), 500)
    o.append(A, V1, [rec(0), rec(1)])
    const bad = o.nextBatch(A, 2) as Batch
    o.quarantine(bad.id, 422, 'refused')
    o.append(A, V1, [rec(2), rec(3), rec(4), rec(5)])
    expect(o.stats()).toMatchObject({ records: 4, quarantinedBatches: 0, dropped: 2 })
    expect(o.quarantined()).toEqual([])
  })

  it('drops even the newest records when one append alone exceeds the cap, keeping the newest that fit', () => {
    const o = outbox(tempDir(), 1000)
    o.append(A, V1, [rec(0), rec(1)])
    expect(o.append(A, V1, Array.from({ length: 15 }, (_, i) => rec(100 + i)))).toBe(7)
    expect(o.stats()).toMatchObject({ records: 10, bytes: 1000, dropped: 7 })
    expect(drain(o, A).flatMap((d) => d.records.map(seqOf))).toEqual(Array.from({ length: 10 }, (_, i) => 105 + i))
  })

  it('over any sequence of appends: never above the cap, oldest first, the last append kept when it fits, drops counted', () => {
    fc.assert(fc.property(
      fc.integer({ min: 200, max: 3000 }),
      fc.array(fc.array(fc.integer({ min: 20, max: 400 }), { maxLength: 12 }), { minLength: 1, maxLength: 20 }),
      (cap, appends) => {
        const o = new Outbox({ dir: ':memory:', maxBytes: cap })
        try {
          let seq = 0
          let droppedTotal = 0
          for (const sizes of appends) {
            const before = o.stats()
            const list = sizes.map((size) => rec(seq++, size))
            const size = list.reduce((s, t) => s + Buffer.byteLength(t), 0)
            const dropped = o.append(A, V1, list)
            droppedTotal += dropped
            const after = o.stats()
            expect(after.bytes).toBeLessThanOrEqual(cap)
            expect(after.records).toBe(before.records + list.length - dropped)
            expect(after.dropped).toBe(droppedTotal)
            if (size <= cap) expect(after.records).toBeGreaterThanOrEqual(list.length)
            if (before.bytes + size <= cap) expect(dropped).toBe(0)
          }
          const left = drain(o, A).flatMap((d) => d.records.map(seqOf))
          // What is left is the newest records, in order: a suffix of everything appended.
          expect(left).toEqual(Array.from({ length: left.length }, (_, i) => seq - left.length + i))
          expect(droppedTotal).toBe(seq - left.length)
        } finally {
          o.close()
        }
      },
    ), { numRuns: 80 })
  })
})

describe('waiting counts kept in memory', () => {
  it('agree with a fresh count from disk after any mix of appends, batches, acks, quarantines and cap drops', () => {
    fc.assert(fc.property(fc.array(fc.record({
      op: fc.constantFrom('append', 'batch', 'ack', 'quarantine', 'release'),
      inst: fc.constantFrom('00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'),
      n: fc.integer({ min: 1, max: 30 }),
    }), { maxLength: 40 }), (ops) => {
      const box = new Outbox({ dir: ':memory:', maxBytes: 4000 })
      try {
        const batches: number[] = []
        for (const { op, inst, n } of ops) {
          if (op === 'append') box.append(inst, { heatpump_model: 'X', version: '1' }, Array.from({ length: n }, (_, i) => JSON.stringify({ timestamp: i, v: 'x'.repeat(20) })))
          if (op === 'batch') { const b = box.nextBatch(inst, n); if (b) batches.push(b.id) }
          if (op === 'ack' && batches.length > 0) box.acknowledge(batches.shift() as number)
          if (op === 'quarantine' && batches.length > 0) box.quarantine(batches.shift() as number, 422, 'no')
          if (op === 'release') box.releaseQuarantine()
        }
        const inMemory = Object.fromEntries(box.installations().map((id) => [id, box.waiting(id)]))
        // Recount through the batches the outbox hands out: every waiting record is in one of them.
        const recount: Record<string, number> = {}
        for (const id of Object.keys(inMemory)) {
          let total = 0
          const seen = new Set<number>()
          for (let b = box.nextBatch(id, 10_000); b !== undefined && !seen.has(b.id); b = box.nextBatch(id, 10_000)) {
            seen.add(b.id)
            total += box.batchRecords(b.id).length
            box.acknowledge(b.id)
          }
          recount[id] = total
        }
        expect(inMemory).toEqual(recount)
        expect(box.waiting()).toBe(0)
      } finally {
        box.close()
      }
    }), { numRuns: 150 })
  })
})

describe('Outbox batches for the uploader', () => {
  const id = '00000000-0000-4000-8000-000000000001'
  const env: Envelope = { heatpump_model: 'AERO SLM', version: '1.0.2' }

  it('bounds a new batch by bytes as well as by records, one record at least', () => {
    const o = outbox(':memory:')
    o.append(id, env, [rec(1, 400), rec(2, 400), rec(3, 400), rec(4, 2000), rec(5, 100)])
    const sizes: number[][] = []
    for (let b = o.nextBatch(id, 500, 0, 1000); b !== undefined; b = o.nextBatch(id, 500, 0, 1000)) {
      sizes.push(seqs(o, b))
      o.acknowledge(b.id)
    }
    expect(sizes).toEqual([[1, 2], [3], [4], [5]])
  })

  it('creates the next batches in one go, keeps them (and their keys) across a restart, and joins their records in order', () => {
    const dir = tempDir()
    let o = outbox(dir)
    o.append(id, env, Array.from({ length: 10 }, (_, i) => rec(i + 1)))
    const first = o.nextBatch(id, 3) as Batch
    const ahead = o.nextBatches(id, 3, first.id, 8)
    expect(ahead.map((b) => seqs(o, b))).toEqual([[4, 5, 6], [7, 8, 9], [10]])
    o = reopen(o, dir)
    expect(o.nextBatches(id, 3, first.id, 2).map((b) => b.idempotencyKey)).toEqual(ahead.slice(0, 2).map((b) => b.idempotencyKey))
    const joined = o.batchJson(first.id)
    expect(joined.records).toBe(3)
    expect((JSON.parse(`[${joined.json}]`) as { seq: number }[]).map((r) => r.seq)).toEqual([1, 2, 3])
    expect(o.acknowledge(first.id)).toBe(3)
    expect(o.waiting(id)).toBe(7)
  })
})
