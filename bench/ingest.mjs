#!/usr/bin/env node
// Ingest benchmark of the heatpool server with its embedded SQLite store (docs/BENCHMARKS.md).
//
//   npm run bench:ingest -- [--concurrency 8] [--duration 10] [--runs 3] [--synchronous full|normal]
//                           [--profile] [--write-docs]
//   npm run bench:ingest -- --store victoriametrics [--database sqlite|postgres] [--replay-off-runs 1] …
//
// Contract: loopback only (127.0.0.1), bounded in requests and time (a watchdog ends it), and
// every child process and temp directory it creates is removed on exit, failure or Ctrl-C.
// Needs the server built (`npm run build`, which `npm run bench:ingest` does first).
//
// Per run it starts a fresh server on a fresh DATA_DIR, warms it up, then C closed-loop clients
// post 500-record v1 batches (serialised before timing; only ids, timestamps and counters are
// patched in per request) for --duration seconds. Each run is paired with a
// run against a bare node:http server that only JSON.parses the same bodies (the machine's
// HTTP + parse ceiling). Medians of the runs are reported, plus the stored bytes per sample and
// the time to ingest one ~3 MB v2 batch.
//
// `--store victoriametrics` runs the same load against a server with SAMPLE_STORE=victoriametrics
// instead, compared with the same records posted straight to VictoriaMetrics (bench/ingest-vm.mjs).

import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import {
  commandLine, cpuProfFlags, DOCS, fileStamp, fmt, freePort, installCleanup, keepCpuProfile, log, logHeader,
  machine, median, parseFlags, removeDir, reportAnomalies, runMain, saveResults, serverEnv,
  SERVER_JS, SHARED_TOKEN as TOKEN, startBaseline, startChild, tempDir, withDocsBlock,
} from './common.mjs'
import { summariseCpuProfile, topHeatpoolLines } from './cpuprofile.mjs'
import { batchSource as loadSource, countHeatpoolResponse, drive as driveLoad, fmtMachine, medianShare, post } from './ingest-load.mjs'
import { buildV2Batch, prng, uuidFrom, v1BatchFactory, V1_CATALOG_FIELDS, V1_FIELDS, V2_CATALOG_VALUES, V2_VALUE_COUNT } from './payloads.mjs'

const GOAL_RECORDS_PER_S = 50_000

// ---------------------------------------------------------------- options

const { argv, intOpt } = parseFlags(import.meta.url, 6, {
  concurrency: { type: 'string', default: '8' },
  duration: { type: 'string', default: '10' },
  runs: { type: 'string', default: '3' },
  synchronous: { type: 'string', default: 'full' },
  warmup: { type: 'string', default: '1' },
  installations: { type: 'string', default: '64' },
  records: { type: 'string', default: '500' },
  'v2-posts': { type: 'string', default: '5' },
  seed: { type: 'string', default: '20261127' },
  profile: { type: 'boolean', default: false },
  'write-docs': { type: 'boolean', default: false },
  store: { type: 'string', default: 'sqlite' },
  database: { type: 'string', default: 'sqlite' },
  'replay-off-runs': { type: 'string', default: '1' },
  help: { type: 'boolean', default: false },
})
const opts = {
  concurrency: intOpt('concurrency', 1, 256),
  durationS: intOpt('duration', 1, 600),
  runs: intOpt('runs', 1, 20),
  warmupS: intOpt('warmup', 0, 60),
  installations: intOpt('installations', 1, 10_000),
  records: intOpt('records', 1, 10_000),
  v2Posts: intOpt('v2-posts', 0, 50),
  seed: intOpt('seed', 0, 2 ** 31),
  synchronous: argv.synchronous,
  profile: argv.profile,
  writeDocs: argv['write-docs'],
  store: argv.store,
}
if (!['full', 'normal'].includes(opts.synchronous)) throw new Error('--synchronous must be full or normal')
if (!['sqlite', 'victoriametrics'].includes(opts.store)) throw new Error('--store must be sqlite or victoriametrics')
if (opts.store === 'victoriametrics') {
  if (!['sqlite', 'postgres'].includes(argv.database)) throw new Error('--database must be sqlite or postgres')
  opts.database = argv.database
  opts.replayOffRuns = intOpt('replay-off-runs', 0, 20)
} else if (argv.database !== 'sqlite' || argv['replay-off-runs'] !== '1') {
  throw new Error('--database and --replay-off-runs apply to --store victoriametrics only')
}
if (opts.store === 'victoriametrics') {
  const { runVictoriaMetricsBench } = await import('./ingest-vm.mjs')
  await runVictoriaMetricsBench(opts)
  process.exit()
}
if (opts.concurrency > opts.installations) throw new Error('--concurrency must not exceed --installations (one installation is never posted concurrently)')

// ---------------------------------------------------------------- cleanup and watchdog

// Bounded in time whatever happens: the planned phases plus generous slack.
const budgetS = (opts.runs * 2 + (opts.profile ? 1 : 0)) * (opts.durationS + opts.warmupS + 30) + opts.v2Posts * 30 + 120
installCleanup(budgetS)

// ---------------------------------------------------------------- processes

async function startHeatpool ({ synchronous, cpuProfDir }) {
  const dataDir = tempDir('heatpool-bench-')
  const port = await freePort()
  const env = serverEnv({
    port,
    dataDir,
    AUTH_TOKEN: TOKEN,
    RATE_LIMIT_PER_MINUTE: '100000000',
    RATE_LIMIT_IP_PER_MINUTE: '100000000',
    RATE_LIMIT_REGISTRATIONS_PER_HOUR: '100000000',
    SQLITE_SYNCHRONOUS: synchronous,
  })
  const args = [...cpuProfFlags(cpuProfDir), SERVER_JS]
  // cwd = the data dir, so a developer's .env in the repository cannot change the benchmark.
  const child = await startChild({ name: 'heatpool server', args, env, port, cwd: dataDir })
  return { ...child, dataDir }
}

// ---------------------------------------------------------------- client

/** The v1 batches of one run (ingest-load.mjs batchSource with this run's options). */
function batchSource (factory, installations, capacity) {
  return loadSource(factory, installations, capacity, opts)
}

/** The closed-loop load of ingest-load.mjs against a heatpool server (`heatpool`) or the baseline. */
function drive ({ port, source, warmupMs, durationMs, heatpool, pid }) {
  return driveLoad({
    port,
    source,
    warmupMs,
    durationMs,
    pid,
    path: '/api/v1/submit',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    count: heatpool ? countHeatpoolResponse : (m) => { m.records += opts.records },
    valuesPerRecord: V1_FIELDS.length,
  })
}

// ---------------------------------------------------------------- store size

/**
 * Opens a stopped server's store and measures the samples table. Also checks the server's
 * counts against the data: stored values = non-NULL sample cells = the installations' totals.
 */
function measureStore (dataDir) {
  const dbPath = join(dataDir, 'heatpool.db')
  const fileBytes = (p) => (existsSync(p) ? statSync(p).size : 0)
  const files = { db: fileBytes(dbPath), wal: fileBytes(`${dbPath}-wal`) }
  const db = new Database(dbPath, { readonly: true, fileMustExist: true })
  try {
    const cols = db.prepare("SELECT name FROM pragma_table_info('samples') WHERE name NOT IN ('heat_pump_id', 'ts')").pluck().all()
    const cells = db.prepare(`SELECT count(*) AS rows, ${cols.map((c) => `count(${c})`).join(' + ')} AS cells FROM samples`).get()
    let samplesBytes = null
    let tables = null
    try {
      samplesBytes = db.prepare("SELECT sum(pgsize) FROM dbstat WHERE name = 'samples'").pluck().get()
      tables = db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all()
    } catch {
      // dbstat is a compile-time option; fall back to the whole file after a checkpoint.
      samplesBytes = db.pragma('page_count', { simple: true }) * db.pragma('page_size', { simple: true })
    }
    const installationsTotal = db.prepare('SELECT sum(samples_total) FROM installations').pluck().get()
    // The contribution ledger must have seen the (recent) samples: the bench means to measure that path.
    const ledger = db.prepare('SELECT count(*) AS days, coalesce(sum(samples), 0) AS samples FROM ledger_days').get()
    return { files, rows: cells.rows, cells: cells.cells, samplesBytes, tables, installationsTotal, ledger, bytesPerSample: samplesBytes / cells.cells }
  } finally {
    db.close()
  }
}

// ---------------------------------------------------------------- phases

async function heatpoolRun (newSource, { cpuProfDir } = {}) {
  const server = await startHeatpool({ synchronous: opts.synchronous, cpuProfDir })
  let load
  let exit
  try {
    load = await drive({ port: server.port, source: newSource(), warmupMs: opts.warmupS * 1000, durationMs: opts.durationS * 1000, heatpool: true, pid: server.pid })
  } finally {
    exit = await server.stop()
    if (exit.code !== 0) process.stderr.write(`bench: heatpool server exited with ${exit.code ?? exit.signal}\n${server.output()}\n`)
  }
  const store = measureStore(server.dataDir)
  removeDir(server.dataDir)
  return { ...load, store, serverExit: exit.code ?? exit.signal, serverOutput: server.output().trim() }
}

async function baselineRun (newSource) {
  const server = await startBaseline()
  try {
    return await drive({ port: server.port, source: newSource(), warmupMs: opts.warmupS * 1000, durationMs: opts.durationS * 1000, heatpool: false, pid: server.pid })
  } finally {
    await server.stop()
  }
}

async function v2Phase (seed) {
  const rand = prng(seed)
  const installationId = uuidFrom(rand)
  const records = 500
  const intervalS = 30 // upstream's default logging interval
  // Consecutive flushes of one unit, ending a minute ago: fresh timestamps in every post.
  const firstTsS = Math.floor(Date.now() / 1000) - 60 - opts.v2Posts * records * intervalS
  const bodies = Array.from({ length: opts.v2Posts }, (_, k) =>
    buildV2Batch({ installationId, records, firstTsS: firstTsS + k * records * intervalS, intervalS, seed: seed + k + 1 }))
  const server = await startHeatpool({ synchronous: opts.synchronous })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const posts = []
  try {
    for (const body of bodies) {
      const r = await post(agent, server.port, '/api/v1/submit', { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body)
      const res = r.status === 200 ? JSON.parse(r.body.toString('utf8')) : null
      posts.push({ bytes: body.length, status: r.status, ms: r.ms, stored: res?.values.stored ?? 0, duplicate: res?.values.duplicate ?? 0, rejected: res?.values.rejected ?? 0, ignored: res?.values.ignored ?? 0, error: res ? null : r.body.toString('utf8').slice(0, 300) })
    }
  } finally {
    agent.destroy()
    await server.stop()
    removeDir(server.dataDir)
  }
  return { posts, bodyBytes: median(posts.map((p) => p.bytes)), medianMs: median(posts.filter((p) => p.status === 200).map((p) => p.ms)), valuesPerRecord: V2_VALUE_COUNT, expectedStored: records * V2_CATALOG_VALUES }
}

// ---------------------------------------------------------------- report

/**
 * Ingest stages as inclusive (total) profile time of one function each, found by label prefix.
 * Top-level stages do not overlap (an await splits a stack, so each is its own frame); indented
 * lines are part of the line above; "not nested" lines overlap the others and are not summed.
 */
const STAGES = [
  ['request body: sha256 + parse (plugins/body.js content parser)', '(anonymous) (packages/server/dist/plugins/body.js', 'top'],
  ['  of which secure-json-parse (JSON.parse + __proto__/constructor scans)', 'parse (secure-json-parse/index.js'],
  ['  of which sha256 of the body (idempotency)', 'update (node:internal/crypto/hash'],
  ['normaliseSubmission (iDM map, plausibility)', 'normaliseSubmission (', 'top'],
  ['ingest transaction body (every statement between BEGIN and COMMIT)', '(anonymous) (packages/server/dist/ingest/submit-service.js', 'top'],
  ['  of which samples INSERTs (SqliteSampleStore.write, better-sqlite3 direct)', 'write (packages/server/dist/store/sqlite/sample-store.js'],
  ['COMMIT (Kysely commitTransaction: WAL page writes, auto-checkpoints, and the WAL fsync with synchronous=full)', 'commitTransaction (kysely/dist/esm/driver/runtime-driver.js', 'top'],
  ['response: Fastify serialise + send', 'Reply.send (fastify/lib/reply.js', 'top'],
  ['garbage collector', '(garbage collector)', 'top'],
  ['not nested: every statement run through Kysely (ledger, heat pumps, installations, idempotency, auth, COMMIT)', 'executeQuery (kysely/dist/esm/dialect/sqlite/sqlite-driver.js'],
  ['not nested: better-sqlite3 prepare() (Kysely prepares every query again, no statement cache)', 'prepare (better-sqlite3/lib/methods/wrappers.js'],
]

function stagesOf (summary) {
  const out = STAGES.map(([stage, prefix, top]) => {
    const hit = summary.total.find((f) => f.label.startsWith(prefix))
    return { stage, top: top === 'top', label: hit?.label ?? null, ms: hit?.ms ?? 0, pct: (hit?.ms ?? 0) / summary.busyMs * 100 }
  })
  const topPct = out.filter((s) => s.top).reduce((a, s) => a + s.pct, 0)
  out.splice(out.findIndex((s) => s.stage.startsWith('not nested')), 0,
    { stage: 'everything else (HTTP, routing, hooks, auth, validation, scheduling)', top: true, label: null, ms: null, pct: 100 - topPct })
  return out
}

/** Profile labels for a table: V8 names regular expressions by their whole source. */
function shortLabel (label) {
  return label.startsWith('RegExp: ') ? `RegExp ${label.slice(8, 48)}… (native)` : label
}

function resultsMarkdown (r) {
  const m = r.machine
  const lines = []
  lines.push(`### Results: \`SQLITE_SYNCHRONOUS=${r.options.synchronous}\``)
  lines.push('')
  lines.push(`- Machine: ${m.cpuModel}, ${m.cpuCount} vCPUs (shared by client and server), ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}`)
  lines.push(`- Date: ${m.date}`)
  lines.push(`- Command: \`${r.command}\``)
  lines.push(`- Load: ${r.options.concurrency} closed-loop clients, ${r.options.durationS} s measured after ${r.options.warmupS} s warm-up, ` +
    `${r.options.records}-record v1 batches (${fmt(r.bodyBytes / 1024)} KiB each; ${V1_FIELDS.length} numeric fields per record, ${V1_CATALOG_FIELDS} of them catalog metrics), ` +
    `${r.options.installations} installations, fresh server and DATA_DIR per run`)
  lines.push('')
  lines.push('| run | heatpool records/s | samples stored/s | values posted/s | p50 ms | p99 ms | server CPU (main thread) | baseline records/s | heatpool ÷ baseline |')
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
  r.runs.forEach((run, i) => {
    const b = r.baseline[i]
    lines.push(`| ${i + 1} | ${fmt(run.recordsPerS)} | ${fmt(run.storedPerS)} | ${fmt(run.postedValuesPerS)} | ${fmt(run.p50Ms, 1)} | ${fmt(run.p99Ms, 1)} | ` +
      `${fmt(run.serverCpuPct)} % (${fmt(run.serverMainThreadPct)} %) | ${fmt(b?.recordsPerS)} | ${fmt(run.recordsPerS / b?.recordsPerS, 3)} |`)
  })
  const s = r.summary
  lines.push(`| **median** | **${fmt(s.recordsPerS)}** | **${fmt(s.storedPerS)}** | ${fmt(s.postedValuesPerS)} | ${fmt(s.p50Ms, 1)} | ${fmt(s.p99Ms, 1)} | ` +
    `${fmt(s.serverCpuPct)} % (${fmt(s.serverMainThreadPct)} %) | **${fmt(s.baselineRecordsPerS)}** | **${fmt(s.ratio, 3)}** |`)
  lines.push('')
  lines.push(`- Goal: ${fmt(GOAL_RECORDS_PER_S)} records/s. Measured median: ${fmt(s.recordsPerS)} records/s = ` +
    `${fmt(s.recordsPerS / GOAL_RECORDS_PER_S * 100, 1)} % of the goal; the baseline (bare node:http + JSON.parse of the same bodies) reaches ${fmt(s.baselineRecordsPerS)} records/s.`)
  lines.push(`- Per record the server stored ${fmt(s.storedPerRecord, 2)} values (expected ${V1_CATALOG_FIELDS}) and ignored ${fmt(s.ignoredPerRecord, 2)} (expected ${V1_FIELDS.length - V1_CATALOG_FIELDS}); ` +
    `duplicates ${fmt(s.duplicate)}, rejected ${fmt(s.rejected)}, HTTP errors ${fmt(s.errors)}.`)
  lines.push(`- CPU (medians; 100 % = one core): heatpool server ${fmt(s.serverCpuPct)} % (main thread ${fmt(s.serverMainThreadPct)} %), client ${fmt(s.clientCpuPct)} %; ` +
    `baseline server ${fmt(s.baselineServerCpuPct)} %, client ${fmt(s.baselineClientCpuPct)} %. ` +
    `Whole machine (% of all ${m.cpuCount} vCPUs) during heatpool runs: ${fmtMachine(s.machineCpu)}; during baseline runs: ${fmtMachine(s.baselineMachineCpu)}; other processes ~${fmt(s.otherCpuPct)} % of one core.`)
  lines.push(`- Disk: the server wrote ${fmt(s.writeBytesPerStored, 1)} bytes per stored sample (/proc/<pid>/io write_bytes: WAL + checkpoints).`)
  lines.push(`- Storage: ${fmt(s.bytesPerSample, 2)} bytes per stored sample in the \`samples\` table (dbstat, median of runs); ` +
    `whole file after shutdown ${fmt(s.fileBytesPerSample, 2)} bytes per sample.`)
  if (r.v2) {
    const v = r.v2
    lines.push(`- One v2 batch (500 records × ${v.valuesPerRecord} values, enum objects, ${fmt(v.bodyBytes / 1e6, 2)} MB): median ${fmt(v.medianMs)} ms to 200 over ${v.posts.length} posts ` +
      `(${v.posts.map((p) => `${fmt(p.ms)}`).join(', ')} ms); stored ${fmt(median(v.posts.map((p) => p.stored)))} values per batch (expected ${v.expectedStored}).`)
  }
  if (r.profile) {
    const p = r.profile
    lines.push('')
    lines.push(`Server CPU profile (one extra run under \`--cpu-prof\`, not in the table: ${fmt(p.run.recordsPerS)} records/s; samples of the measured ${opts.durationS} s only; ` +
      `main thread busy ${fmt(p.summary.busyMs / p.summary.totalMs * 100, 1)} % of wall time, GC ${fmt(p.summary.gcMs / p.summary.busyMs * 100, 1)} % of busy). ` +
      'V8 samples the main thread by wall time, so time blocked in a system call (fsync in COMMIT) counts as busy in the function that made it. Top self time:')
    lines.push('')
    lines.push('| self % of busy | function | package |')
    lines.push('|---:|---|---|')
    for (const f of p.summary.self.slice(0, 15)) lines.push(`| ${fmt(f.ms / p.summary.busyMs * 100, 1)} | \`${shortLabel(f.label)}\` | ${f.group} |`)
    lines.push('')
    lines.push('By package (self time): ' + p.summary.groups.slice(0, 10).map((g) => `${g.group} ${fmt(g.ms / p.summary.busyMs * 100, 1)} %`).join(', ') + '.')
    lines.push('')
    lines.push('Stages (inclusive time, % of busy; indented lines are part of the line above):')
    lines.push('')
    lines.push('| % of busy | stage |')
    lines.push('|---:|---|')
    for (const s of p.stages) lines.push(`| ${fmt(s.pct, 1)} | ${s.stage.replace(/^( +)/, (sp) => '&nbsp;'.repeat(sp.length * 2))} |`)
  }
  return lines.join('\n')
}

/** Replaces (or appends) this mode's generated block in docs/BENCHMARKS.md; the rest is hand-written. */
function writeDocs (r) {
  const text = existsSync(DOCS) ? readFileSync(DOCS, 'utf8') : '# Benchmarks\n\n## Ingest (embedded store)\n'
  writeFileSync(DOCS, withDocsBlock(text, {
    start: `<!-- bench:ingest:${r.options.synchronous}:start (generated by bench/ingest.mjs --write-docs) -->`,
    end: `<!-- bench:ingest:${r.options.synchronous}:end -->`,
    body: resultsMarkdown(r),
    placeholder: '<!-- bench:ingest:results -->',
  }))
}

/** What a correct server never does with these bodies: each is a finding, and the exit code is 1. */
function anomalies (r) {
  const out = []
  const all = [...r.runs, ...(r.profile ? [r.profile.run] : [])]
  all.forEach((run, i) => {
    const name = i < r.runs.length ? `run ${i + 1}` : 'profiled run'
    if (Object.keys(run.errors).length > 0) out.push(`${name}: HTTP errors ${JSON.stringify(run.errors)}: ${run.firstError}`)
    if (run.warmupErrors > 0) out.push(`${name}: ${run.warmupErrors} HTTP errors during warm-up`)
    if (run.duplicate > 0) out.push(`${name}: ${run.duplicate} values reported duplicate, though every timestamp is new`)
    if (run.rejected > 0) out.push(`${name}: ${run.rejected} values rejected: ${JSON.stringify(run.reasons)}`)
    if (run.stored !== run.records * V1_CATALOG_FIELDS) out.push(`${name}: stored ${run.stored} values for ${run.records} records, expected ${V1_CATALOG_FIELDS} per record`)
    if (run.ignored !== run.records * (V1_FIELDS.length - V1_CATALOG_FIELDS)) out.push(`${name}: ignored ${run.ignored} values for ${run.records} records, expected ${V1_FIELDS.length - V1_CATALOG_FIELDS} per record`)
    if (run.stored + run.warmupStored !== run.store.cells) out.push(`${name}: responses say ${run.stored + run.warmupStored} values stored, the samples table holds ${run.store.cells}`)
    if (run.store.ledger.samples !== run.store.cells) out.push(`${name}: the contribution ledger counts ${run.store.ledger.samples} on-time samples, the samples table holds ${run.store.cells} (all are on time)`)
    if (run.store.cells !== run.store.installationsTotal) out.push(`${name}: installations.samples_total sums to ${run.store.installationsTotal}, the samples table holds ${run.store.cells}`)
    if (run.exhausted) out.push(`${name}: installations ran out of timestamps; use more --installations`)
    if (run.serverExit !== 0) out.push(`${name}: the server exited with ${run.serverExit} on SIGTERM`)
  })
  r.baseline.forEach((b, i) => {
    if (Object.keys(b.errors).length > 0) out.push(`baseline ${i + 1}: HTTP errors ${JSON.stringify(b.errors)}: ${b.firstError}`)
  })
  for (const [i, p] of (r.v2?.posts ?? []).entries()) {
    if (p.status !== 200) out.push(`v2 post ${i + 1}: HTTP ${p.status}: ${p.error}`)
    else if (p.stored !== r.v2.expectedStored || p.duplicate > 0 || p.rejected > 0) out.push(`v2 post ${i + 1}: stored ${p.stored} (expected ${r.v2.expectedStored}), duplicate ${p.duplicate}, rejected ${p.rejected}`)
  }
  return out
}

// ---------------------------------------------------------------- main

async function main () {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run \`npm run build\` first`)
  const m = machine()
  logHeader('bench:ingest', m, opts)

  // Request bodies: serialised now, patched per request (payloads.mjs). Each run has a fresh
  // store, so every run posts the same data. Timestamps are recent, 1 s apart (upstream's
  // realtime mode), starting 47 h ago: all of it arrives "on time" for the contribution ledger,
  // so the ledger's path is measured too, and an installation can send ~169 000 records per run.
  const rand = prng(opts.seed)
  const installations = Array.from({ length: opts.installations }, () => uuidFrom(rand))
  const nowS = Math.floor(Date.now() / 1000)
  const intervalS = 1
  const firstTsS = nowS - 47 * 3600
  const t = performance.now()
  const factory = v1BatchFactory({ records: opts.records, firstTsS, intervalS, seed: opts.seed })
  const capacity = factory.capacity(nowS - 60)
  const newSource = () => batchSource(factory, installations, capacity)
  const bodyBytes = factory.bytes
  log(`prepared v1 batch templates: ${opts.records} records, ${fmt(bodyBytes / 1024)} KiB per batch, in ${fmt(performance.now() - t)} ms`)

  const runs = []
  const baseline = []
  for (let i = 0; i < opts.runs; i++) {
    // Interleaved, so slow drift of the machine affects both series alike.
    const b = await baselineRun(newSource)
    baseline.push(b)
    log(`run ${i + 1}/${opts.runs} baseline: ${fmt(b.recordsPerS)} records/s, p50 ${fmt(b.p50Ms, 1)} ms, p99 ${fmt(b.p99Ms, 1)} ms, client CPU ${fmt(b.clientCpuPct)} %, server CPU ${fmt(b.serverCpuPct)} %, machine ${fmtMachine(b.machineCpu)}, others ~${fmt(b.otherCpuPct)} %${Object.keys(b.errors).length ? `, errors ${JSON.stringify(b.errors)} ${b.firstError}` : ''}`)
    const h = await heatpoolRun(newSource)
    runs.push(h)
    log(`run ${i + 1}/${opts.runs} heatpool: ${fmt(h.recordsPerS)} records/s, ${fmt(h.storedPerS)} samples stored/s, p50 ${fmt(h.p50Ms, 1)} ms, p99 ${fmt(h.p99Ms, 1)} ms, ` +
      `server CPU ${fmt(h.serverCpuPct)} % (main thread ${fmt(h.serverMainThreadPct)} %), client CPU ${fmt(h.clientCpuPct)} %, machine ${fmtMachine(h.machineCpu)}, others ~${fmt(h.otherCpuPct)} %, ` +
      `${fmt(h.store.bytesPerSample, 2)} B/sample, stored incl. warm-up ${fmt(h.stored + h.warmupStored)} = cells ${fmt(h.store.cells)} = installations.samples_total ${fmt(h.store.installationsTotal)}` +
      `${h.duplicate || h.rejected ? `, duplicate ${h.duplicate}, rejected ${h.rejected} ${JSON.stringify(h.reasons)}` : ''}` +
      `${Object.keys(h.errors).length ? `, errors ${JSON.stringify(h.errors)} ${h.firstError}` : ''}${h.exhausted ? ', INSTALLATIONS RAN OUT OF TIMESTAMPS (use more --installations)' : ''}`)
    if (h.serverOutput) log(`  server output: ${h.serverOutput.slice(0, 2000)}`)
  }

  let profile = null
  if (opts.profile) {
    const dir = tempDir('heatpool-prof-')
    const run = await heatpoolRun(newSource, { cpuProfDir: dir })
    const kept = keepCpuProfile(dir, `ingest-${opts.synchronous}-${fileStamp(m.date)}`)
    if (kept === null) throw new Error('the profiled server wrote no .cpuprofile (did it exit cleanly?)')
    removeDir(dir)
    const summary = summariseCpuProfile(kept, run.windowUs)
    profile = { run, summary, stages: stagesOf(summary), file: kept }
    log(`profiled run: ${fmt(run.recordsPerS)} records/s; profile kept at ${kept}`)
  }

  const v2 = opts.v2Posts > 0 ? await v2Phase(opts.seed + 1000) : null
  if (v2) log(`v2 batch: ${fmt(v2.bodyBytes)} bytes, ${v2.posts.map((p) => `${p.status} ${fmt(p.ms)} ms stored ${p.stored} dup ${p.duplicate} rej ${p.rejected} ign ${p.ignored}${p.error ? ` ${p.error}` : ''}`).join('; ')}`)

  const totals = (k) => runs.reduce((a, r) => a + r[k], 0)
  const summary = {
    recordsPerS: median(runs.map((r) => r.recordsPerS)),
    storedPerS: median(runs.map((r) => r.storedPerS)),
    postedValuesPerS: median(runs.map((r) => r.postedValuesPerS)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    serverCpuPct: median(runs.map((r) => r.serverCpuPct)),
    serverMainThreadPct: median(runs.map((r) => r.serverMainThreadPct)),
    clientCpuPct: median(runs.map((r) => r.clientCpuPct)),
    baselineRecordsPerS: median(baseline.map((r) => r.recordsPerS)),
    baselineClientCpuPct: median(baseline.map((r) => r.clientCpuPct)),
    baselineServerCpuPct: median(baseline.map((r) => r.serverCpuPct)),
    machineCpu: medianShare(runs.map((r) => r.machineCpu)),
    otherCpuPct: median([...runs, ...baseline].map((r) => r.otherCpuPct)),
    baselineMachineCpu: medianShare(baseline.map((r) => r.machineCpu)),
    bytesPerSample: median(runs.map((r) => r.store.bytesPerSample)),
    fileBytesPerSample: median(runs.map((r) => (r.store.files.db + r.store.files.wal) / r.store.cells)),
    writeBytesPerStored: median(runs.map((r) => r.serverWriteBytes / r.stored)),
    storedPerRecord: totals('stored') / totals('records'),
    ignoredPerRecord: totals('ignored') / totals('records'),
    duplicate: totals('duplicate'),
    rejected: totals('rejected'),
    errors: runs.reduce((a, r) => a + Object.values(r.errors).reduce((x, y) => x + y, 0), 0),
  }
  summary.ratio = summary.recordsPerS / summary.baselineRecordsPerS
  const result = {
    machine: m,
    command: commandLine('bench:ingest'),
    options: opts,
    bodyBytes,
    summary,
    runs,
    baseline,
    v2,
    profile: profile && { run: profile.run, file: profile.file, stages: profile.stages, summary: { ...profile.summary, self: profile.summary.self.slice(0, 40), total: profile.summary.total.slice(0, 60) } },
  }

  const json = saveResults(`ingest-${opts.synchronous}-${fileStamp(m.date)}`, result)
  log('')
  log(resultsMarkdown(result))
  if (profile) {
    log('')
    log('Top total (inclusive) time in heatpool code:')
    for (const line of topHeatpoolLines(profile.summary, 20)) log(line)
  }
  log('')
  log(`results: ${json}`)
  if (opts.writeDocs) {
    writeDocs(result)
    log(`updated ${DOCS}`)
  }
  reportAnomalies(anomalies(result))
}

await runMain(main)
