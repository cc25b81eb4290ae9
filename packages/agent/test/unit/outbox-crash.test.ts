import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Outbox } from '../../src/outbox/outbox.js'
import { tempDir } from './support/rig.js'

const WRITER = fileURLToPath(new URL('./support/outbox-writer.ts', import.meta.url))
const REPO = fileURLToPath(new URL('../../../../', import.meta.url))

interface Round {
  readonly first: number
  /** Seqs whose append returned (reported before the kill). */
  readonly appended: number[]
  /** Batches announced before acknowledging: id → key and seqs; `done` once acknowledge returned. */
  readonly batches: Map<number, { key: string, seqs: number[], done: boolean }>
}

/** Runs the writer until it has reported `minLines` lines, kills it with SIGKILL after a random pause. */
async function runAndKill (dir: string, installationId: string, first: number, pauseMs: number): Promise<Round> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, String(first), installationId], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  let stderr = ''
  const round: Round = { first, appended: [], batches: new Map() }
  const started = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8')
      resolve()
    })
  })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8') })
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
  await Promise.race([started, exited])
  if (child.exitCode !== null) throw new Error(`the writer exited early (${child.exitCode}): ${stderr}`)
  await new Promise((resolve) => setTimeout(resolve, pauseMs))
  child.kill('SIGKILL')
  expect(await exited).toBe('SIGKILL')

  // Only complete lines were reported; a line cut by the kill was not.
  const lines = text.split('\n').slice(0, -1)
  for (const line of lines) {
    const [kind, a, b, c] = line.split(' ')
    if (kind === 'A') for (let s = Number(a); s <= Number(b); s++) round.appended.push(s)
    else if (kind === 'B') round.batches.set(Number(a), { key: b as string, seqs: (c as string).split(',').map(Number), done: false })
    else if (kind === 'K') (round.batches.get(Number(a)) as { done: boolean }).done = true
    else throw new Error(`unexpected line from the writer: ${line}`)
  }
  return round
}

describe('outbox crash safety', () => {
  it('keeps every acknowledged append through repeated kill -9, batches all or nothing, and always opens', async () => {
    const dir = tempDir('heatpool-crash-')
    const id = randomUUID()
    const rounds: Round[] = []
    let first = 0
    for (let i = 0; i < 5; i++) {
      const round = await runAndKill(dir, id, first, 60 + Math.floor(Math.random() * 200))
      rounds.push(round)
      expect(round.appended.length, `round ${i} reported appends`).toBeGreaterThan(0)
      first = Math.max(...round.appended) + 10_000

      // Opens after every crash; an unfinished batch comes back with its key and records.
      const o = new Outbox({ dir, maxBytes: 1 << 30 })
      try {
        const open = [...round.batches].filter(([, b]) => !b.done)
        const pending = o.nextBatch(id, 30)
        for (const [batchId, b] of open) {
          const left = o.batchRecords(batchId).map((r) => (JSON.parse(r.json) as { seq: number }).seq)
          if (left.length > 0) {
            expect(pending?.id).toBe(batchId)
            expect(pending?.idempotencyKey).toBe(b.key)
            expect(left).toEqual(b.seqs)
          }
        }
      } finally {
        o.close()
      }
    }

    const o = new Outbox({ dir, maxBytes: 1 << 30 })
    const present: number[] = []
    try {
      for (let b = o.nextBatch(id, 500); b !== undefined; b = o.nextBatch(id, 500)) {
        present.push(...o.batchRecords(b.id).map((r) => (JSON.parse(r.json) as { seq: number }).seq))
        o.acknowledge(b.id)
      }
      expect(o.stats()).toMatchObject({ records: 0, bytes: 0 })
    } finally {
      o.close()
    }

    const presentSet = new Set(present)
    expect(presentSet.size, 'no record twice').toBe(present.length)
    const gone = new Set<number>()
    for (const r of rounds) {
      for (const b of r.batches.values()) {
        const there = b.seqs.filter((s) => presentSet.has(s))
        if (b.done) expect(there, 'an acknowledged batch is gone').toEqual([])
        else expect([0, b.seqs.length], 'a batch is acknowledged all or nothing').toContain(there.length)
        if (there.length === 0) for (const s of b.seqs) gone.add(s)
      }
    }
    const lost = rounds.flatMap((r) => r.appended).filter((s) => !gone.has(s) && !presentSet.has(s))
    expect(lost, 'acknowledged appends lost').toEqual([])
    // Nothing appears that was not appended: at most the append the kill interrupted. A round's
    // sequence numbers run from its `first` to the next round's (a busy round may pass 10,000).
    const end = (i: number) => rounds[i + 1]?.first ?? Infinity
    rounds.forEach((r, i) => {
      const last = Math.max(...r.appended)
      const strays = present.filter((s) => s >= r.first && s < end(i) && s > last)
      expect(strays.length).toBeLessThanOrEqual(40)
    })
    expect(present.every((s) => rounds.some((r, i) => s >= r.first && s < end(i)))).toBe(true)
  })
})
