import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, build } from '../../server/test/helper.js'
import { runCli } from '../src/cli/command.js'
import type { RunSummary } from '../src/run.js'

const dir = mkdtempSync(join(tmpdir(), 'heatpool-sim-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const START = '2026-11-25T00:00:00.000Z'
const INSTALLATIONS = 6
const RECORDS = INSTALLATIONS * 2 * 1440

async function cli (argv: string[], nowMs: number): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const code = await runCli(argv, { out: (t) => { out += t }, err: (t) => { err += t }, now: () => nowMs })
  return { code, out, err }
}

describe('heatpool-sim against a real server', () => {
  it(`registers ${INSTALLATIONS} installations and delivers 2 days of records, which the server holds`, async () => {
    const t = await build({ RATE_LIMIT_PER_MINUTE: '10000' })
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' })
    const labels = join(dir, 'labels.jsonl')
    const argv = ['--target', address, '--installations', String(INSTALLATIONS), '--days', '2', '--seed', '11', '--start', START,
      '--faults', 'refrigerant_loss:1@day1', '--labels', labels, '--admin-token', ADMIN_TOKEN, '--json']

    const started = performance.now()
    const run = await cli(argv, t.clock.now())
    const seconds = (performance.now() - started) / 1000
    expect(run.err).toContain(`registered ${INSTALLATIONS} installations`)
    expect(run.code, run.err).toBe(0)
    const summary = JSON.parse(run.out) as RunSummary
    expect(summary).toMatchObject({
      target_kind: 'server',
      installations: INSTALLATIONS,
      registered: INSTALLATIONS,
      records: RECORDS,
      batches: INSTALLATIONS * Math.ceil(2 * 1440 / 500),
      replayed_batches: 0,
      accepted: RECORDS,
      rejected: 0,
      failed_batches: {},
      rejected_reasons: { records: {}, values: {} },
      faults: { refrigerant_loss: 1 },
      first_record: START,
      last_record: '2026-11-26T23:59:00.000Z',
    })
    expect(summary.values.rejected).toBe(0)
    expect(summary.values.duplicate).toBe(0)
    expect(summary.values.stored).toBeGreaterThan(RECORDS * 7)
    expect(summary.server).toEqual({ installations: INSTALLATIONS, samples_total: summary.values.stored })

    // The server's own view: every installation registered under its model, with its samples.
    const list = (await t.inject({ method: 'GET', url: '/api/v2/admin/installations', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }))
      .json<{ total: number, installations: { installation_id: string, registered: boolean, heatpump_model: string, samples_total: number, last_sample: string }[] }>()
    expect(list.total).toBe(INSTALLATIONS)
    expect(list.installations.every((i) => i.registered && i.samples_total > 2 * 1440 * 7 && i.last_sample === '2026-11-26T23:59:00.000Z')).toBe(true)
    expect(list.installations.map((i) => i.heatpump_model).sort()).toEqual(['AERO SLM', 'AERO SLM', 'Altherma 3', 'LWD 70', 'S1255', 'S1255'])
    const label = JSON.parse(readFileSync(labels, 'utf8')) as { installation_id: string }
    expect(list.installations.map((i) => i.installation_id)).toContain(label.installation_id)

    // The same seed again: registration and batches are recognised, nothing is stored twice.
    const again = JSON.parse((await cli(argv, t.clock.now())).out) as RunSummary
    expect(again).toMatchObject({ registered: INSTALLATIONS, accepted: RECORDS, rejected: 0 })
    expect(again.replayed_batches).toBe(summary.batches)
    expect(again.server).toEqual(summary.server)
    expect(seconds).toBeLessThan(15)
  })

  it('says what is wrong with a bad command line', async () => {
    const bad = await cli(['--target', 'http://127.0.0.1:1', '--format', 'v3'], Date.now())
    expect(bad.code).toBe(2)
    expect(bad.err).toContain('cannot read --format "v3"')
    const help = await cli(['--help'], Date.now())
    expect(help.code).toBe(0)
    expect(help.out).toContain('refrigerant_loss:2@day10')
  })
})
