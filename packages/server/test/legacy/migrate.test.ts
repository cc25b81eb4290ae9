import { execFile, execFileSync } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { normaliseSubmission, type MetricValues } from '@heatpool/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig, type Config } from '../../src/config.js'
import { runMigrateLegacy } from '../../src/legacy/command.js'
import type { MigrationSummary } from '../../src/legacy/migrate.js'
import { DAY_MS } from '../../src/ledger/contribution.js'
import { accumulateHours, ROLLUP_SUM_COLUMNS } from '../../src/rollups/rollup.js'
import { contributionDaysOf } from '../../src/store/ledger.js'
import { openStore } from '../../src/store/open.js'
import type { Store } from '../../src/store/types.js'
import { freshPostgresUrl } from '../engines/postgres.js'
import { startVictoriaMetrics, type VictoriaMetricsProcess } from '../engines/victoriametrics.js'
import { NO_ENGINE } from '../engines/missing.js'

/**
 * The migration end to end against a real VictoriaMetrics: history written exactly as the
 * upstream server wrote it (Influx line protocol to /write), migrated in-process with the
 * command's own function, then read back through heatpool's stores. The steps share one
 * VictoriaMetrics (started for this file, so no other test sees the legacy series) and run in
 * order.
 */

const repo = fileURLToPath(new URL('../../../../', import.meta.url))
const CLI = join(repo, 'packages/server/dist/cli/admin.js')
const MAX_GAP_MS = 900_000
const MINUTES = 3 * 1440

interface LegacyInstallation {
  readonly id: string
  /** The `installation_id` label the upstream server wrote for record i. */
  readonly label: (i: number) => string
  readonly modelLabel: string
  readonly modelName: string
  /** What the logger sent (v1 flat records), in time order. */
  readonly records: Record<string, unknown>[]
}

const DAY0 = Math.floor(Date.now() / DAY_MS) * DAY_MS - 3 * DAY_MS

/** An upstream v1.0.2 record at minute i: iDM names, booleans, `_str` enum text, a few bad values. */
function loggerRecord (i: number, seed: number): Record<string, unknown> {
  const record: Record<string, unknown> = {
    timestamp: (DAY0 + i * 60_000) / 1000,
    temp_outside: Math.round((5 + 5 * Math.sin((i + seed) / 100)) * 100) / 100,
    temp_heat_pump_flow: 35 + (i % 10) / 10,
    temp_heat_pump_return: 30,
    power_current: 4 + (i % 7) / 10,
    power_current_draw: 1 + (i % 5) / 20,
    status_heat_pump: i % 60 < 45 ? 1 : 0,
    status_system: 1,
    status_system_str: 'AUTOMATIC',
    request_heating: i % 60 < 45,
  }
  if (i === 10) record.temp_outside = 999 // out of the catalog's range
  if (i === 20) record.power_current = Infinity // upstream wrote `inf`; VictoriaMetrics keeps +Inf
  if (i === 30) record.temp_outside = NaN // upstream wrote `nan`; VictoriaMetrics drops it
  return record
}

/** Python's `str()` of a value, as the upstream server formatted fields (bool before int: True/False). */
function pythonField (v: unknown): string | undefined {
  if (typeof v === 'boolean') return v ? 'True' : 'False'
  if (typeof v === 'number') return Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v)
  if (typeof v === 'string') return `"${v}"` // a string field, as the task's upstream sample shows
  return undefined
}

/** The upstream server's line: `heatpump_metrics,installation_id=…,model=…,version=… k=v,… <ns>`. */
function upstreamLine (label: string, modelLabel: string, record: Record<string, unknown>): string {
  const fields = Object.entries(record)
    .filter(([k]) => k !== 'timestamp')
    .map(([k, v]) => [k, pythonField(v)] as const)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v as string}`)
    .join(',')
  const ns = BigInt(Math.round((record.timestamp as number) * 1000)) * 1_000_000n
  return `heatpump_metrics,installation_id=${label},model=${modelLabel},version=1.0.2 ${fields} ${ns}`
}

function installation (seed: number, modelLabel: string, label: (id: string, i: number) => string): LegacyInstallation {
  const id = randomUUID()
  return {
    id,
    label: (i) => label(id, i),
    modelLabel,
    modelName: modelLabel.replace(/_/g, ' '),
    records: Array.from({ length: MINUTES }, (_, i) => loggerRecord(i, seed)),
  }
}

const A = installation(0, 'AERO_SLM', (id) => id)
// Upstream did not canonicalise ids: the first day under an upper-case spelling.
const B = installation(500, 'AERO_ALM', (id, i) => (i < 1440 ? id.toUpperCase() : id))
const INVALID_LABEL = 'not-a-uuid'

/** What live ingest of the logger's records stores: the protocol normaliser's output. */
function expectedSamples (inst: LegacyInstallation): { ts: number, values: MetricValues }[] {
  const { records } = normaliseSubmission(inst.records, { nowMs: Date.now(), oldestMs: 0, futureToleranceMs: 0 })
  return records.filter((r) => Object.keys(r.values).length > 0).map((r) => ({ ts: r.ts, values: r.values }))
}

let vm: VictoriaMetricsProcess | undefined
const dirs: string[] = []
const pool = `t${randomBytes(6).toString('hex')}`

function config (env: Record<string, string> = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'heatpool-legacy-'))
  dirs.push(dataDir)
  return loadConfig({
    DATA_DIR: dataDir,
    SAMPLE_STORE: 'victoriametrics',
    VM_URL: vm?.url ?? '',
    VM_POOL: pool,
    LOG_LEVEL: 'silent',
    RETENTION_SCHEDULE: '',
    SQLITE_SYNCHRONOUS: 'normal',
    ...env,
  })
}

async function migrate (cfg: Config, args: string[] = []): Promise<{ code: number, summary: MigrationSummary, stderr: string }> {
  let out = ''
  let err = ''
  const code = await runMigrateLegacy([...args, '--json'], { config: () => cfg, io: { out: (t) => { out += t }, err: (t) => { err += t } } })
  if (out === '') throw new Error(`migrate-legacy printed no summary (exit ${code}): ${err}`)
  return { code, summary: JSON.parse(out) as MigrationSummary, stderr: err }
}

async function vmPost (path: string, body: string, contentType = 'text/plain'): Promise<string> {
  const res = await fetch(`${vm?.url ?? ''}${path}`, { method: 'POST', body, headers: { 'content-type': contentType } })
  const text = await res.text()
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`)
  return text
}

async function vmExport (selector: string): Promise<string> {
  await fetch(`${vm?.url ?? ''}/internal/force_flush`)
  return vmPost('/api/v1/export', new URLSearchParams({ 'match[]': selector, start: '0' }).toString(), 'application/x-www-form-urlencoded')
}

async function withStore<T> (cfg: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(cfg)
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

async function heatPumpOf (store: Store, id: string): Promise<number> {
  const rows = await store.db.selectFrom('heat_pumps').select(['id', 'hp_key']).where('installation_id', '=', id).execute()
  expect(rows.map((r) => r.hp_key)).toEqual(['hp-legacy'])
  return Number(rows[0]?.id)
}

/** Everything the migration writes to the relational store, for "nothing changed" comparisons. */
async function relationalState (store: Store): Promise<unknown> {
  const db = store.db
  return {
    installations: await db.selectFrom('installations').select(['id', 'model_name', 'model_key', 'samples_total', 'contribution_days', 'last_contribution_day', 'last_sample_ts', 'first_seen_at', 'last_seen_at']).orderBy('id').execute(),
    ledger: await db.selectFrom('ledger_days').selectAll().orderBy('installation_id').orderBy('day').execute(),
    pool: await db.selectFrom('pool_days').selectAll().orderBy('day').execute(),
    hourly: await db.selectFrom('rollups_hourly').selectAll().orderBy('heat_pump_id').orderBy('hour').execute(),
    daily: await db.selectFrom('rollups_daily').selectAll().orderBy('heat_pump_id').orderBy('day').execute(),
  }
}

beforeAll(async () => {
  vm = await startVictoriaMetrics()
  if (vm === undefined) return
  const lines: string[] = []
  for (const inst of [A, B]) inst.records.forEach((r, i) => lines.push(upstreamLine(inst.label(i), inst.modelLabel, r)))
  for (let i = 0; i < 10; i++) lines.push(upstreamLine(INVALID_LABEL, 'AERO_SLM', loggerRecord(i, 0)))
  // One POST per upstream batch of records, like the upstream server (it answered 204).
  for (let i = 0; i < lines.length; i += 500) await vmPost('/write', lines.slice(i, i + 500).join('\n'))
  await fetch(`${vm.url}/internal/force_flush`)
}, 60_000)

afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** Fields per record the upstream server wrote, the `_str` text included: one series each. */
const FIELDS = 9
/** Points VictoriaMetrics holds per installation: the NaN at i=30 was dropped; the `_str` field is stored as 0. */
const POINTS = MINUTES * FIELDS - 1

describe('heatpool-admin migrate-legacy against a real VictoriaMetrics', () => {
  let vmConfig: Config

  it('--dry-run counts installations, series, records, values and days and writes nothing', async (ctx) => {
    if (vm === undefined) return ctx.skip(NO_ENGINE)
    vmConfig = config()
    const { code, summary, stderr } = await migrate(vmConfig, ['--dry-run'])
    expect(code, stderr).toBe(0)
    expect(summary).toMatchObject({
      dry_run: true,
      installations: { found: 2, migrated: 2, failed: 0, not_started: 0 },
      invalid_installation_ids: [{ label: INVALID_LABEL, series: FIELDS }],
      // A: one series per field; B: as many again under its upper-case spelling.
      series: 3 * FIELDS,
      days: 6,
      records: { read: 2 * MINUTES, accepted: 0 },
      values: { read: 2 * POINTS, dropped: 2 * MINUTES, stored: 0 },
      batches: { submitted: 0 },
    })
    expect(summary.per_installation.map((r) => [r.id, r.labels, r.model_labels, r.status])).toEqual([
      [A.id, [A.id], ['AERO_SLM'], 'counted'],
      [B.id, [B.id.toUpperCase(), B.id].sort(), ['AERO_ALM'], 'counted'],
    ].sort((x, y) => ((x[0] as string) < (y[0] as string) ? -1 : 1)))
    expect(stderr).toMatch(/found 2 legacy installation\(s\), 1 installation_id label\(s\) that are not UUIDs/)
    // Not even the store was opened, and no heatpool series exist.
    expect(existsSync(join(vmConfig.DATA_DIR, 'heatpool.db'))).toBe(false)
    expect(await vmExport(`{__name__=~"heatpool_.+",pool="${pool}"}`)).toBe('')
  })

  it('migrates: samples in heatpool\'s layout equal live ingest of the logger\'s records, with ledger, rollups and pool counts', async (ctx) => {
    if (vm === undefined) return ctx.skip(NO_ENGINE)
    const { code, summary, stderr } = await migrate(vmConfig)
    expect(code, stderr).toBe(0)
    const expectedA = expectedSamples(A)
    const expectedB = expectedSamples(B)
    const valuesOf = (samples: { values: MetricValues }[]) => samples.reduce((n, s) => n + Object.keys(s.values).length, 0)
    const stored = valuesOf(expectedA) + valuesOf(expectedB)
    expect(summary).toMatchObject({
      dry_run: false,
      installations: { found: 2, migrated: 2, failed: 0 },
      records: { read: 2 * MINUTES, accepted: 2 * MINUTES, rejected: 0 },
      values: { stored, duplicate: 0, replayed: 0, accepted: stored },
      // 999 °C is out of range; +Inf is not finite (the NaN never reached VictoriaMetrics).
      rejected_reasons: { values: { out_of_range: 2, not_finite: 2 } },
      batches: { submitted: 2 * 3 * 3, replayed: 0 },
      deleted_legacy: 0,
    })
    console.log(`migration: ${summary.records.read} records, ${summary.values.stored} samples in ${summary.duration_ms} ms = ${summary.records_per_second} records/s`)
    expect(stderr).toMatch(new RegExp(`${A.id} \\[AERO_SLM\\]: migrated; 3 day\\(s\\) through ${new Date(DAY0 + 2 * DAY_MS).toISOString().slice(0, 10)}`))

    await withStore(vmConfig, async (store) => {
      for (const [inst, expected] of [[A, expectedA], [B, expectedB]] as const) {
        const hp = await heatPumpOf(store, inst.id)
        // kW → W and the rest, exactly as the protocol normaliser maps a live upload.
        expect(await store.samples.read(hp, DAY0, DAY0 + 3 * DAY_MS)).toEqual(expected)

        const installationRow = await store.db.selectFrom('installations').selectAll().where('id', '=', inst.id).executeTakeFirstOrThrow()
        expect(installationRow).toMatchObject({ model_name: inst.modelName, contribution_days: 3, samples_total: valuesOf(expected), last_sample_ts: DAY0 + (MINUTES - 1) * 60_000, token_hash: null })

        const perDay = new Map<number, number>()
        for (const s of expected) perDay.set(Math.floor(s.ts / DAY_MS), (perDay.get(Math.floor(s.ts / DAY_MS)) ?? 0) + Object.keys(s.values).length)
        expect(await contributionDaysOf(store.db, inst.id)).toEqual([...perDay].map(([day, n]) => ({ day, samples: n, stored: n })))

        // The rollups live ingest keeps equal a recomputation from the expected samples.
        const hours = accumulateHours(expected, { fromMs: DAY0, toMs: DAY0 + 3 * DAY_MS, maxGapMs: MAX_GAP_MS }, new Map())
        const hourly = await store.db.selectFrom('rollups_hourly').selectAll().where('heat_pump_id', '=', hp).orderBy('hour').execute()
        expect(hourly.map((h) => Number(h.hour))).toEqual([...hours.keys()].sort((a, b) => a - b))
        expect(hourly).toHaveLength(72)
        for (const row of hourly) {
          const want = hours.get(Number(row.hour))
          for (const c of ROLLUP_SUM_COLUMNS) expect(Number(row[c]), `${c} of hour ${row.hour}`).toBeCloseTo(want?.[c] ?? NaN, 6)
        }
        const daily = await store.db.selectFrom('rollups_daily').selectAll().where('heat_pump_id', '=', hp).orderBy('day').execute()
        expect(daily.map((d) => [Number(d.day), Number(d.records)])).toEqual([0, 1, 2].map((d) => [DAY0 / DAY_MS + d, 1440]))
        expect(daily.every((d) => Number(d.heat_wh) > 0 && Number(d.electric_wh) > 0)).toBe(true)
      }
      const poolDays = await store.db.selectFrom('pool_days').selectAll().orderBy('day').execute()
      expect(poolDays.reduce((n, d) => n + Number(d.samples), 0)).toBe(stored)
    })
  })

  it('a second run stores nothing new and leaves ledger, rollups and pool counts as they were — also after the idempotency records expired', async (ctx) => {
    if (vm === undefined) return ctx.skip(NO_ENGINE)
    const before = await withStore(vmConfig, relationalState)

    const replay = await migrate(vmConfig)
    expect(replay.code, replay.stderr).toBe(0)
    expect(replay.summary).toMatchObject({ values: { stored: 0, duplicate: 0 }, batches: { submitted: 18, replayed: 18 } })
    expect(replay.summary.values.replayed).toBe(replay.summary.values.accepted)
    expect(await withStore(vmConfig, relationalState)).toEqual(before)

    // What the retention job does once IDEMPOTENCY_TTL_HOURS passed: the responses are gone.
    await withStore(vmConfig, async (store) => { await store.db.deleteFrom('idempotency_keys').execute() })
    const late = await migrate(vmConfig)
    expect(late.code, late.stderr).toBe(0)
    expect(late.summary).toMatchObject({ values: { stored: 0, replayed: 0 }, batches: { submitted: 18, replayed: 0 } })
    expect(late.summary.values.duplicate).toBe(late.summary.values.accepted)
    expect(await withStore(vmConfig, relationalState)).toEqual(before)
  })

  it('gives the same ledger and rollups with PostgreSQL for the relational store', async (ctx) => {
    if (vm === undefined) return ctx.skip(NO_ENGINE)
    const url = await freshPostgresUrl()
    if (url === undefined) return ctx.skip(NO_ENGINE)
    const pgConfig = config({ DATABASE_URL: url, VM_POOL: `t${randomBytes(6).toString('hex')}` })
    const { code, summary, stderr } = await migrate(pgConfig)
    expect(code, stderr).toBe(0)
    expect(summary.installations).toMatchObject({ found: 2, migrated: 2 })
    const view = (cfg: Config) => withStore(cfg, async (store) => {
      const db = store.db
      const daily = await db.selectFrom('rollups_daily').innerJoin('heat_pumps', 'heat_pumps.id', 'rollups_daily.heat_pump_id')
        .select(['heat_pumps.installation_id', 'rollups_daily.day', 'rollups_daily.records', 'rollups_daily.samples', 'rollups_daily.heat_wh', 'rollups_daily.electric_wh'])
        .orderBy('heat_pumps.installation_id').orderBy('rollups_daily.day').execute()
      return {
        installations: (await db.selectFrom('installations').select(['id', 'model_name', 'samples_total', 'contribution_days', 'last_contribution_day', 'last_sample_ts']).orderBy('id').execute())
          .map((r) => ({ ...r, samples_total: Number(r.samples_total), contribution_days: Number(r.contribution_days), last_contribution_day: Number(r.last_contribution_day), last_sample_ts: Number(r.last_sample_ts) })),
        ledger: (await db.selectFrom('ledger_days').selectAll().orderBy('installation_id').orderBy('day').execute())
          .map((r) => ({ installation_id: r.installation_id, day: Number(r.day), samples: Number(r.samples), stored: Number(r.stored) })),
        pool: (await db.selectFrom('pool_days').selectAll().orderBy('day').execute()).map((r) => [Number(r.day), Number(r.samples)]),
        daily: daily.map((d) => ({ id: d.installation_id, day: Number(d.day), records: Number(d.records), samples: Number(d.samples), heat_wh: Math.round(Number(d.heat_wh) * 1e6), electric_wh: Math.round(Number(d.electric_wh) * 1e6) })),
      }
    })
    expect(await view(pgConfig)).toEqual(await view(vmConfig))
  })

  it('migrates one installation into the embedded sample store, with the same rollups', async (ctx) => {
    if (vm === undefined) return ctx.skip(NO_ENGINE)
    const sqliteConfig = config({ SAMPLE_STORE: 'sqlite', VM_URL: '', VM_POOL: '' })
    // The VictoriaMetrics to read comes from --vm-url; the installation in any spelling.
    const { code, summary, stderr } = await migrate(sqliteConfig, ['--vm-url', vm.url, '--installation', `{${B.id.toUpperCase()}}`])
    expect(code, stderr).toBe(0)
    expect(summary.installations).toMatchObject({ found: 1, migrated: 1 })
    const rollupsIn = (cfg: Config) => withStore(cfg, async (store) => {
      const hp = await heatPumpOf(store, B.id)
      return {
        samples: await store.samples.read(hp, DAY0, DAY0 + 3 * DAY_MS),
        daily: (await store.db.selectFrom('rollups_daily').selectAll().where('heat_pump_id', '=', hp).orderBy('day').execute()).map(({ heat_pump_id: _, ...sums }) => sums),
      }
    })
    const embedded = await rollupsIn(sqliteConfig)
    expect(embedded.samples).toEqual(expectedSamples(B))
    const inVm = await rollupsIn(vmConfig)
    expect(embedded.daily.map((d) => d.records)).toEqual(inVm.daily.map((d) => d.records))
    for (let i = 0; i < inVm.daily.length; i++) {
      for (const c of ROLLUP_SUM_COLUMNS) expect(Number(embedded.daily[i]?.[c])).toBeCloseTo(Number(inVm.daily[i]?.[c]), 6)
    }
  })

  it('runs from the built CLI with the server\'s environment', async (ctx) => {
    if (vm === undefined) return ctx.skip(NO_ENGINE)
    const newest = Math.max(...['src/legacy', 'src/cli'].flatMap((d) => readdirSync(join(repo, 'packages/server', d)).map((f) => statSync(join(repo, 'packages/server', d, f)).mtimeMs)))
    const built = join(repo, 'packages/server/dist/legacy/command.js')
    if (!existsSync(built) || statSync(built).mtimeMs < newest || statSync(CLI).mtimeMs < newest) {
      execFileSync('npx', ['tsc', '-b', 'packages/server'], { cwd: repo, stdio: 'inherit' })
    }
    const run = (args: string[], env: Record<string, string>) => new Promise<{ code: number, stdout: string, stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, ...args], { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr })
      })
    })
    const help = await run(['migrate-legacy', '--help'], {})
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: heatpool-admin migrate-legacy [options]')
    expect(help.stdout).toContain('IDEMPOTENCY_TTL_HOURS')

    // The upstream's own variable names the VictoriaMetrics to read.
    const dry = await run(['migrate-legacy', '--dry-run', '--json'], { VM_WRITE_URL: `${vm.url}/write`, DATA_DIR: vmConfig.DATA_DIR })
    expect(dry.code, dry.stderr).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, installations: { found: 2 }, records: { read: 2 * MINUTES } })

    const usage = await run(['migrate-legacy', '--delete-legacy', '--from', '2025-01-01'], {})
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/^cannot combine --delete-legacy with --from\/--to/)
    const badDate = await run(['migrate-legacy', '--from', '2025-02-30'], { VM_URL: vm.url })
    expect(badDate.code).toBe(2)
    expect(badDate.stderr).toMatch(/^cannot use --from "2025-02-30": no such date/)
    const unreachable = await run(['migrate-legacy', '--dry-run', '--vm-url', 'http://127.0.0.1:9'], {})
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toMatch(/cannot list legacy installations: cannot reach VictoriaMetrics/)
  }, 120_000)

  it('--delete-legacy removes the migrated legacy series and keeps the new ones', async (ctx) => {
    if (vm === undefined) return ctx.skip(NO_ENGINE)
    const { code, summary, stderr } = await migrate(vmConfig, ['--delete-legacy'])
    expect(code, stderr).toBe(0)
    expect(summary).toMatchObject({ installations: { migrated: 2 }, values: { stored: 0 }, deleted_legacy: 2 })
    const legacy = (await vmExport('{__name__=~"heatpump_metrics_.+"}')).trim().split('\n').map((l) => JSON.parse(l) as { metric: Record<string, string> })
    // Only the installation that could not be migrated is left.
    expect(new Set(legacy.map((l) => l.metric.installation_id))).toEqual(new Set([INVALID_LABEL]))
    await withStore(vmConfig, async (store) => {
      for (const inst of [A, B]) expect(await store.samples.read(await heatPumpOf(store, inst.id), DAY0, DAY0 + 3 * DAY_MS)).toEqual(expectedSamples(inst))
    })
    const again = await migrate(vmConfig, ['--dry-run'])
    expect(again.summary.installations.found).toBe(0)
  })
})
