#!/usr/bin/env node
// Soak benchmark: a simulated fleet's day of uploads, compressed, against each sample store (docs/BENCHMARKS.md, "Soak").
//
//   npm run bench:soak -- [--duration 600] [--installations 10000] [--stores embedded,vm-postgres]
//                         [--pool 120] [--max-in-flight 64] [--rss-every 5] [--write-docs]
//
// Contract: loopback only (127.0.0.1), bounded in requests (the fleet's day), in-flight requests
// (--max-in-flight) and time (a watchdog ends it); every child process, temp directory and
// PostgreSQL database it creates is removed on exit, failure or Ctrl-C.
// Needs the server built (`npm run build`, which `npm run bench:soak` does first).
//
// Per store: a fresh server (and VictoriaMetrics and PostgreSQL database); all installations
// register first (POST /api/v2/installations, client-chosen tokens, as packages/sim does); then
// each installation uploads its day of records (packages/sim, 30–60 s interval: 3–6 batches of
// ≤ 500 records) at evenly spaced times from a random phase within a "day" of --duration seconds.
// Arrivals are open-loop (sent when due, however the server is doing) with at most
// --max-in-flight requests at once; a batch that is due while that many are in flight waits,
// and that wait is reported as lag. The server's RSS is read from /proc every --rss-every s.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import {
  commandLine, cpuOf, DOCS, fileStamp, fmt, freePort, installCleanup, log, logHeader, machine, parseFlags,
  percentile, removeDir, reportAnomalies, request, runMain, saveResults, serverEnv, SERVER_JS, startChild, tempDir, withDocsBlock,
} from './common.mjs'
import { fmtMachine, machineShare, machineStats, post } from './ingest-load.mjs'
import { BATCH_RECORDS, INTERVAL_RANGE_S, slope, soakFleet, soakSchedule } from './soak-fleet.mjs'
import { freshPostgres, pgQuery, startVictoriaMetrics, vmSampleCount } from './vm.mjs'

const STORES = {
  embedded: 'embedded (SQLite)',
  'vm-postgres': 'VictoriaMetrics + PostgreSQL',
}
/** How long after VictoriaMetrics' start the crash-safety log stops re-sending bodies, plus slack (as bench/ingest-vm.mjs). */
const VM_SETTLE_MS = 6000
const CONSENT_VERSION = '1'
/** Batches due before the day's end may be sent this much later (timer slop) before they count as not sent. */
const DISPATCH_GRACE_MS = 1000
const MiB = 2 ** 20

// ---------------------------------------------------------------- options

const { argv, intOpt } = parseFlags(import.meta.url, 5, {
  duration: { type: 'string', default: '600' },
  installations: { type: 'string', default: '10000' },
  stores: { type: 'string', default: 'embedded,vm-postgres' },
  pool: { type: 'string', default: '120' },
  'max-in-flight': { type: 'string', default: '64' },
  'register-concurrency': { type: 'string', default: '8' },
  'rss-every': { type: 'string', default: '5' },
  drain: { type: 'string', default: '120' },
  seed: { type: 'string', default: '20261127' },
  'write-docs': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
})
const opts = {
  durationS: intOpt('duration', 10, 3600),
  installations: intOpt('installations', 1, 100_000),
  stores: argv.stores.split(',').map((s) => s.trim()).filter(Boolean),
  pool: intOpt('pool', 12, 1200),
  maxInFlight: intOpt('max-in-flight', 1, 1024),
  registerConcurrency: intOpt('register-concurrency', 1, 256),
  rssEveryS: intOpt('rss-every', 1, 60),
  drainS: intOpt('drain', 0, 600),
  seed: intOpt('seed', 0, 2 ** 31),
  writeDocs: argv['write-docs'],
}
for (const s of opts.stores) if (!(s in STORES)) throw new Error(`--stores takes ${Object.keys(STORES).join(', ')}, not ${s}`)
if (opts.stores.length === 0) throw new Error('--stores names no store')

// Registration, the day, the drain and the checks per store, plus generous slack.
installCleanup(opts.stores.length * (opts.durationS + opts.drainS + opts.installations / 50 + 240) + 120)

// ---------------------------------------------------------------- /proc

/** RSS of a process in bytes (VmRSS), or null once it is gone. */
function rssOf (pid) {
  return memOf(pid)?.rss ?? null
}

/** VmRSS and its anonymous part (heap, stacks; not the mapped files), in bytes; null once the process is gone. */
function memOf (pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024
    return { rss: kb('VmRSS'), anon: kb('RssAnon') }
  } catch {
    return null
  }
}

/** The server's V8 heap in use and its external memory (bytes), from its own /metrics (prom-client defaults); null if unavailable. */
async function heapOf (port) {
  const r = await request({ port, method: 'GET', path: '/metrics', timeoutMs: 5000 })
  if (r.status !== 200) return null
  const text = r.body.toString('utf8')
  const value = (name) => Number(new RegExp(`^heatpool_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
  return { heapUsed: value('nodejs_heap_size_used_bytes'), heapTotal: value('nodejs_heap_size_total_bytes'), external: value('nodejs_external_memory_bytes') }
}

/**
 * CPU ms of every process named postgres (the whole cluster: postmaster, its workers and the
 * server's connections; approximate, as a backend that exits in between takes its time with it).
 */
function postgresCpuMs () {
  let ms = 0
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== 'postgres') continue
    } catch {
      continue
    }
    ms += cpuOf(Number(d))?.cpuMs ?? 0
  }
  return ms
}

// ---------------------------------------------------------------- stores

/** A fresh server on `store`; `fn(server, extra)`, then everything is stopped and removed. */
async function withStore (store, fn) {
  const dataDir = tempDir('heatpool-soak-')
  let vm = null
  let db = null
  let server = null
  try {
    const extra = {}
    if (store === 'vm-postgres') {
      vm = await startVictoriaMetrics()
      const vmStarted = performance.now()
      db = await freshPostgres()
      Object.assign(extra, { SAMPLE_STORE: 'victoriametrics', VM_URL: vm.url, DATABASE_URL: db.url })
      await sleep(Math.max(0, VM_SETTLE_MS - (performance.now() - vmStarted)))
    }
    const port = await freePort()
    const env = serverEnv({
      port,
      dataDir,
      RATE_LIMIT_PER_MINUTE: '100000000',
      RATE_LIMIT_IP_PER_MINUTE: '100000000',
      RATE_LIMIT_REGISTRATIONS_PER_HOUR: '100000000',
      ...extra,
    })
    // cwd = the data dir, so a developer's .env in the repository cannot change the benchmark.
    server = await startChild({ name: 'heatpool server', args: [SERVER_JS], env, port, cwd: dataDir })
    const result = await fn(server, { vm })
    const exit = await server.stop()
    result.serverExit = exit.code ?? exit.signal
    result.serverOutput = server.output().trim()
    result.check = await storeCheck(store, { dataDir, db, vm })
    return result
  } finally {
    if (server) await server.stop()
    if (vm) await vm.stop()
    if (db) await db.drop()
    removeDir(dataDir)
  }
}

/** What the stopped server's stores hold: installations, their samples_total, and (VictoriaMetrics) the samples it has. */
async function storeCheck (store, { dataDir, db, vm }) {
  const sql = 'SELECT count(*) AS installations, coalesce(sum(samples_total), 0) AS samples FROM installations'
  if (store === 'embedded') {
    const sqlite = new Database(join(dataDir, 'heatpool.db'), { readonly: true, fileMustExist: true })
    try {
      const r = sqlite.prepare(sql).get()
      return { installations: Number(r.installations), samplesTotal: Number(r.samples) }
    } finally {
      sqlite.close()
    }
  }
  const [r] = await pgQuery(db.url, sql)
  const out = { installations: Number(r.installations), samplesTotal: Number(r.samples) }
  try {
    out.vmSamples = (await vmSampleCount(vm.port, '{__name__=~"heatpool_.+"}', 3)).samples
  } catch (err) {
    out.vmError = String(err.message ?? err).slice(0, 300)
  }
  return out
}

// ---------------------------------------------------------------- phases

/** Registers every installation with its client-chosen token; ms taken and failures. */
async function register (port, fleet) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.registerConcurrency })
  const failures = {}
  let firstFailure = null
  let next = 0
  const t0 = performance.now()
  const worker = async () => {
    while (next < fleet.installations.length) {
      const inst = fleet.installations[next++]
      const body = Buffer.from(JSON.stringify({
        installation_id: inst.installationId,
        heatpump_model: inst.model.name,
        manufacturer: inst.model.driver.manufacturer,
        consent_version: CONSENT_VERSION,
        token: inst.token,
      }))
      const r = await request({ agent, port, method: 'POST', path: '/api/v2/installations', headers: { 'content-type': 'application/json' }, body })
      if (r.status !== 201) {
        failures[r.status] = (failures[r.status] ?? 0) + 1
        firstFailure ??= `${r.status} ${r.body.toString('utf8').slice(0, 300)}`
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: opts.registerConcurrency }, worker))
  } finally {
    agent.destroy()
  }
  const ms = performance.now() - t0
  return { ms, perS: fleet.installations.length / (ms / 1000), failures, firstFailure }
}

/**
 * The compressed day: every scheduled batch is sent when due (or as soon as fewer than
 * --max-in-flight are in flight), until the day ends; then what is in flight is awaited (at most
 * --drain s) and what was never sent is counted. RSS and CPU are sampled all along.
 */
async function soakDay (port, pids, fleet, schedule, { postgres }) {
  const dayMs = opts.durationS * 1000
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxInFlight })
  const tenths = Array.from({ length: 10 }, () => ({ batches: 0, records: 0, latencies: [], errors: 0 }))
  const m = { sent: 0, ok: 0, records: 0, stored: 0, duplicate: 0, rejected: 0, ignored: 0, errors: {}, firstError: null, reasons: {}, latencies: [], lags: [], maxInFlight: 0 }
  const rss = []
  const sample = (tMs) => {
    const row = { tS: tMs / 1000 }
    for (const [k, pid] of Object.entries(pids)) {
      const mem = memOf(pid)
      row[k] = mem?.rss ?? null
      row[`${k}Anon`] = mem?.anon ?? null
    }
    rss.push(row)
    // Filled in when the answer comes (a few ms; it queues behind the uploads if the server is busy).
    heapOf(port).then((h) => { if (h) Object.assign(row, h) }, () => {})
  }
  let inFlight = 0
  let nextIdx = 0
  let wake = null
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuOf(pid)]))
  const client0 = process.cpuUsage()
  const pg0 = postgres ? postgresCpuMs() : null
  const machine0 = machineStats()
  const t0 = performance.now()
  sample(0)
  const sampler = setInterval(() => sample(performance.now() - t0), opts.rssEveryS * 1000)

  const send = async (item) => {
    const sentAt = performance.now() - t0
    m.lags.push(sentAt - item.dueMs)
    const body = fleet.body(item.inst, item.batch)
    const inst = fleet.installations[item.inst]
    const r = await post(agent, port, '/api/v1/submit', {
      'content-type': 'application/json',
      authorization: `Bearer ${inst.token}`,
      'idempotency-key': `soak-${item.inst}-${item.batch}`,
    }, body)
    const tenth = tenths[Math.min(9, Math.floor((sentAt + r.ms) / dayMs * 10))]
    if (r.status !== 200) {
      m.errors[r.status] = (m.errors[r.status] ?? 0) + 1
      m.firstError ??= `${r.status} ${r.body.toString('utf8').slice(0, 300)}`
      tenth.errors++
      return
    }
    const res = JSON.parse(r.body.toString('utf8'))
    m.ok++
    m.records += res.processed
    m.stored += res.values.stored
    m.duplicate += res.values.duplicate
    m.rejected += res.values.rejected
    m.ignored += res.values.ignored
    for (const [k, n] of Object.entries({ ...res.rejected_reasons.records, ...res.rejected_reasons.values })) m.reasons[k] = (m.reasons[k] ?? 0) + n
    m.latencies.push(r.ms)
    tenth.batches++
    tenth.records += res.processed
    tenth.latencies.push(r.ms)
  }

  const pending = new Set()
  // Open loop: the dispatcher sends every due batch while there is room, then sleeps until the
  // next is due or an answer frees a slot. Every batch is due within the day; a second of grace
  // after it covers timer slop, and what is still waiting then is counted as not sent.
  const stopMs = dayMs + DISPATCH_GRACE_MS
  while (nextIdx < schedule.length) {
    const now = performance.now() - t0
    if (now >= stopMs) break
    while (nextIdx < schedule.length && schedule[nextIdx].dueMs <= now && inFlight < opts.maxInFlight) {
      const item = schedule[nextIdx++]
      inFlight++
      m.sent++
      m.maxInFlight = Math.max(m.maxInFlight, inFlight)
      const p = send(item).finally(() => {
        inFlight--
        pending.delete(p)
        if (wake) wake()
      })
      pending.add(p)
    }
    const untilNext = nextIdx < schedule.length ? schedule[nextIdx].dueMs - (performance.now() - t0) : dayMs
    const waitMs = inFlight >= opts.maxInFlight ? 1000 : Math.max(0, Math.min(untilNext, stopMs - (performance.now() - t0), 1000))
    await new Promise((resolve) => {
      const timer = setTimeout(() => { wake = null; resolve() }, waitMs)
      wake = () => { clearTimeout(timer); wake = null; resolve() }
    })
  }
  const dispatchEndS = (performance.now() - t0) / 1000
  const notSent = schedule.length - nextIdx
  const drainDeadline = performance.now() + opts.drainS * 1000
  while (pending.size > 0 && performance.now() < drainDeadline) await Promise.race([...pending, sleep(1000)])
  const unanswered = pending.size
  const elapsedS = (performance.now() - t0) / 1000
  clearInterval(sampler)
  sample(performance.now() - t0)
  const cpu1 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuOf(pid)]))
  const client = process.cpuUsage(client0)
  const pg1 = postgres ? postgresCpuMs() : null
  const machineCpu = machineShare(machine0, machineStats())
  agent.destroy()

  const lat = Float64Array.from(m.latencies).sort()
  const lags = Float64Array.from(m.lags).sort()
  const cpuPct = Object.fromEntries(Object.keys(pids).map((k) => [k, cpu0[k] && cpu1[k] ? (cpu1[k].cpuMs - cpu0[k].cpuMs) / (elapsedS * 1000) * 100 : NaN]))
  if (postgres) cpuPct.postgres = (pg1 - pg0) / (elapsedS * 1000) * 100
  const offeredRecords = schedule.length * BATCH_RECORDS
  const errors = Object.values(m.errors).reduce((a, b) => a + b, 0)
  return {
    scheduled: schedule.length,
    offeredRecords,
    offeredBatchesPerS: schedule.length / opts.durationS,
    offeredRecordsPerS: offeredRecords / opts.durationS,
    sent: m.sent,
    ok: m.ok,
    notSent,
    unanswered,
    errors,
    errorsByStatus: m.errors,
    firstError: m.firstError,
    errorRate: m.sent > 0 ? errors / m.sent : NaN,
    records: m.records,
    stored: m.stored,
    duplicate: m.duplicate,
    rejected: m.rejected,
    ignored: m.ignored,
    reasons: m.reasons,
    dispatchEndS,
    elapsedS,
    batchesPerS: m.ok / elapsedS,
    recordsPerS: m.records / elapsedS,
    p50Ms: percentile(lat, 0.5),
    p99Ms: percentile(lat, 0.99),
    maxMs: lat.length ? lat[lat.length - 1] : NaN,
    lagP50Ms: percentile(lags, 0.5),
    lagP99Ms: percentile(lags, 0.99),
    lagMaxMs: lags.length ? lags[lags.length - 1] : NaN,
    maxInFlight: m.maxInFlight,
    cpuPct,
    clientCpuPct: (client.user + client.system) / 1000 / (elapsedS * 1000) * 100,
    machineCpu,
    rss,
    tenths: tenths.map((t, k) => {
      const l = Float64Array.from(t.latencies).sort()
      const offered = schedule.filter((s) => Math.floor(s.dueMs / dayMs * 10) === k).length * BATCH_RECORDS
      return { batches: t.batches, offeredRecordsPerS: offered / (opts.durationS / 10), recordsPerS: t.records / (opts.durationS / 10), p99Ms: percentile(l, 0.99), errors: t.errors }
    }),
  }
}

/** RSS figures of one process over a run: start, middle, end, max (MiB) and slopes (MiB/min). */
function rssSummary (rss, key) {
  const pts = rss.filter((r) => Number.isFinite(r[key]))
  if (pts.length === 0) return null
  const xs = pts.map((r) => r.tS / 60)
  const ys = pts.map((r) => r[key] / MiB)
  const half = pts.findIndex((r) => r.tS >= pts[pts.length - 1].tS / 2)
  return {
    startMiB: ys[0],
    middleMiB: ys[Math.floor(ys.length / 2)],
    endMiB: ys[ys.length - 1],
    maxMiB: Math.max(...ys),
    slopeMiBPerMin: slope(xs, ys),
    secondHalfSlopeMiBPerMin: slope(xs.slice(half), ys.slice(half)),
    samples: pts.length,
  }
}

async function storeRun (store, fleet, schedule) {
  log(`${STORES[store]}: starting`)
  return withStore(store, async (server, { vm }) => {
    const reg = await register(server.port, fleet)
    log(`${store}: registered ${fmt(fleet.installations.length)} installations in ${fmt(reg.ms / 1000, 1)} s (${fmt(reg.perS)}/s)` +
      `${Object.keys(reg.failures).length ? `, failures ${JSON.stringify(reg.failures)} ${reg.firstFailure}` : ''}`)
    const pids = { server: server.pid, ...(vm ? { vm: vm.pid } : {}) }
    const rssAfterRegistration = rssOf(server.pid)
    const progress = setInterval(() => log(`${store}: … ${fmt(rssOf(server.pid) / MiB)} MiB RSS`), 60_000)
    let day
    try {
      day = await soakDay(server.port, pids, fleet, schedule, { postgres: store === 'vm-postgres' })
    } finally {
      clearInterval(progress)
    }
    return {
      store,
      registration: reg,
      rssAfterRegistration,
      ...day,
      rssServer: rssSummary(day.rss, 'server'),
      anonServer: rssSummary(day.rss, 'serverAnon'),
      heapServer: rssSummary(day.rss, 'heapUsed'),
      rssVm: vm ? rssSummary(day.rss, 'vm') : null,
    }
  })
}

// ---------------------------------------------------------------- report

function fmtRss (r) {
  if (!r) return 'n/a'
  return `${fmt(r.startMiB)} → ${fmt(r.middleMiB)} → ${fmt(r.endMiB)} (max ${fmt(r.maxMiB)})`
}

function resultsMarkdown (r) {
  const m = r.machine
  const o = r.options
  const L = []
  L.push(`### Results: ${fmt(o.installations)} installations, a day in ${fmt(o.durationS)} s per store`)
  L.push('')
  L.push(`- Machine: ${m.cpuModel}, ${m.cpuCount} vCPUs (shared by the client, the server, VictoriaMetrics and PostgreSQL), ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}`)
  L.push(`- Date: ${m.date}`)
  L.push(`- Command: \`${r.command}\``)
  L.push(`- Fleet: ${fmt(o.installations)} installations (packages/sim, seed ${o.seed}; the day of ${fmt(r.fleet.pool)} simulated pool members, ` +
    `${INTERVAL_RANGE_S[0]}–${INTERVAL_RANGE_S[1]} s interval), ${fmt(r.fleet.batches)} v1 batches of ${BATCH_RECORDS} records (2.88–5.76 per installation and day; ${fmt(r.fleet.records)} records, ` +
    `${fmt(r.fleet.meanBodyBytes / 1024)} KiB per batch on average, uncompressed); the day compressed ${fmt(86_400 / o.durationS)}×: ` +
    `offered ${fmt(r.fleet.batches / o.durationS, 1)} batches/s = ${fmt(r.fleet.records / o.durationS)} records/s; at most ${o.maxInFlight} requests in flight`)
  L.push('')
  L.push(`| store | batches/s achieved (offered) | records/s achieved (offered) | p50 ms | p99 ms | max ms | lag p99 / max ms | errors (rate) | not sent | server CPU | VM / PostgreSQL CPU | client CPU | machine busy | server RSS MiB start → middle → end (max) | RSS slope MiB/min (2nd half) |`)
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|')
  for (const s of r.stores) {
    const busy = s.machineCpu ? 100 - s.machineCpu.idle - s.machineCpu.iowait : NaN
    L.push(`| ${STORES[s.store]} | ${fmt(s.batchesPerS, 1)} (${fmt(s.offeredBatchesPerS, 1)}) | ${fmt(s.recordsPerS)} (${fmt(s.offeredRecordsPerS)}) | ` +
      `${fmt(s.p50Ms, 1)} | ${fmt(s.p99Ms, 1)} | ${fmt(s.maxMs)} | ${fmt(s.lagP99Ms, 1)} / ${fmt(s.lagMaxMs)} | ${fmt(s.errors)} (${fmt(s.errorRate * 100, 2)} %) | ${fmt(s.notSent + s.unanswered)} | ` +
      `${fmt(s.cpuPct.server)} % | ${s.cpuPct.vm === undefined ? '–' : `${fmt(s.cpuPct.vm)} % / ${fmt(s.cpuPct.postgres)} %`} | ${fmt(s.clientCpuPct)} % | ${fmt(busy)} % | ${fmtRss(s.rssServer)} | ` +
      `${fmt(s.rssServer?.slopeMiBPerMin, 2)} (${fmt(s.rssServer?.secondHalfSlopeMiBPerMin, 2)}) |`)
  }
  L.push('')
  L.push('Over the day, per tenth of the run (an answer counts in the tenth it arrived in; RSS at the tenth\'s end):')
  L.push('')
  L.push(`| store | figure | ${Array.from({ length: 10 }, (_, k) => `${k + 1}`).join(' | ')} |`)
  L.push(`|---|---|${'---:|'.repeat(10)}`)
  for (const s of r.stores) {
    const rssAt = (k, key = 'server') => {
      const end = (k + 1) / 10 * o.durationS
      const row = [...s.rss].reverse().find((x) => x.tS <= end + 0.5 && Number.isFinite(x[key]))
      return row === undefined ? NaN : row[key] / MiB
    }
    const row = (figure, f) => L.push(`| ${STORES[s.store]} | ${figure} | ${s.tenths.map(f).join(' | ')} |`)
    row('records/s offered', (t) => fmt(t.offeredRecordsPerS))
    row('records/s answered', (t) => fmt(t.recordsPerS))
    row('p99 ms', (t) => fmt(t.p99Ms))
    row('server RSS MiB', (_, k) => fmt(rssAt(k)))
    row('of it anonymous MiB', (_, k) => fmt(rssAt(k, 'serverAnon')))
    row('V8 heap used MiB', (_, k) => fmt(rssAt(k, 'heapUsed')))
  }
  L.push('')
  for (const s of r.stores) {
    L.push(`- ${STORES[s.store]}: registration ${fmt(s.registration.perS)} installations/s (${fmt(s.registration.ms / 1000, 1)} s; server RSS after it ${fmt(s.rssAfterRegistration / MiB)} MiB); ` +
      `${fmt(s.sent)} batches sent, ${fmt(s.ok)} answered 200, ${fmt(s.errors)} errors${s.errors ? ` ${JSON.stringify(s.errorsByStatus)}` : ''}, ${fmt(s.notSent)} not sent by the end of the day, ${fmt(s.unanswered)} unanswered after the drain; ` +
      `last answer ${fmt(Math.max(0, s.elapsedS - o.durationS), 1)} s after the day's end; at most ${s.maxInFlight} in flight; ` +
      `stored ${fmt(s.stored)} values (${fmt(s.stored / s.records, 2)} per record), duplicate ${fmt(s.duplicate)}, rejected ${fmt(s.rejected)}, ignored ${fmt(s.ignored)}; ` +
      `the store's installations.samples_total sums to ${fmt(s.check.samplesTotal)}${s.check.vmSamples === undefined ? '' : `, VictoriaMetrics holds ${fmt(s.check.vmSamples)} samples`}` +
      `; server memory: anonymous RSS ${fmtRss(s.anonServer)} MiB (slope ${fmt(s.anonServer?.slopeMiBPerMin, 2)}, 2nd half ${fmt(s.anonServer?.secondHalfSlopeMiBPerMin, 2)} MiB/min), ` +
      `V8 heap used ${fmtRss(s.heapServer)} MiB (2nd half ${fmt(s.heapServer?.secondHalfSlopeMiBPerMin, 2)} MiB/min)` +
      `${s.rssVm ? `; VictoriaMetrics RSS ${fmtRss(s.rssVm)} MiB, slope ${fmt(s.rssVm.slopeMiBPerMin, 2)} MiB/min` : ''}; machine ${fmtMachine(s.machineCpu)}.`)
  }
  L.push(`- Client: ${fmt(r.fleet.prepareMs / 1000, 1)} s to simulate the pool's day and serialise its bodies (${fmt(r.fleet.heldBytes / MiB)} MiB held); ` +
    `during the day the client used ${r.stores.map((s) => `${fmt(s.clientCpuPct)} %`).join(' and ')} of one core.`)
  return L.join('\n')
}

/** Replaces (or places) the generated block in docs/BENCHMARKS.md; the rest of the section is hand-written. */
function writeDocs (r) {
  const text = readFileSync(DOCS, 'utf8')
  writeFileSync(DOCS, withDocsBlock(text, {
    start: '<!-- bench:soak:start (generated by bench/soak.mjs --write-docs) -->',
    end: '<!-- bench:soak:end -->',
    body: resultsMarkdown(r),
    placeholder: '<!-- bench:soak:results -->',
    keepPlaceholder: false,
    heading: '## Soak\n\n',
  }))
}

/** What a correct, unsaturated server never does with this fleet: each is a finding, and the exit code is 1. */
function anomalies (r) {
  const out = []
  for (const s of r.stores) {
    const name = STORES[s.store]
    if (Object.keys(s.registration.failures).length) out.push(`${name}: registrations failed ${JSON.stringify(s.registration.failures)}: ${s.registration.firstFailure}`)
    if (s.errors > 0) out.push(`${name}: ${s.errors} upload errors ${JSON.stringify(s.errorsByStatus)}: ${s.firstError}`)
    if (s.notSent > 0) out.push(`${name}: ${s.notSent} batches were still waiting to be sent when the day ended (the server fell behind)`)
    if (s.unanswered > 0) out.push(`${name}: ${s.unanswered} batches unanswered ${opts.drainS} s after the day ended`)
    if (s.duplicate > 0) out.push(`${name}: ${s.duplicate} values reported duplicate, though every batch is sent once`)
    if (s.rejected > 0) out.push(`${name}: ${s.rejected} values rejected: ${JSON.stringify(s.reasons)}`)
    if (s.check.installations !== r.options.installations) out.push(`${name}: the store holds ${s.check.installations} installations, ${r.options.installations} registered`)
    if (s.check.samplesTotal !== s.stored) out.push(`${name}: responses say ${s.stored} values stored, installations.samples_total sums to ${s.check.samplesTotal}`)
    if (s.check.vmError) out.push(`${name}: cannot count VictoriaMetrics' samples: ${s.check.vmError}`)
    else if (s.check.vmSamples !== undefined && s.check.vmSamples !== s.stored) out.push(`${name}: responses say ${s.stored} values stored, VictoriaMetrics holds ${s.check.vmSamples}`)
    if (s.serverExit !== 0) out.push(`${name}: the server exited with ${s.serverExit} on SIGTERM`)
  }
  return out
}

// ---------------------------------------------------------------- main

async function main () {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run \`npm run build\` first`)
  const m = machine()
  logHeader('bench:soak', m, opts)

  // The day ends an hour ago, so that every record is in the past and "on time" for the ledger.
  const t = performance.now()
  const fleet = soakFleet({ installations: opts.installations, pool: opts.pool, seed: opts.seed, dayEndMs: Date.now() - 3_600_000 })
  const schedule = soakSchedule(fleet, opts.durationS * 1000, opts.seed)
  const prepareMs = performance.now() - t
  const records = schedule.length * BATCH_RECORDS
  const bodyBytes = fleet.pool.reduce((a, p) => a + p.bodies.reduce((x, b) => x + b.buf.length, 0), 0)
  const poolBatches = fleet.pool.reduce((a, p) => a + p.bodies.length, 0)
  const fleetInfo = { pool: fleet.pool.length, batches: schedule.length, records, meanBodyBytes: bodyBytes / poolBatches, heldBytes: fleet.heldBytes, prepareMs }
  log(`fleet: ${fmt(opts.installations)} installations, pool of ${fleet.pool.length}, ${fmt(schedule.length)} batches, ${fmt(records)} records, ` +
    `${fmt(fleetInfo.meanBodyBytes / 1024)} KiB per batch, prepared in ${fmt(prepareMs)} ms; offered ${fmt(schedule.length / opts.durationS, 1)} batches/s, ${fmt(records / opts.durationS)} records/s`)

  const stores = []
  for (const store of opts.stores) {
    const s = await storeRun(store, fleet, schedule)
    stores.push(s)
    log(`${store}: ${fmt(s.batchesPerS, 1)} batches/s (offered ${fmt(s.offeredBatchesPerS, 1)}), ${fmt(s.recordsPerS)} records/s (offered ${fmt(s.offeredRecordsPerS)}), ` +
      `p50 ${fmt(s.p50Ms, 1)} ms, p99 ${fmt(s.p99Ms, 1)} ms, max ${fmt(s.maxMs)} ms, lag p99 ${fmt(s.lagP99Ms, 1)} ms max ${fmt(s.lagMaxMs)} ms, errors ${fmt(s.errors)}, not sent ${fmt(s.notSent)}, unanswered ${fmt(s.unanswered)}, ` +
      `server CPU ${fmt(s.cpuPct.server)} %${s.cpuPct.vm === undefined ? '' : `, VM CPU ${fmt(s.cpuPct.vm)} %, PostgreSQL CPU ${fmt(s.cpuPct.postgres)} %`}, client CPU ${fmt(s.clientCpuPct)} %, machine ${fmtMachine(s.machineCpu)}, ` +
      `server RSS ${fmtRss(s.rssServer)} MiB, slope ${fmt(s.rssServer?.slopeMiBPerMin, 2)} MiB/min (2nd half ${fmt(s.rssServer?.secondHalfSlopeMiBPerMin, 2)}), ` +
      `anon ${fmtRss(s.anonServer)} MiB (2nd half ${fmt(s.anonServer?.secondHalfSlopeMiBPerMin, 2)} MiB/min), heap used ${fmtRss(s.heapServer)} MiB (2nd half ${fmt(s.heapServer?.secondHalfSlopeMiBPerMin, 2)} MiB/min), ` +
      `stored ${fmt(s.stored)} = samples_total ${fmt(s.check.samplesTotal)}${s.check.vmSamples === undefined ? '' : ` = VM ${fmt(s.check.vmSamples)}`}`)
    if (s.serverOutput) log(`  server output: ${s.serverOutput.slice(0, 2000)}`)
  }

  const result = { machine: m, command: commandLine('bench:soak'), options: opts, fleet: fleetInfo, stores }
  const json = saveResults(`soak-${fileStamp(m.date)}`, result)
  log('')
  log(resultsMarkdown(result))
  log('')
  log(`results: ${json}`)
  if (opts.writeDocs) {
    writeDocs(result)
    log(`updated ${DOCS}`)
  }
  reportAnomalies(anomalies(result))
}

await runMain(main)
