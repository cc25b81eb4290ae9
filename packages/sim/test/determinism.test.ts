import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseFaultSpec } from '../src/faults.js'
import type { PayloadFormat } from '../src/records.js'
import { runSimulation } from '../src/run.js'
import { WINTER } from './fixtures.js'

const dir = mkdtempSync(join(tmpdir(), 'heatpool-sim-determinism-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

let runs = 0
async function payloadBytes (seed: number, format: PayloadFormat = 'v2'): Promise<Buffer> {
  const outPath = join(dir, `run-${runs++}.jsonl`)
  await runSimulation({
    targetKind: 'auto', installations: 5, days: 2, seed, format, climate: 'mixed',
    faults: parseFaultSpec('stuck_sensor:1@day1,short_cycling:1'), intervalS: 60,
    startMs: WINTER, speed: 'max', outPath, concurrency: 3, batchSize: 500, consentVersion: '1',
  })
  return readFileSync(outPath)
}

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex')

describe('determinism by seed', () => {
  it('the same seed gives identical payload bytes', async () => {
    const a = await payloadBytes(42)
    const b = await payloadBytes(42)
    expect(a.length).toBeGreaterThan(100_000)
    expect(digest(a)).toBe(digest(b))
    expect(digest(await payloadBytes(42, 'v1'))).toBe(digest(await payloadBytes(42, 'v1')))
  })

  it('a different seed gives different installations and values', async () => {
    const a = (await payloadBytes(42)).toString('utf8').split('\n')[0]!
    const b = (await payloadBytes(43)).toString('utf8').split('\n')[0]!
    const ja = JSON.parse(a) as { installation_id: string, data: { heatpumps: { values: Record<string, number> }[] }[] }
    const jb = JSON.parse(b) as typeof ja
    expect(ja.installation_id).not.toBe(jb.installation_id)
    expect(JSON.stringify(ja.data.map((r) => r.heatpumps[0]!.values))).not.toBe(JSON.stringify(jb.data.map((r) => r.heatpumps[0]!.values)))
  })
})
