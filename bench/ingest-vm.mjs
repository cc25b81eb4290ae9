// The ingest benchmark's VictoriaMetrics mode (docs/BENCHMARKS.md, "Ingest on VictoriaMetrics"):
// `npm run bench:ingest -- --store victoriametrics [--database sqlite|postgres]`, run by bench/ingest.mjs
// with its options.
//
// Contract: loopback only (127.0.0.1), bounded in time (a watchdog ends it), and every child
// process, temp directory and PostgreSQL database it creates is removed on exit, failure or Ctrl-C.
//
// Each run (interleaved, so slow drift of the shared machine affects every series alike):
//   1. "direct, line protocol": a fresh VictoriaMetrics; the same records as heatpool's runs, in
//      heatpool's series layout, posted by the same closed-loop clients to `/write?precision=ms`;
//   2. "direct, JSON import": the same, as JSON lines to `/api/v1/import`;
//   3. heatpool: a fresh VictoriaMetrics and a fresh server (SAMPLE_STORE=victoriametrics,
//      VM_REPLAY_SECONDS=30, relational data in SQLite or a fresh PostgreSQL database), loaded
//      exactly as the embedded-store benchmark loads its server;
//   4. in the first --replay-off-runs runs, heatpool again with VM_REPLAY_SECONDS=0.
// After each run VictoriaMetrics is flushed and asked how many samples it holds.

import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import {
  commandLine, cpuProfFlags, DOCS, fileStamp, fmt, freePort, installCleanup, keepCpuProfile, log, logHeader, machine, median,
  removeDir, reportAnomalies, runMain, saveResults, serverEnv, SERVER_JS, SHARED_TOKEN as TOKEN, startChild, tempDir, withDocsBlock,
} from './common.mjs'
import { summariseCpuProfile, topHeatpoolLines } from './cpuprofile.mjs'
import { batchSource, countHeatpoolResponse, drive, fmtMachine, medianShare, post } from './ingest-load.mjs'
import { buildV2Batch, prng, uuidFrom, v1BatchFactory, V1_CATALOG_FIELDS, V1_FIELDS, V2_CATALOG_VALUES } from './payloads.mjs'
import { freshPostgres, pgQuery, startVictoriaMetrics, VM_BINARY, vmMetrics, vmSampleCount, vmVersionOf } from './vm.mjs'
import { checkDirectBodies, vmBodyFactory } from './vm-payloads.mjs'

/** Issue 5, item 7: heatpool's ingest reaches at least this share of VictoriaMetrics' direct rate. */
const GOAL_RATIO = 0.6
/** The format comparison calls a format faster only beyond this margin and with runs that do not overlap. */
const FORMAT_MARGIN = 0.10
const REPLAY_SECONDS = 30
/** How long after VictoriaMetrics' start heatpool's crash-safety log stops re-sending bodies, plus slack. */
const VM_SETTLE_MS = 6000

const FORMATS = {
  line: { name: 'line protocol', path: '/write?precision=ms', contentType: 'text/plain', vmRowsType: 'influx' },
  json: { name: 'JSON import', path: '/api/v1/import', contentType: 'application/json', vmRowsType: 'vmimport' },
}

export async function runVictoriaMetricsBench (opts) {
  // The planned phases plus generous slack (VictoriaMetrics and server start-up, flush and count per run).
  const phases = opts.runs * 3 + opts.replayOffRuns + (opts.profile ? 1 : 0)
  installCleanup(phases * (opts.durationS + opts.warmupS + 60) + opts.v2Posts * 30 + 180)
  await runMain(() => main(opts))
}

// ---------------------------------------------------------------- runs

/** Samples VictoriaMetrics holds and how many rows it says it inserted, per type. */
async function vmHolds (vm, expected) {
  let held = await vmSampleCount(vm.port)
  let recount = null
  if (held.samples !== expected) {
    // Not what the answers confirmed: ask again a little later, to tell late visibility from loss.
    await sleep(3000)
    recount = await vmSampleCount(vm.port)
    held = recount
  }
  const metrics = await vmMetrics(vm.port)
  const rows = Object.fromEntries(Object.values(FORMATS).map((f) => [f.vmRowsType, metrics.get(`vm_rows_inserted_total{type="${f.vmRowsType}"}`) ?? 0]))
  return { samples: held.samples, series: held.series, recounted: recount !== null, rows, version: vmVersionOf(metrics) }
}

/** The relational store's view of a stopped server: installations' totals, ledger, recent writes. */
async function relationalTotals (opts, dataDir, db) {
  const queries = {
    installationsTotal: 'SELECT coalesce(sum(samples_total), 0) AS n FROM installations',
    ledgerSamples: 'SELECT coalesce(sum(samples), 0) AS n FROM ledger_days',
    recentWrites: 'SELECT count(*) AS n FROM recent_sample_writes',
  }
  const out = {}
  if (db) {
    for (const [k, sql] of Object.entries(queries)) out[k] = Number((await pgQuery(db.url, sql))[0].n)
    return out
  }
  const sqlite = new Database(join(dataDir, 'heatpool.db'), { readonly: true, fileMustExist: true })
  try {
    for (const [k, sql] of Object.entries(queries)) out[k] = Number(sqlite.prepare(sql).get().n)
  } finally {
    sqlite.close()
  }
  return out
}

/** A heatpool server on a fresh VictoriaMetrics (and PostgreSQL database); `fn(server)`, then everything is stopped and removed. */
async function withHeatpool (opts, { replaySeconds, cpuProfDir }, fn) {
  const vm = await startVictoriaMetrics()
  const vmStarted = performance.now()
  const db = opts.database === 'postgres' ? await freshPostgres() : null
  const dataDir = tempDir('heatpool-bench-')
  let server = null
  try {
    // The crash-safety log re-sends, once, every body written less than 5 s after VictoriaMetrics
    // started (recent-writes.ts CLOCK_MARGIN_MS: its clock and ours may disagree). A long-running
    // VictoriaMetrics never sees that; wait it out so the runs measure the steady state.
    if (replaySeconds > 0) await sleep(Math.max(0, VM_SETTLE_MS - (performance.now() - vmStarted)))
    const port = await freePort()
    const env = serverEnv({
      port,
      dataDir,
      AUTH_TOKEN: TOKEN,
      RATE_LIMIT_PER_MINUTE: '100000000',
      RATE_LIMIT_IP_PER_MINUTE: '100000000',
      RATE_LIMIT_REGISTRATIONS_PER_HOUR: '100000000',
      SQLITE_SYNCHRONOUS: opts.synchronous,
      SAMPLE_STORE: 'victoriametrics',
      VM_URL: vm.url,
      VM_REPLAY_SECONDS: String(replaySeconds),
      ...(db ? { DATABASE_URL: db.url } : {}),
    })
    // cwd = the data dir, so a developer's .env in the repository cannot change the benchmark.
    server = await startChild({ name: 'heatpool server', args: [...cpuProfFlags(cpuProfDir), SERVER_JS], env, port, cwd: dataDir })
    const result = await fn(server, vm)
    const exit = await server.stop()
    if (exit.code !== 0) process.stderr.write(`bench: heatpool server exited with ${exit.code ?? exit.signal}\n${server.output()}\n`)
    const relational = await relationalTotals(opts, dataDir, db)
    const held = await vmHolds(vm, result.stored === undefined ? relational.installationsTotal : result.stored + result.warmupStored)
    return { ...result, relational, vmHeld: held.samples, vmSeries: held.series, vmRecounted: held.recounted, vmRows: held.rows, serverExit: exit.code ?? exit.signal, serverOutput: server.output().trim() }
  } finally {
    if (server) await server.stop()
    await vm.stop()
    if (db) await db.drop()
    removeDir(dataDir)
  }
}

async function heatpoolRun (opts, newSource, { replaySeconds = REPLAY_SECONDS, cpuProfDir } = {}) {
  return withHeatpool(opts, { replaySeconds, cpuProfDir }, async (server, vm) => drive({
    port: server.port,
    source: newSource(),
    warmupMs: opts.warmupS * 1000,
    durationMs: opts.durationS * 1000,
    pid: server.pid,
    extraPids: { vm: vm.pid },
    path: '/api/v1/submit',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    count: countHeatpoolResponse,
    valuesPerRecord: V1_FIELDS.length,
  }))
}

/** The same records straight to VictoriaMetrics in `format`; VictoriaMetrics is the measured "server". */
async function directRun (opts, format, factory, newSource) {
  const vm = await startVictoriaMetrics()
  try {
    const f = FORMATS[format]
    const load = await drive({
      port: vm.port,
      source: newSource(factory),
      warmupMs: opts.warmupS * 1000,
      durationMs: opts.durationS * 1000,
      pid: vm.pid,
      path: f.path,
      headers: { 'content-type': f.contentType },
      okStatus: 204,
      count: (m) => { m.records += opts.records; m.stored += factory.samplesPerBody },
      valuesPerRecord: V1_FIELDS.length,
    })
    const held = await vmHolds(vm, load.stored + load.warmupStored)
    return { ...load, format, vmCpuPct: load.serverCpuPct, vmHeld: held.samples, vmSeries: held.series, vmRecounted: held.recounted, vmRows: held.rows, vmVersion: held.version }
  } finally {
    await vm.stop()
  }
}

/** One installation's v2 batches (as the embedded bench posts them) to a VictoriaMetrics-backed server. */
async function v2Phase (opts, seed) {
  const rand = prng(seed)
  const installationId = uuidFrom(rand)
  const records = 500
  const intervalS = 30
  const firstTsS = Math.floor(Date.now() / 1000) - 60 - opts.v2Posts * records * intervalS
  const bodies = Array.from({ length: opts.v2Posts }, (_, k) =>
    buildV2Batch({ installationId, records, firstTsS: firstTsS + k * records * intervalS, intervalS, seed: seed + k + 1 }))
  const posts = []
  const res = await withHeatpool(opts, { replaySeconds: REPLAY_SECONDS }, async (server) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    try {
      for (const body of bodies) {
        const r = await post(agent, server.port, '/api/v1/submit', { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body)
        const ok = r.status === 200 ? JSON.parse(r.body.toString('utf8')) : null
        posts.push({ bytes: body.length, status: r.status, ms: r.ms, stored: ok?.values.stored ?? 0, duplicate: ok?.values.duplicate ?? 0, rejected: ok?.values.rejected ?? 0, error: ok ? null : r.body.toString('utf8').slice(0, 300) })
      }
    } finally {
      agent.destroy()
    }
    return {}
  })
  return { posts, bodyBytes: median(posts.map((p) => p.bytes)), medianMs: median(posts.filter((p) => p.status === 200).map((p) => p.ms)), expectedStored: records * V2_CATALOG_VALUES, vmHeld: res.vmHeld }
}

// ---------------------------------------------------------------- figures

/** Server CPU ms per 500-record batch, VictoriaMetrics CPU µs per stored sample. */
function perUnit (run, records) {
  const batches = run.records / records
  return {
    serverCpuMsPerBatch: run.serverCpuPct === undefined ? NaN : run.serverCpuPct / 100 * run.elapsedS * 1000 / batches,
    vmCpuUsPerSample: run.vmCpuPct / 100 * run.elapsedS * 1e6 / run.stored,
  }
}

function summarise (opts, r) {
  const med = (runs, f) => median(runs.map(f))
  const s = {
    recordsPerS: med(r.runs, (x) => x.recordsPerS),
    storedPerS: med(r.runs, (x) => x.storedPerS),
    p50Ms: med(r.runs, (x) => x.p50Ms),
    p99Ms: med(r.runs, (x) => x.p99Ms),
    serverCpuPct: med(r.runs, (x) => x.serverCpuPct),
    serverMainThreadPct: med(r.runs, (x) => x.serverMainThreadPct),
    serverCpuMsPerBatch: med(r.runs, (x) => perUnit(x, opts.records).serverCpuMsPerBatch),
    vmCpuPct: med(r.runs, (x) => x.vmCpuPct),
    vmCpuUsPerSample: med(r.runs, (x) => perUnit(x, opts.records).vmCpuUsPerSample),
    clientCpuPct: med(r.runs, (x) => x.clientCpuPct),
    machineCpu: medianShare(r.runs.map((x) => x.machineCpu)),
    otherCpuPct: med([...r.runs, ...r.line, ...r.json], (x) => x.otherCpuPct),
    ratioPerRun: r.runs.map((x, i) => x.recordsPerS / r.line[i].recordsPerS),
  }
  for (const f of Object.keys(FORMATS)) {
    const runs = r[f]
    s[f] = {
      recordsPerS: med(runs, (x) => x.recordsPerS),
      storedPerS: med(runs, (x) => x.storedPerS),
      p50Ms: med(runs, (x) => x.p50Ms),
      p99Ms: med(runs, (x) => x.p99Ms),
      vmCpuPct: med(runs, (x) => x.vmCpuPct),
      vmCpuUsPerSample: med(runs, (x) => perUnit(x, opts.records).vmCpuUsPerSample),
      clientCpuPct: med(runs, (x) => x.clientCpuPct),
      machineCpu: medianShare(runs.map((x) => x.machineCpu)),
      min: Math.min(...runs.map((x) => x.storedPerS)),
      max: Math.max(...runs.map((x) => x.storedPerS)),
    }
  }
  s.ratio = s.recordsPerS / s.line.recordsPerS
  s.jsonOverLine = s.json.storedPerS / s.line.storedPerS
  s.formatVerdict = s.jsonOverLine > 1 + FORMAT_MARGIN && s.json.min > s.line.max
    ? 'json'
    : s.jsonOverLine < 1 / (1 + FORMAT_MARGIN) && s.line.min > s.json.max ? 'line' : 'none'
  if (r.replayOff.length > 0) {
    s.replayOff = {
      recordsPerS: med(r.replayOff, (x) => x.recordsPerS),
      serverCpuMsPerBatch: med(r.replayOff, (x) => perUnit(x, opts.records).serverCpuMsPerBatch),
      // Each replay-off run against the replay-on run of the same iteration.
      onOverOff: r.replayOff.map((x, i) => r.runs[i].recordsPerS / x.recordsPerS),
    }
  }
  return s
}

// ---------------------------------------------------------------- report

/**
 * Profile stages for the VictoriaMetrics store: inclusive time of one function each, by label
 * prefix; indented lines are part of the line above, "not nested" lines overlap the others.
 */
const STAGES = [
  ['request body: sha256 + parse (plugins/body.js content parser)', '(anonymous) (packages/server/dist/plugins/body.js', 'top'],
  ['normaliseSubmission (iDM map, plausibility)', 'normaliseSubmission (', 'top'],
  ['ingest transaction body up to its first await (submit-service.js)', '(anonymous) (packages/server/dist/ingest/submit-service.js', 'top'],
  ['sample store write after its first await (VictoriaMetricsSampleStore #write)', '#write (packages/server/dist/store/victoriametrics/sample-store.js', 'top'],
  ['  of which planWrite (which values are new)', 'planWrite (packages/server/dist/store/victoriametrics/write-plan.js'],
  ['  of which encodeLineProtocol', 'encodeLineProtocol (packages/server/dist/store/victoriametrics/series.js'],
  ['  of which formatNumber (number → text)', 'formatNumber (packages/server/dist/store/victoriametrics/series.js'],
  ['  of which the POST to VictoriaMetrics (client.js, undici)', 'post (packages/server/dist/store/victoriametrics/client.js'],
  ['the recent-writes INSERT of the body (VM_REPLAY_SECONDS)', 'record (packages/server/dist/store/victoriametrics/recent-writes.js', 'top'],
  ['updateRollups (hourly and daily rollups)', 'updateRollups (packages/server/dist/ingest/rollup-updater.js', 'top'],
  ['COMMIT (Kysely commitTransaction)', 'commitTransaction (kysely/dist/esm/driver/runtime-driver.js', 'top'],
  ['response: Fastify serialise + send', 'Reply.send (fastify/lib/reply.js', 'top'],
  ['garbage collector', '(garbage collector)', 'top'],
  ['not nested: every relational statement (Kysely executeQuery, incl. COMMIT)', 'executeQuery (kysely/'],
  ['not nested: undici (the HTTP client to VictoriaMetrics), self time', 'undici'],
]

function stagesOf (summary) {
  const out = STAGES.map(([stage, prefix, top]) => {
    const hit = prefix === 'undici'
      ? { label: 'undici', ms: summary.groups.find((g) => g.group === 'undici')?.ms ?? 0 }
      : summary.total.find((f) => f.label.startsWith(prefix))
    return { stage, top: top === 'top', label: hit?.label ?? null, ms: hit?.ms ?? 0, pct: (hit?.ms ?? 0) / summary.busyMs * 100 }
  })
  const topPct = out.filter((s) => s.top).reduce((a, s) => a + s.pct, 0)
  out.splice(out.findIndex((s) => s.stage.startsWith('not nested')), 0,
    { stage: 'everything else (HTTP, routing, hooks, auth, validation, scheduling, socket writes)', top: true, label: null, ms: null, pct: 100 - topPct })
  return out
}

const shortLabel = (label) => (label.startsWith('RegExp: ') ? `RegExp ${label.slice(8, 48)}… (native)` : label)
const range = (runs, f, d = 0) => `${fmt(Math.min(...runs.map(f)), d)}–${fmt(Math.max(...runs.map(f)), d)}`

function resultsMarkdown (r) {
  const { machine: m, options: o, summary: s } = r
  const relational = o.database === 'postgres' ? 'PostgreSQL 15 (a fresh database per run)' : `SQLite under DATA_DIR (\`SQLITE_SYNCHRONOUS=${o.synchronous}\`)`
  const L = []
  L.push(`### Results: VictoriaMetrics + ${o.database === 'postgres' ? 'PostgreSQL' : 'SQLite'}`)
  L.push('')
  L.push(`- Machine: ${m.cpuModel}, ${m.cpuCount} vCPUs (shared by client, server and VictoriaMetrics), ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}; ${r.vmVersion}`)
  L.push(`- Date: ${m.date}`)
  L.push(`- Command: \`${r.command}\``)
  L.push(`- Load: ${o.concurrency} closed-loop clients, ${o.durationS} s measured after ${o.warmupS} s warm-up, ${o.records}-record v1 batches (${fmt(r.bodyBytes.v1 / 1024)} KiB; ` +
    `${V1_FIELDS.length} fields per record, ${V1_CATALOG_FIELDS} stored), ${o.installations} installations; relational store ${relational}; a fresh VictoriaMetrics per run. ` +
    `Direct bodies: the same ${fmt(o.records * V1_CATALOG_FIELDS)} samples per batch, line protocol ${fmt(r.bodyBytes.line / 1024)} KiB, JSON lines ${fmt(r.bodyBytes.json / 1024)} KiB.`)
  L.push('')
  L.push('| run | heatpool records/s | samples/s | p50 ms | p99 ms | server CPU (main thread) | server CPU ms / batch | VM CPU | VM CPU µs / sample | direct (line protocol) records/s | samples/s | VM CPU µs / sample | heatpool ÷ direct |')
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  r.runs.forEach((h, i) => {
    const d = r.line[i]
    L.push(`| ${i + 1} | ${fmt(h.recordsPerS)} | ${fmt(h.storedPerS)} | ${fmt(h.p50Ms, 1)} | ${fmt(h.p99Ms, 1)} | ${fmt(h.serverCpuPct)} % (${fmt(h.serverMainThreadPct)} %) | ${fmt(perUnit(h, o.records).serverCpuMsPerBatch, 2)} | ` +
      `${fmt(h.vmCpuPct)} % | ${fmt(perUnit(h, o.records).vmCpuUsPerSample, 2)} | ${fmt(d.recordsPerS)} | ${fmt(d.storedPerS)} | ${fmt(perUnit(d, o.records).vmCpuUsPerSample, 2)} | ${fmt(s.ratioPerRun[i], 3)} |`)
  })
  L.push(`| **median** | **${fmt(s.recordsPerS)}** | **${fmt(s.storedPerS)}** | ${fmt(s.p50Ms, 1)} | ${fmt(s.p99Ms, 1)} | ${fmt(s.serverCpuPct)} % (${fmt(s.serverMainThreadPct)} %) | ${fmt(s.serverCpuMsPerBatch, 2)} | ` +
    `${fmt(s.vmCpuPct)} % | ${fmt(s.vmCpuUsPerSample, 2)} | **${fmt(s.line.recordsPerS)}** | **${fmt(s.line.storedPerS)}** | ${fmt(s.line.vmCpuUsPerSample, 2)} | **${fmt(s.ratio, 3)}** |`)
  L.push('')
  L.push(`- Goal: heatpool ≥ ${GOAL_RATIO} × VictoriaMetrics' direct rate. Measured: ${fmt(s.ratio, 3)} (medians; per run ${s.ratioPerRun.map((x) => fmt(x, 3)).join(', ')}): ` +
    `**${s.ratio >= GOAL_RATIO ? 'met' : 'not met'}**.`)
  L.push(`- CPU (medians; 100 % = one core): heatpool runs: server ${fmt(s.serverCpuPct)} % (main thread ${fmt(s.serverMainThreadPct)} %), VictoriaMetrics ${fmt(s.vmCpuPct)} %, client ${fmt(s.clientCpuPct)} %; ` +
    `whole machine ${fmtMachine(s.machineCpu)}. Direct line protocol: VictoriaMetrics ${fmt(s.line.vmCpuPct)} %, client ${fmt(s.line.clientCpuPct)} %; whole machine ${fmtMachine(s.line.machineCpu)}. ` +
    `Other processes ~${fmt(s.otherCpuPct)} % of one core.`)
  L.push(`- Latency of the direct posts (line protocol, ${fmt(o.records * V1_CATALOG_FIELDS)} samples each): p50 ${fmt(s.line.p50Ms, 1)} ms, p99 ${fmt(s.line.p99Ms, 1)} ms.`)
  L.push('')
  L.push('Format comparison, straight to VictoriaMetrics, same samples and clients, interleaved with the runs above:')
  L.push('')
  L.push('| run | line protocol samples/s | VM CPU | VM CPU µs / sample | JSON import samples/s | VM CPU | VM CPU µs / sample | JSON ÷ line |')
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|')
  r.line.forEach((a, i) => {
    const b = r.json[i]
    L.push(`| ${i + 1} | ${fmt(a.storedPerS)} | ${fmt(a.vmCpuPct)} % | ${fmt(perUnit(a, o.records).vmCpuUsPerSample, 2)} | ${fmt(b.storedPerS)} | ${fmt(b.vmCpuPct)} % | ${fmt(perUnit(b, o.records).vmCpuUsPerSample, 2)} | ${fmt(b.storedPerS / a.storedPerS, 3)} |`)
  })
  L.push(`| **median** | **${fmt(s.line.storedPerS)}** | ${fmt(s.line.vmCpuPct)} % | ${fmt(s.line.vmCpuUsPerSample, 2)} | **${fmt(s.json.storedPerS)}** | ${fmt(s.json.vmCpuPct)} % | ${fmt(s.json.vmCpuUsPerSample, 2)} | **${fmt(s.jsonOverLine, 3)}** |`)
  L.push('')
  const verdict = {
    json: `JSON import is faster by more than ${FORMAT_MARGIN * 100} % with non-overlapping runs`,
    line: `line protocol is faster by more than ${FORMAT_MARGIN * 100} % with non-overlapping runs`,
    none: `neither format is faster by more than ${FORMAT_MARGIN * 100} % with non-overlapping runs`,
  }[s.formatVerdict]
  L.push(`- Verdict: ${verdict} (line protocol ${range(r.line, (x) => x.storedPerS)}, JSON import ${range(r.json, (x) => x.storedPerS)} samples/s).`)
  if (s.replayOff) {
    L.push(`- Crash-safety log (\`VM_REPLAY_SECONDS\`): with 0 (no copy of each body in \`recent_sample_writes\`) ${r.replayOff.map((x) => `${fmt(x.recordsPerS)} records/s, server CPU ${fmt(perUnit(x, o.records).serverCpuMsPerBatch, 2)} ms / batch, p50 ${fmt(x.p50Ms, 1)} ms`).join('; ')} ` +
      `(run${r.replayOff.length > 1 ? 's' : ''} ${r.replayOff.map((_, i) => i + 1).join(', ')} of the table had ${r.replayOff.map((_, i) => `${fmt(r.runs[i].recordsPerS)} records/s, ${fmt(perUnit(r.runs[i], o.records).serverCpuMsPerBatch, 2)} ms / batch`).join('; ')} with ${REPLAY_SECONDS}): ` +
      `throughput with the log ÷ without: ${s.replayOff.onOverOff.map((x) => fmt(x, 3)).join(', ')}.`)
  }
  const held = (runs) => runs.map((x) => `${fmt(x.vmHeld)} / ${fmt(x.stored + x.warmupStored)}`).join(', ')
  L.push(`- Checks: samples VictoriaMetrics holds after each run / samples the answers confirmed (incl. warm-up): heatpool ${held(r.runs)}; direct line protocol ${held(r.line)}; JSON import ${held(r.json)}` +
    `${r.replayOff.length ? `; replay off ${held(r.replayOff)}` : ''}. Per record heatpool stored ${fmt(s.storedPerRecord, 2)} values (expected ${V1_CATALOG_FIELDS}); HTTP errors ${fmt(s.errors)}.`)
  if (r.v2) {
    const v = r.v2
    L.push(`- One v2 batch (500 records × 137 values, ${fmt(v.bodyBytes / 1e6, 2)} MB): median ${fmt(v.medianMs)} ms to 200 over ${v.posts.length} posts (${v.posts.map((p) => fmt(p.ms)).join(', ')} ms); ` +
      `stored ${fmt(median(v.posts.map((p) => p.stored)))} values per batch (expected ${v.expectedStored}); VictoriaMetrics holds ${fmt(v.vmHeld)}.`)
  }
  if (r.profile) {
    const p = r.profile
    L.push('')
    L.push(`Server CPU profile (one extra heatpool run under \`--cpu-prof\`, not in the table: ${fmt(p.run.recordsPerS)} records/s; samples of the measured ${o.durationS} s only; ` +
      `main thread busy ${fmt(p.summary.busyMs / p.summary.totalMs * 100, 1)} % of wall time, GC ${fmt(p.summary.gcMs / p.summary.busyMs * 100, 1)} % of busy). Top self time:`)
    L.push('')
    L.push('| self % of busy | function | package |')
    L.push('|---:|---|---|')
    for (const f of p.summary.self.slice(0, 15)) L.push(`| ${fmt(f.ms / p.summary.busyMs * 100, 1)} | \`${shortLabel(f.label)}\` | ${f.group} |`)
    L.push('')
    L.push('By package (self time): ' + p.summary.groups.slice(0, 10).map((g) => `${g.group} ${fmt(g.ms / p.summary.busyMs * 100, 1)} %`).join(', ') + '.')
    L.push('')
    L.push('Stages (inclusive time, % of busy; an `await` ends a stack, so each line is the part of the stage that ran in its own frame; indented lines are part of the line above):')
    L.push('')
    L.push('| % of busy | stage |')
    L.push('|---:|---|')
    for (const st of p.stages) L.push(`| ${fmt(st.pct, 1)} | ${st.stage.replace(/^( +)/, (sp) => '&nbsp;'.repeat(sp.length * 2))} |`)
  }
  return L.join('\n')
}

const SECTION = '## Ingest on VictoriaMetrics'
const PLACEHOLDER = '<!-- bench:ingest-vm:results -->'

/** Replaces (or adds) this relational store's generated block in the "Ingest on VictoriaMetrics" section. */
function writeDocs (r) {
  let text = readFileSync(DOCS, 'utf8')
  if (!text.includes(PLACEHOLDER) && !text.includes(`<!-- bench:ingest-vm:${r.options.database}:start`)) {
    // No section yet: a bare one before the next top-level section after "## Ingest".
    const at = text.indexOf('\n## ', text.indexOf('## Ingest') + 1)
    const section = `${SECTION}\n\n${PLACEHOLDER}\n\n`
    text = at < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, at + 1)}${section}${text.slice(at + 1)}`
  }
  writeFileSync(DOCS, withDocsBlock(text, {
    start: `<!-- bench:ingest-vm:${r.options.database}:start (generated by bench/ingest.mjs --store victoriametrics --write-docs) -->`,
    end: `<!-- bench:ingest-vm:${r.options.database}:end -->`,
    body: resultsMarkdown(r),
    placeholder: PLACEHOLDER,
  }))
}

/** What must not happen: each is a finding, and the exit code is 1. */
function anomalies (r) {
  const out = [...r.bodyProblems]
  const expectedStored = (run) => run.records * V1_CATALOG_FIELDS
  const heatpoolRuns = [
    ...r.runs.map((x, i) => [`heatpool run ${i + 1}`, x]),
    ...r.replayOff.map((x, i) => [`replay-off run ${i + 1}`, x]),
    ...(r.profile ? [['profiled run', r.profile.run]] : []),
  ]
  for (const [name, run] of heatpoolRuns) {
    if (Object.keys(run.errors).length > 0) out.push(`${name}: HTTP errors ${JSON.stringify(run.errors)}: ${run.firstError}`)
    if (run.warmupErrors > 0) out.push(`${name}: ${run.warmupErrors} HTTP errors during warm-up`)
    if (run.duplicate > 0) out.push(`${name}: ${run.duplicate} values reported duplicate, though every timestamp is new`)
    if (run.rejected > 0) out.push(`${name}: ${run.rejected} values rejected: ${JSON.stringify(run.reasons)}`)
    if (run.stored !== expectedStored(run)) out.push(`${name}: stored ${run.stored} values for ${run.records} records, expected ${V1_CATALOG_FIELDS} per record`)
    const confirmed = run.stored + run.warmupStored
    if (run.vmHeld !== confirmed) {
      out.push(`${name}: the answers confirmed ${confirmed} stored samples, VictoriaMetrics holds ${run.vmHeld} in ${run.vmSeries} series ` +
        `(also after 3 s more and a second flush; its vm_rows_inserted_total{type="influx"} is ${run.vmRows.influx}, re-sent bodies of the crash-safety log included)`)
    }
    if (run.relational.installationsTotal !== confirmed) out.push(`${name}: installations.samples_total sums to ${run.relational.installationsTotal}, the answers confirmed ${confirmed}`)
    if (run.relational.ledgerSamples !== confirmed) out.push(`${name}: the contribution ledger counts ${run.relational.ledgerSamples} on-time samples, the answers confirmed ${confirmed} (all are on time)`)
    if (run.exhausted) out.push(`${name}: installations ran out of timestamps; use more --installations`)
    if (run.serverExit !== 0) out.push(`${name}: the server exited with ${run.serverExit} on SIGTERM`)
  }
  for (const f of Object.keys(FORMATS)) {
    r[f].forEach((run, i) => {
      const name = `direct ${FORMATS[f].name} run ${i + 1}`
      if (Object.keys(run.errors).length > 0) out.push(`${name}: HTTP errors ${JSON.stringify(run.errors)}: ${run.firstError}`)
      if (run.warmupErrors > 0) out.push(`${name}: ${run.warmupErrors} HTTP errors during warm-up`)
      if (run.vmHeld !== run.stored + run.warmupStored) out.push(`${name}: VictoriaMetrics answered 204 for ${run.stored + run.warmupStored} samples and holds ${run.vmHeld}`)
      if (run.exhausted) out.push(`${name}: installations ran out of timestamps; use more --installations`)
    })
  }
  for (const [i, p] of (r.v2?.posts ?? []).entries()) {
    if (p.status !== 200) out.push(`v2 post ${i + 1}: HTTP ${p.status}: ${p.error}`)
    else if (p.stored !== r.v2.expectedStored || p.duplicate > 0 || p.rejected > 0) out.push(`v2 post ${i + 1}: stored ${p.stored} (expected ${r.v2.expectedStored}), duplicate ${p.duplicate}, rejected ${p.rejected}`)
  }
  if (r.v2 && r.v2.vmHeld !== r.v2.posts.reduce((a, p) => a + p.stored, 0)) out.push(`v2: the answers confirmed ${r.v2.posts.reduce((a, p) => a + p.stored, 0)} samples, VictoriaMetrics holds ${r.v2.vmHeld}`)
  return out
}

// ---------------------------------------------------------------- main

function logRun (label, x, records) {
  const u = perUnit(x, records)
  log(`${label}: ${fmt(x.recordsPerS)} records/s, ${fmt(x.storedPerS)} samples/s, p50 ${fmt(x.p50Ms, 1)} ms, p99 ${fmt(x.p99Ms, 1)} ms, ` +
    `${x.format ? '' : `server CPU ${fmt(x.serverCpuPct)} % (main ${fmt(x.serverMainThreadPct)} %, ${fmt(u.serverCpuMsPerBatch, 2)} ms/batch), `}` +
    `VM CPU ${fmt(x.vmCpuPct)} % (${fmt(u.vmCpuUsPerSample, 2)} µs/sample), client ${fmt(x.clientCpuPct)} %, machine ${fmtMachine(x.machineCpu)}, others ~${fmt(x.otherCpuPct)} %, ` +
    `VM holds ${fmt(x.vmHeld)} of ${fmt(x.stored + x.warmupStored)}${Object.keys(x.errors).length ? `, errors ${JSON.stringify(x.errors)} ${x.firstError}` : ''}${x.exhausted ? ', EXHAUSTED' : ''}`)
  if (x.serverOutput) log(`  server output: ${x.serverOutput.slice(0, 2000)}`)
}

async function main (opts) {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run \`npm run build\` first`)
  if (!existsSync(VM_BINARY)) throw new Error(`${VM_BINARY} is missing (apt-get install victoria-metrics, or set HEATPOOL_BENCH_VM_BINARY)`)
  const m = machine()
  logHeader('bench:ingest --store victoriametrics', m, opts)

  // The same bodies as the embedded-store bench (ingest.mjs main): same seed, installations and times.
  const rand = prng(opts.seed)
  const installations = Array.from({ length: opts.installations }, () => uuidFrom(rand))
  const nowS = Math.floor(Date.now() / 1000)
  const intervalS = 1
  const firstTsS = nowS - 47 * 3600
  const t = performance.now()
  const v1 = v1BatchFactory({ records: opts.records, firstTsS, intervalS, seed: opts.seed })
  const direct = Object.fromEntries(Object.keys(FORMATS).map((f) => [f, vmBodyFactory({ v1, records: opts.records, firstTsS, intervalS, seed: opts.seed, format: f })]))
  const capacity = v1.capacity(nowS - 60)
  const newSource = (factory = v1) => batchSource(factory, installations, capacity, opts)
  const bodyProblems = Object.values(direct).flatMap((f) => checkDirectBodies(f, v1, installations))
  const bodyBytes = { v1: v1.bytes, line: direct.line.bytes(2), json: direct.json.bytes(2) }
  log(`prepared batch templates in ${fmt(performance.now() - t)} ms: v1 ${fmt(bodyBytes.v1 / 1024)} KiB, line protocol ${fmt(bodyBytes.line / 1024)} KiB, JSON lines ${fmt(bodyBytes.json / 1024)} KiB per ${opts.records} records; ` +
    `direct bodies ${bodyProblems.length ? `DIFFER from heatpool's encoding: ${bodyProblems.join('; ')}` : 'carry exactly the samples heatpool\'s encoders write'}`)

  const r = { runs: [], line: [], json: [], replayOff: [] }
  for (let i = 0; i < opts.runs; i++) {
    for (const f of Object.keys(FORMATS)) {
      const d = await directRun(opts, f, direct[f], newSource)
      r[f].push(d)
      logRun(`run ${i + 1}/${opts.runs} direct ${FORMATS[f].name}`, d, opts.records)
    }
    const h = await heatpoolRun(opts, newSource)
    r.runs.push(h)
    logRun(`run ${i + 1}/${opts.runs} heatpool`, h, opts.records)
    if (i < opts.replayOffRuns) {
      const z = await heatpoolRun(opts, newSource, { replaySeconds: 0 })
      r.replayOff.push(z)
      logRun(`run ${i + 1}/${opts.runs} heatpool, VM_REPLAY_SECONDS=0`, z, opts.records)
    }
  }

  const version = r.line[0]?.vmVersion ?? 'VictoriaMetrics (version unknown)'
  log(`VictoriaMetrics: ${version}`)

  let profile = null
  if (opts.profile) {
    const dir = tempDir('heatpool-prof-')
    const run = await heatpoolRun(opts, newSource, { cpuProfDir: dir })
    const kept = keepCpuProfile(dir, `ingest-vm-${opts.database}-${fileStamp(m.date)}`)
    if (kept === null) throw new Error('the profiled server wrote no .cpuprofile (did it exit cleanly?)')
    removeDir(dir)
    const summary = summariseCpuProfile(kept, run.windowUs)
    profile = { run, summary, stages: stagesOf(summary), file: kept }
    logRun('profiled run', run, opts.records)
    log(`profile kept at ${kept}`)
  }

  const v2 = opts.v2Posts > 0 ? await v2Phase(opts, opts.seed + 1000) : null
  if (v2) log(`v2 batch: ${fmt(v2.bodyBytes)} bytes, ${v2.posts.map((p) => `${p.status} ${fmt(p.ms)} ms stored ${p.stored}${p.error ? ` ${p.error}` : ''}`).join('; ')}; VM holds ${fmt(v2.vmHeld)}`)

  const summary = summarise(opts, r)
  const totals = (k) => r.runs.reduce((a, x) => a + x[k], 0)
  summary.storedPerRecord = totals('stored') / totals('records')
  summary.errors = [...r.runs, ...r.line, ...r.json, ...r.replayOff].reduce((a, x) => a + Object.values(x.errors).reduce((p, q) => p + q, 0), 0)
  const result = {
    machine: m,
    vmVersion: version,
    command: commandLine('bench:ingest'),
    options: opts,
    bodyBytes,
    bodyProblems,
    summary,
    ...r,
    v2,
    profile: profile && { run: profile.run, file: profile.file, stages: profile.stages, summary: { ...profile.summary, self: profile.summary.self.slice(0, 40), total: profile.summary.total.slice(0, 80) } },
  }
  const json = saveResults(`ingest-vm-${opts.database}-${fileStamp(m.date)}`, result)
  log('')
  log(resultsMarkdown(result))
  if (profile) {
    log('')
    log('Top total (inclusive) time in heatpool code:')
    for (const line of topHeatpoolLines(profile.summary, 25)) log(line)
  }
  log('')
  log(`results: ${json}`)
  if (opts.writeDocs) {
    writeDocs(result)
    log(`updated ${DOCS}`)
  }
  reportAnomalies(anomalies(result))
}
