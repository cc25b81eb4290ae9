#!/usr/bin/env node
// Read-API benchmark of the heatpool server on a seeded embedded store (docs/BENCHMARKS.md "Read API").
//
//   npm run bench:read -- [--concurrency 16] [--duration 3] [--runs 3] [--warmup 1]
//                         [--profile] [--write-docs]
//
// Contract: loopback only (127.0.0.1), bounded in requests and time (a watchdog ends it), and
// every child process and temp directory it creates is removed on exit, failure or Ctrl-C.
// Needs the server built (`npm run build`, which `npm run bench:read` does first).
//
// It seeds a fresh DATA_DIR straight into SQLite (bench/read-seed.mjs: 100,000 installations with
// their ledger, 400 pool days, 1,000 heat pumps × 365 days of hourly and daily rollups), uploads
// one model through the admin route, and starts two servers on it: one with PUBLIC_CACHE_SECONDS=0
// (every request computes from the tables) and one with the default (cached answers). C
// closed-loop keep-alive clients then GET each endpoint for --duration seconds, --runs times,
// interleaved; medians of the runs are reported, with GET /health on the same server as the floor.
// Every answer is checked against what the seed implies (exit code 1 on any error or wrong answer).

import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import {
  ADMIN_TOKEN, commandLine, cpuOf, cpuProfFlags, DOCS, fileStamp, fmt, freePort, HOST, installCleanup, keepCpuProfile, log,
  logHeader, machine, machineJiffies, median, monotonicUs, parseFlags, percentile, removeDir, reportAnomalies, ROOT, runMain,
  saveResults, serverEnv, SERVER_JS, SHARED_TOKEN, startChild, tempDir, withDocsBlock,
} from './common.mjs'
import { summariseCpuProfile } from './cpuprofile.mjs'
import { prng } from './payloads.mjs'
import { CONTRIBUTION_MIN_SAMPLES, DAY_MS, ELIGIBILITY_DAYS, ELIGIBILITY_RECENT_DAYS, HOUR_MS, POOL_WINDOW_DAYS, seedStore } from './read-seed.mjs'

const DIST = join(ROOT, 'packages/server/dist')
const METRICS = ['cop_current', 'temp_outdoor', 'temp_flow']
const WINDOWS = { '24h': { table: 'rollups_hourly', buckets: 24 }, '30d': { table: 'rollups_daily', buckets: 30 }, '365d': { table: 'rollups_daily', buckets: 365 } }
/** The one model file uploaded: for the largest group, so model check finds a model for ~19 % of the installations. */
const MODEL_FOR = 'AERO SLM'
const MODEL_BYTES = 300 * 1024
const GOALS_P99_MS = { pool: 5, checkAnon: 5, checkDetailed: 5, avg24h: 50, avg30d: 50, avg365d: 50 }

// ---------------------------------------------------------------- options

const { argv, intOpt } = parseFlags(import.meta.url, 5, {
  concurrency: { type: 'string', default: '16' },
  duration: { type: 'string', default: '3' },
  runs: { type: 'string', default: '3' },
  warmup: { type: 'string', default: '1' },
  installations: { type: 'string', default: '100000' },
  'heat-pumps': { type: 'string', default: '1000' },
  days: { type: 'string', default: '365' },
  seed: { type: 'string', default: '20261127' },
  profile: { type: 'boolean', default: false },
  'write-docs': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
})
const opts = {
  concurrency: intOpt('concurrency', 1, 256),
  durationS: intOpt('duration', 1, 600),
  runs: intOpt('runs', 1, 20),
  warmupS: intOpt('warmup', 0, 60),
  installations: intOpt('installations', 1000, 1_000_000),
  heatPumps: intOpt('heat-pumps', 100, 10_000),
  days: intOpt('days', 31, 730),
  seed: intOpt('seed', 0, 2 ** 31),
  profile: argv.profile,
  writeDocs: argv['write-docs'],
}
if (opts.heatPumps > opts.installations) throw new Error('--heat-pumps must not exceed --installations (heat pump i belongs to installation i)')
/** Installations with their whole history in ledger_days (the detailed model check reads it). */
const LEDGER_INSTALLATIONS = Math.min(opts.installations, 2 * opts.heatPumps)

/** The measured series, in the order they run within a run (each uncached next to its cached twin). */
const SERIES = [
  { id: 'health', endpoint: 'GET /health', cached: false, label: 'framework + HTTP floor' },
  ...['pool', 'checkAnon', 'checkDetailed', 'avg24h', 'avg30d', 'avg365d'].flatMap((id) => [false, true].map((cached) => ({ id, cached }))),
]
const seriesKey = (s) => `${s.id}${s.cached ? ':cached' : ''}`

// ---------------------------------------------------------------- cleanup and watchdog

// Bounded in time whatever happens: seeding, the planned phases, plus generous slack.
const budgetS = 300 + (opts.runs * SERIES.length + (opts.profile ? 6 : 0)) * (opts.durationS + 15) + SERIES.length * opts.warmupS
installCleanup(budgetS)

// ---------------------------------------------------------------- processes

/** Machine-wide CPU jiffies from /proc/stat (all cores), busy and idle; Linux only, else null. */
function machineStats () {
  const j = machineJiffies()
  return j && { busy: j.user + j.nice + j.system + j.irq + j.softirq + j.steal, idle: j.idle + j.iowait }
}

async function startHeatpool ({ dataDir, cached, cpuProfDir }) {
  const port = await freePort()
  const env = serverEnv({
    port,
    dataDir,
    AUTH_TOKEN: SHARED_TOKEN,
    RATE_LIMIT_PER_MINUTE: '100000000',
    RATE_LIMIT_IP_PER_MINUTE: '100000000',
    RATE_LIMIT_REGISTRATIONS_PER_HOUR: '100000000',
    // Cached: the default PUBLIC_CACHE_SECONDS (10 s), not set here. MIN_INSTALLATIONS,
    // MIN_DATA_POINTS, ELIGIBILITY_* and K_ANONYMITY keep their defaults too.
    ...(cached ? {} : { PUBLIC_CACHE_SECONDS: '0' }),
  })
  const args = [...cpuProfFlags(cpuProfDir), SERVER_JS]
  // cwd = a scratch dir, so a developer's .env in the repository cannot change the benchmark.
  return startChild({ name: `heatpool server (${cached ? 'cached' : 'uncached'})`, args, env, port, cwd: dataDir, healthyWithinS: 30 })
}

// ---------------------------------------------------------------- client

/** One request; resolves with status, body and latency in ms. Never rejects. */
function request (agent, port, { method = 'GET', path, headers = {}, body }) {
  return new Promise((res) => {
    const t0 = performance.now()
    const req = http.request({ agent, host: HOST, port, method, path, headers: body ? { ...headers, 'content-length': body.length } : headers }, (r) => {
      const chunks = []
      r.on('data', (c) => chunks.push(c))
      r.on('end', () => res({ status: r.statusCode, body: Buffer.concat(chunks), ms: performance.now() - t0 }))
      r.on('error', (err) => res({ status: 0, body: Buffer.from(String(err)), ms: performance.now() - t0 }))
    })
    req.setTimeout(60_000, () => req.destroy(new Error('request timed out after 60 s')))
    req.on('error', (err) => res({ status: 0, body: Buffer.from(String(err)), ms: performance.now() - t0 }))
    req.end(body)
  })
}

/**
 * Closed-loop load: C workers, each with one request in flight, for `durationMs` after
 * `warmupMs`. `next(w)` gives a request and `check(answer, t0, t1)` returns null or what is wrong
 * with a 2xx answer (t0/t1: wall clock before and after the request).
 */
async function drive ({ server, next, check, warmupMs, durationMs }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency })
  const phase = async (ms, measure) => {
    const m = { requests: 0, errors: {}, wrong: 0, firstError: null, latencies: [] }
    const end = performance.now() + ms
    const worker = async (w) => {
      while (performance.now() < end) {
        const req = next(w)
        const t0 = Date.now()
        const r = await request(agent, server.port, req)
        m.requests++
        if (r.status < 200 || r.status > 299) {
          m.errors[r.status] = (m.errors[r.status] ?? 0) + 1
          m.firstError ??= `${req.path}: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`
          if (r.status === 0) return // the connection is gone; do not spin
          continue
        }
        m.latencies.push(r.ms)
        let problem
        try {
          problem = check(JSON.parse(r.body.toString('utf8')), req, t0, Date.now())
        } catch (err) {
          problem = `unreadable answer: ${err.message}`
        }
        if (problem) {
          m.wrong++
          m.firstError ??= `${req.path}: ${problem}`
        }
      }
    }
    const cpu0 = process.cpuUsage()
    const srv0 = measure ? cpuOf(server.pid) : null
    const mach0 = machineStats()
    const fromUs = monotonicUs()
    const t0 = performance.now()
    await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)))
    const elapsedS = (performance.now() - t0) / 1000
    m.windowUs = { fromUs, toUs: monotonicUs() }
    const srv1 = measure ? cpuOf(server.pid) : null
    const mach1 = machineStats()
    const cpu = process.cpuUsage(cpu0)
    m.elapsedS = elapsedS
    m.clientCpuPct = (cpu.user + cpu.system) / 1000 / (elapsedS * 1000) * 100
    if (mach0 && mach1) m.machineBusyPct = (mach1.busy - mach0.busy) / (mach1.busy - mach0.busy + mach1.idle - mach0.idle) * 100
    if (srv0 && srv1) {
      m.serverCpuPct = (srv1.cpuMs - srv0.cpuMs) / (elapsedS * 1000) * 100
      m.serverMainThreadPct = (srv1.mainThreadMs - srv0.mainThreadMs) / (elapsedS * 1000) * 100
      m.serverCpuMsPerRequest = (srv1.cpuMs - srv0.cpuMs) / m.requests
      // CPU of processes other than this bench and its server (a shared machine skews the figures), % of one core.
      if (m.machineBusyPct !== undefined) m.otherCpuPct = Math.max(0, m.machineBusyPct / 100 * os.cpus().length * 100 - m.serverCpuPct - m.clientCpuPct)
    }
    return m
  }
  try {
    const warm = warmupMs > 0 ? await phase(warmupMs, false) : null
    const m = await phase(durationMs, true)
    const lat = Float64Array.from(m.latencies).sort()
    delete m.latencies
    if (warm) {
      for (const [k, n] of Object.entries(warm.errors)) m.errors[k] = (m.errors[k] ?? 0) + n
      m.wrong += warm.wrong
      m.firstError ??= warm.firstError
    }
    return { ...m, reqPerS: lat.length / m.elapsedS, p50Ms: percentile(lat, 0.5), p99Ms: percentile(lat, 0.99), maxMs: lat[lat.length - 1] }
  } finally {
    agent.destroy()
  }
}

// ---------------------------------------------------------------- what the answers must be

const utcDay = (ms) => Math.floor(ms / DAY_MS)
const isoDate = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10)
const round2 = (x) => Math.round(x * 100) / 100

/** Expected answers, from the seed's own bookkeeping (never from server code). */
function expectations (seed, modelSha256) {
  const poolPointsAt = (ms) => {
    let n = 0
    for (const [d, s] of seed.poolSamples) if (d >= utcDay(ms - POOL_WINDOW_DAYS * DAY_MS)) n += s
    return n
  }
  const modelIdx = seed.models.findIndex((m) => m.name === MODEL_FOR)
  const eligibleOn = (i, today) => seed.contributionDays[i] >= ELIGIBILITY_DAYS && seed.lastContributionDay[i] >= 0 && today - seed.lastContributionDay[i] <= ELIGIBILITY_RECENT_DAYS
  return {
    active: seed.active,
    poolPointsAt,
    /** Both possible answers when the request straddled a UTC midnight. */
    eligible: (i, t0, t1) => new Set([eligibleOn(i, utcDay(t0)), eligibleOn(i, utcDay(t1))]),
    modelHash: (i) => (seed.modelOf[i] === modelIdx ? modelSha256 : null),
    heatPumpsOf: (m) => seed.models[m].heatPumps,
  }
}

function checkPool (pool, exp, t0, t1, cacheMs) {
  if (pool.total_installations !== exp.active) return `total_installations ${pool.total_installations}, seeded active installations ${exp.active}`
  const points = new Set([exp.poolPointsAt(t0 - cacheMs - 1000), exp.poolPointsAt(t1)])
  if (!points.has(pool.total_data_points)) return `total_data_points ${pool.total_data_points}, seeded ${[...points].join(' or ')}`
  if (pool.data_sufficient !== true) return 'data_sufficient is not true'
  if (JSON.stringify(pool.models_available) !== JSON.stringify([MODEL_FOR])) return `models_available ${JSON.stringify(pool.models_available)}`
  if (!pool.message.startsWith('Data pool is ready')) return `message ${JSON.stringify(pool.message)}`
  return null
}

/** The load of each series: which request each worker sends next, and how its answer is checked. */
function seriesPlans (seed, exp, cacheMs) {
  const N = seed.ids.length
  const rnd = Array.from({ length: opts.concurrency }, (_, w) => prng(opts.seed + 101 * (w + 1)))
  const auth = (token) => ({ authorization: `Bearer ${token}` })
  const bigModels = seed.models.map((m, i) => i).filter((i) => seed.models[i].heatPumps >= 5)
  const check = (detailed) => (a, req, t0, t1) => {
    const i = req.index
    if (!exp.eligible(i, t0, t1).has(a.eligible)) return `eligible ${a.eligible} for contribution_days ${seed.contributionDays[i]}, last day ${seed.lastContributionDay[i]}`
    const hash = exp.modelHash(i)
    if (a.model_hash !== hash || a.hash !== hash || a.model_available !== (hash !== null) || a.update_available !== (hash !== null)) return `model_hash ${a.model_hash} / hash ${a.hash}, expected ${hash}`
    const pool = checkPool(a.data_pool, exp, t0, t1, cacheMs)
    if (pool) return `data_pool: ${pool}`
    if (!detailed) {
      if (a.contribution_days !== null || a.days_needed !== null || a.eligible_since !== null) return 'an anonymous check learned contribution details'
      return null
    }
    const days = seed.contributionDays[i]
    if (a.contribution_days !== days) return `contribution_days ${a.contribution_days}, seeded ${days}`
    if (a.days_needed !== Math.max(0, ELIGIBILITY_DAYS - days)) return `days_needed ${a.days_needed} for ${days} days`
    const since = seed.eligibleSinceDay[i] >= 0 ? isoDate(seed.eligibleSinceDay[i]) : null
    if (a.eligible_since !== since) return `eligible_since ${a.eligible_since}, seeded ${since}`
    return null
  }
  const averages = (window) => ({
    next (w) {
      const m = bigModels[Math.floor(rnd[w]() * bigModels.length)]
      const name = seed.models[m].name
      return { path: `/api/v1/community/averages?model=${encodeURIComponent(name)}&metrics=${METRICS.join(',')}&window=${window}`, headers: auth(SHARED_TOKEN), model: m, name }
    },
    check (a, req) {
      const n = exp.heatPumpsOf(req.model)
      if (a.sample_size !== n || a.heat_pumps !== n) return `sample_size ${a.sample_size}, heat_pumps ${a.heat_pumps}: seeded ${n} installations of ${req.name}`
      if (a.model !== req.name || a.window !== window) return `model ${a.model} window ${a.window}`
      for (const metric of METRICS) {
        const s = a.metrics[metric]
        if (!s || !(s.min <= s.avg && s.avg <= s.max)) return `metrics.${metric} ${JSON.stringify(s)}`
      }
      return null
    },
  })
  return {
    health: { next: () => ({ path: '/health' }), check: (a) => (a.status === 'ok' ? null : `status ${a.status}`) },
    pool: { next: () => ({ path: '/api/v1/pool/status' }), check: (a, _req, t0, t1) => checkPool(a, exp, t0, t1, cacheMs) },
    checkAnon: {
      next (w) {
        const index = Math.floor(rnd[w]() * N)
        return { path: `/api/v1/model/check?installation_id=${seed.ids[index]}`, index }
      },
      check: check(false),
    },
    checkDetailed: {
      next (w) {
        const index = Math.floor(rnd[w]() * LEDGER_INSTALLATIONS)
        return { path: `/api/v1/model/check?installation_id=${seed.ids[index]}`, headers: auth(ADMIN_TOKEN), index }
      },
      check: check(true),
    },
    avg24h: averages('24h'),
    avg30d: averages('30d'),
    avg365d: averages('365d'),
  }
}

const ENDPOINTS = {
  health: 'GET /health',
  pool: 'GET /api/v1/pool/status',
  checkAnon: 'GET /api/v1/model/check (anonymous)',
  checkDetailed: 'GET /api/v1/model/check (admin token: detailed, reads eligible_since)',
  avg24h: 'GET /api/v1/community/averages, window 24h',
  avg30d: 'GET /api/v1/community/averages, window 30d',
  avg365d: 'GET /api/v1/community/averages, window 365d',
}

// ---------------------------------------------------------------- verification before the load

/**
 * Community averages computed here, independently of the server code, by the design brief's
 * rules: per heat pump the window's sums (COP = Σ heat ÷ Σ electricity, needing ≥ 100 Wh and at
 * most 10; temperatures weighted by heat, outdoor by time where no heat), then mean, min and max
 * over heat pumps, rounded to 2 decimals.
 */
function independentAverages (db, seed, m, window, nowMs) {
  const w = WINDOWS[window]
  const from = (w.table === 'rollups_hourly' ? Math.floor(nowMs / HOUR_MS) : utcDay(nowMs)) - w.buckets + 1
  const hps = []
  for (let i = 0; i < seed.hpModel.length; i++) if (seed.hpModel[i] === m) hps.push(i + 1)
  const rows = db.prepare(`SELECT heat_pump_id, sum(heat_wh) AS h, sum(electric_wh) AS e, sum(outdoor_h) AS oh, sum(outdoor_hw) AS ohw,
      sum(outdoor_s) AS os, sum(outdoor_ts) AS ots, sum(flow_h) AS fh, sum(flow_hw) AS fhw, sum(records) AS n, sum(covered_s) AS cov
    FROM ${w.table} WHERE heat_pump_id IN (${hps.join(',')}) AND ${w.table === 'rollups_hourly' ? 'hour' : 'day'} >= ? GROUP BY heat_pump_id`).all(from)
  const values = { cop_current: [], temp_outdoor: [], temp_flow: [] }
  let members = 0
  for (const r of rows) {
    if (!(r.n > 0 || r.cov > 0)) continue
    members++
    if (r.e >= 100 && r.h / r.e <= 10) values.cop_current.push(r.h / r.e)
    if (r.oh > 0) values.temp_outdoor.push(r.ohw / r.oh)
    else if (r.os > 0) values.temp_outdoor.push(r.ots / r.os)
    if (r.fh > 0) values.temp_flow.push(r.fhw / r.fh)
  }
  const stat = (xs) => (xs.length === 0 ? undefined : { avg: round2(xs.reduce((a, b) => a + b, 0) / xs.length), min: round2(Math.min(...xs)), max: round2(Math.max(...xs)) })
  return { members, metrics: Object.fromEntries(Object.entries(values).map(([k, xs]) => [k, stat(xs)]).filter(([, s]) => s !== undefined)) }
}

/** One-off checks with a fresh server: every model × window against the independent computation, the small group, and one request of each kind. */
async function verify (server, dataDir, seed, exp) {
  const problems = []
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  const db = new Database(join(dataDir, 'heatpool.db'), { readonly: true, fileMustExist: true })
  try {
    let compared = 0
    for (const [m, model] of seed.models.entries()) {
      for (const window of Object.keys(WINDOWS)) {
        for (let attempt = 0; ; attempt++) {
          const t0 = Date.now()
          const r = await request(agent, server.port, { path: `/api/v1/community/averages?model=${encodeURIComponent(model.name)}&metrics=${METRICS.join(',')}&window=${window}`, headers: { authorization: `Bearer ${SHARED_TOKEN}` } })
          const t1 = Date.now()
          if (Math.floor(t0 / HOUR_MS) !== Math.floor(t1 / HOUR_MS) && attempt === 0) continue // an hour began meanwhile: ask again
          if (r.status !== 200) { problems.push(`averages ${model.name} ${window}: HTTP ${r.status} ${r.body.toString('utf8').slice(0, 200)}`); break }
          const a = JSON.parse(r.body.toString('utf8'))
          const want = independentAverages(db, seed, m, window, t1)
          if (a.sample_size !== model.heatPumps || want.members !== model.heatPumps) problems.push(`averages ${model.name} ${window}: sample_size ${a.sample_size}, seeded ${model.heatPumps} (with data in the window: ${want.members})`)
          if (model.heatPumps < 5) {
            if (Object.keys(a.metrics).length > 0 || !a.reason) problems.push(`averages ${model.name} ${window}: a group of ${model.heatPumps} installations (< K_ANONYMITY) got figures ${JSON.stringify(a.metrics)}`)
            break
          }
          for (const metric of METRICS) {
            const got = a.metrics[metric]
            const exp2 = want.metrics[metric]
            compared++
            if (!got || !exp2 || ['avg', 'min', 'max'].some((k) => Math.abs(got[k] - exp2[k]) > 0.0101)) {
              problems.push(`averages ${model.name} ${window} ${metric}: server ${JSON.stringify(got)}, independent ${JSON.stringify(exp2)}`)
            }
          }
          break
        }
      }
    }
    const plans = seriesPlans(seed, exp, 0)
    for (const id of ['pool', 'checkAnon', 'checkDetailed']) {
      for (let k = 0; k < 20; k++) {
        const req = plans[id].next(k % opts.concurrency)
        const t0 = Date.now()
        const r = await request(agent, server.port, req)
        if (r.status !== 200) { problems.push(`${req.path}: HTTP ${r.status}`); continue }
        const problem = plans[id].check(JSON.parse(r.body.toString('utf8')), req, t0, Date.now())
        if (problem) problems.push(`${req.path}: ${problem}`)
      }
    }
    return { problems, comparedFigures: compared }
  } finally {
    db.close()
    agent.destroy()
  }
}

// ---------------------------------------------------------------- SQL cost, in-process

/**
 * What each endpoint's SQL costs without HTTP: the server's own query functions from the build,
 * called as the routes call them, on the store the server opens (statement cache, pragmas), with
 * the same id/model mix as the load. Each distinct statement is also captured (a logging Kysely
 * on a second connection), EXPLAINed and timed alone with better-sqlite3 (prepared once; the
 * averages statements for the largest group).
 */
async function sqlCost (dataDir, seed) {
  const [{ openSqliteStore }, pool, eligibility, averages, registry, installations] = await Promise.all([
    import(join(DIST, 'store/sqlite/open.js')),
    import(join(DIST, 'store/pool.js')),
    import(join(DIST, 'community/eligibility.js')),
    import(join(DIST, 'community/averages.js')),
    import(join(DIST, 'models/registry.js')),
    import(join(DIST, 'store/installations.js')),
  ])
  const store = await openSqliteStore({ dataDir, synchronous: 'full' })
  const raw = new Database(join(dataDir, 'heatpool.db'), { readonly: true, fileMustExist: true })
  raw.pragma('cache_size = -65536') // as the server's connection
  let captured = null
  const logDb = new Kysely({ dialect: new SqliteDialect({ database: raw }), log: (e) => { if (e.level === 'query' && captured && !captured.has(e.query.sql)) captured.set(e.query.sql, e.query.parameters) } })
  const rand = prng(opts.seed + 7)
  const bigModels = seed.models.filter((m) => m.heatPumps >= 5)
  const largest = bigModels.reduce((a, b) => (b.heatPumps > a.heatPumps ? b : a))
  const rule = { requiredDays: ELIGIBILITY_DAYS, recentDays: ELIGIBILITY_RECENT_DAYS }
  const tokenHash = createHash('sha256').update(SHARED_TOKEN).digest('hex')
  const calls = (db, fixedModel) => {
    const reg = new registry.ModelRegistry({ dir: join(dataDir, 'models'), db, clock: Date.now })
    const poolStatus = async () => {
      const since = Date.now() - POOL_WINDOW_DAYS * DAY_MS
      await Promise.all([pool.activeInstallations(db, since), pool.samplesSince(db, utcDay(since)), reg.modelsAvailable()])
    }
    const check = async (detailed) => {
      const i = Math.floor(rand() * (detailed ? LEDGER_INSTALLATIONS : seed.ids.length))
      const [, standing] = await Promise.all([poolStatus(), eligibility.eligibilityOf(db, seed.ids[i], Date.now(), rule)])
      await reg.forHeatPumpModel(standing?.modelKey ?? null)
      if (detailed && standing?.daysNeeded === 0) await eligibility.eligibleSince(db, seed.ids[i], CONTRIBUTION_MIN_SAMPLES, ELIGIBILITY_DAYS)
    }
    const avg = (window) => async () => {
      await installations.findInstallationByTokenHash(db, tokenHash) // authenticate() looks the shared token up as an installation token first
      const model = fixedModel ?? bigModels[Math.floor(rand() * bigModels.length)]
      await averages.groupWindowSums(db, model.key, window, Date.now())
    }
    return { pool: poolStatus, checkAnon: () => check(false), checkDetailed: () => check(true), avg24h: avg('24h'), avg30d: avg('30d'), avg365d: avg('365d') }
  }
  const endpoints = {}
  const statements = new Map()
  try {
    const timed = calls(store.db)
    const logged = calls(logDb, largest)
    for (const id of Object.keys(timed)) {
      captured = new Map()
      // Enough calls to see both model-lookup paths (a model of its own, or the generic one).
      for (let k = 0; k < 20; k++) await logged[id]()
      const sqls = [...captured.keys()]
      for (const [sql, params] of captured) {
        // The rollup statements differ by window in their parameters only: one entry per window.
        const key = sql.includes('rollups_') ? `${id} ${sql}` : sql
        if (!statements.has(key)) statements.set(key, { sql, params, usedBy: [] })
        statements.get(key).usedBy.push(id)
      }
      captured = null
      const n = id === 'avg365d' ? 20 : id.startsWith('avg') ? 100 : 2000
      for (let k = 0; k < Math.min(n, 20); k++) await timed[id]() // warm
      const t = performance.now()
      for (let k = 0; k < n; k++) await timed[id]()
      endpoints[id] = { msPerRequest: (performance.now() - t) / n, statements: sqls.length }
    }
    for (const st of statements.values()) {
      st.plan = raw.prepare(`EXPLAIN QUERY PLAN ${st.sql}`).all(...st.params).map((r) => r.detail)
      const stmt = raw.prepare(st.sql)
      const n = st.sql.includes('rollups_') ? 10 : 1000
      for (let k = 0; k < 5; k++) stmt.all(...st.params)
      const t = performance.now()
      for (let k = 0; k < n; k++) stmt.all(...st.params)
      st.ms = (performance.now() - t) / n
      delete st.params
    }
  } finally {
    await logDb.destroy()
    await store.close()
  }
  return { endpoints, statements: [...statements.values()], largest: { model: largest.name, heatPumps: largest.heatPumps } }
}

// ---------------------------------------------------------------- report

const fmtMs = (n) => (n >= 100 ? fmt(n, 0) : n >= 10 ? fmt(n, 1) : fmt(n, 2))

function summarise (runs) {
  const by = {}
  for (const s of SERIES) {
    const rs = runs.map((r) => r[seriesKey(s)]).filter(Boolean)
    by[seriesKey(s)] = {
      ...s,
      runs: rs,
      reqPerS: median(rs.map((r) => r.reqPerS)),
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      serverCpuPct: median(rs.map((r) => r.serverCpuPct)),
      serverMainThreadPct: median(rs.map((r) => r.serverMainThreadPct)),
      serverCpuMsPerRequest: median(rs.map((r) => r.serverCpuMsPerRequest)),
      clientCpuPct: median(rs.map((r) => r.clientCpuPct)),
      machineBusyPct: median(rs.map((r) => r.machineBusyPct)),
      otherCpuPct: median(rs.map((r) => r.otherCpuPct)),
      requests: rs.reduce((a, r) => a + r.requests, 0),
    }
  }
  return by
}

function resultsMarkdown (r) {
  const m = r.machine
  const s = r.summary
  const lines = []
  lines.push(`### Results: ${r.options.concurrency} concurrent client${r.options.concurrency === 1 ? '' : 's'}`)
  lines.push('')
  lines.push(`- Machine: ${m.cpuModel}, ${m.cpuCount} vCPUs (shared by client and server), ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}`)
  lines.push(`- Date: ${m.date}`)
  lines.push(`- Command: \`${r.command}\``)
  const rows = r.seed.rows
  lines.push(`- Seed: ${fmt(rows.installations)} installations (${fmt(r.seed.active)} active in the last 30 days), ${fmt(rows.ledgerDays)} ledger days (the whole history of ${fmt(LEDGER_INSTALLATIONS)} installations), ` +
    `${fmt(rows.poolDays)} pool days, ${fmt(rows.heatPumps)} heat pumps in ${r.seed.models.length} models (${r.seed.models.map((x) => x.heatPumps).join(', ')}), ` +
    `${fmt(rows.hourly)} hourly and ${fmt(rows.daily)} daily rollups; seeded in ${fmt(r.seed.times.total / 1000, 1)} s, ${fmt(r.seed.dbBytes / 2 ** 20)} MiB on disk (${r.seed.tables}).`)
  lines.push(`- Load: ${r.options.concurrency} closed-loop keep-alive client${r.options.concurrency === 1 ? '' : 's'} per series, ${r.options.durationS} s measured per series and run, ${r.options.runs} runs interleaved ` +
    `(${r.options.warmupS} s warm-up before each series' first run), medians of the runs. Two servers on the same store: \`PUBLIC_CACHE_SECONDS=0\` (every request computes) and the default 10 s (cached).`)
  lines.push('')
  lines.push('| endpoint | answers | req/s | p50 ms | p99 ms | p99 per run | max ms | server CPU ms/req | goal p99 | met |')
  lines.push('|---|---|---:|---:|---:|---|---:|---:|---:|---|')
  for (const x of Object.values(s)) {
    const goal = GOALS_P99_MS[x.id]
    const met = goal === undefined ? '' : x.p99Ms < goal ? 'yes' : '**no**'
    lines.push(`| ${ENDPOINTS[x.id]} | ${x.id === 'health' ? 'baseline' : x.cached ? 'cached (10 s)' : '**computed**'} | ${fmt(x.reqPerS)} | ${fmtMs(x.p50Ms)} | ${fmtMs(x.p99Ms)} | ` +
      `${x.runs.map((q) => fmtMs(q.p99Ms)).join(', ')} | ${fmtMs(Math.max(...x.runs.map((q) => q.maxMs)))} | ${fmt(x.serverCpuMsPerRequest, 3)} | ${goal === undefined ? '' : `< ${goal}`} | ${met} |`)
  }
  lines.push('')
  const h = s.health
  lines.push(`- Floor: \`/health\` on the same server answers ${fmt(h.reqPerS)} req/s (p50 ${fmtMs(h.p50Ms)} ms, p99 ${fmtMs(h.p99Ms)} ms) at ${fmt(h.serverCpuMsPerRequest, 3)} ms server CPU per request. ` +
    'Computed answers relative to it: ' + ['pool', 'checkAnon', 'checkDetailed', 'avg24h', 'avg30d', 'avg365d'].map((id) => `${id} ${fmt(s[id].reqPerS / h.reqPerS, 3)}`).join(', ') + ' of its req/s.')
  const met = Object.values(s).filter((x) => GOALS_P99_MS[x.id] !== undefined)
  const missed = met.filter((x) => !(x.p99Ms < GOALS_P99_MS[x.id]))
  lines.push(`- Goals (p99 < 5 ms pool status and model check, < 50 ms averages): ${missed.length === 0 ? 'all met' : `missed by ${missed.map((x) => `${seriesKey(x)} (${fmtMs(x.p99Ms)} ms)`).join(', ')}`}.`)
  lines.push(`- Server main thread during the computed series: ${['pool', 'checkAnon', 'checkDetailed', 'avg24h', 'avg30d', 'avg365d'].map((id) => `${id} ${fmt(s[id].serverMainThreadPct)} %`).join(', ')} of one core; client ${fmt(median(Object.values(s).map((x) => x.clientCpuPct)))} %, other processes on the machine ~${fmt(median(Object.values(s).map((x) => x.otherCpuPct)))} % of one core (medians over series).`)
  lines.push(`- Checks: ${fmt(Object.values(s).reduce((a, x) => a + x.requests, 0))} answers checked against the seed (pool counts, eligibility, contribution days, eligible_since, model hash, sample sizes), ` +
    `${r.verify.comparedFigures} averages figures (avg/min/max of ${METRICS.join(', ')} for every model and window) equal to an independent computation from the rollups; ${r.anomalies.length === 0 ? 'no errors, no wrong answers' : `**${r.anomalies.length} anomalies**`}.`)
  if (r.sql) {
    const computed = ['pool', 'checkAnon', 'checkDetailed', 'avg24h', 'avg30d', 'avg365d']
    lines.push('')
    lines.push('Where the time of a computed answer goes: the same SQL in-process (the server\'s query functions from the build, on the server\'s store, same request mix, one caller, no HTTP) against the server\'s CPU per request under the load above:')
    lines.push('')
    lines.push('| endpoint | SQL statements | SQL ms per request | server CPU ms per request | SQL share |')
    lines.push('|---|---:|---:|---:|---:|')
    for (const id of computed) {
      const q = r.sql.endpoints[id]
      lines.push(`| ${ENDPOINTS[id]} | ${q.statements} | ${fmt(q.msPerRequest, 3)} | ${fmt(s[id].serverCpuMsPerRequest, 3)} | ${fmt(q.msPerRequest / s[id].serverCpuMsPerRequest * 100)} % |`)
    }
    lines.push('')
    lines.push(`Each statement alone (better-sqlite3, prepared once; the rollup statements for the largest group, ${r.sql.largest.model} with ${r.sql.largest.heatPumps} heat pumps), with SQLite's plan:`)
    lines.push('')
    lines.push('| ms | statement | plan | used by |')
    lines.push('|---:|---|---|---|')
    for (const st of [...r.sql.statements].sort((a, b) => b.ms - a.ms)) {
      lines.push(`| ${fmt(st.ms, 3)} | \`${shortSql(st.sql)}\` | ${st.plan.join('; ')} | ${st.usedBy.join(', ')} |`)
    }
  }
  if (r.profile) {
    lines.push('')
    lines.push(`Server CPU profile (one extra uncached server under \`--cpu-prof\`, ${r.options.durationS} s per endpoint, not in the table), self time of the busiest functions, % of the main thread's busy time:`)
    lines.push('')
    lines.push('| endpoint | busy % of wall | top self time |')
    lines.push('|---|---:|---|')
    for (const [id, p] of Object.entries(r.profile.byEndpoint)) {
      lines.push(`| ${ENDPOINTS[id]} | ${fmt(p.busyPct)} | ${p.self.map((f) => `${fmt(f.pct, 1)} % \`${f.label}\``).join(', ')} |`)
    }
    lines.push('')
    lines.push('By package: ' + Object.entries(r.profile.byEndpoint).map(([id, p]) => `${id}: ${p.groups.map((g) => `${g.group} ${fmt(g.pct)} %`).join(', ')}`).join('; ') + '.')
  }
  return lines.join('\n')
}

/** SQL for a table cell: the select list of the rollup sums collapsed. */
function shortSql (sql) {
  return sql.replace(/(sum\("r"\."\w+"\) as "\w+", )+sum\("r"\."\w+"\) as "\w+"/, 'sum(…18 rollup columns…)').replaceAll('|', '\\|')
}

const DOCS_SECTION = '## Read API (embedded store)'
const DOCS_MARKER = '<!-- bench:read:results -->'

/** Replaces (or adds) this concurrency's generated block in the Read API section of docs/BENCHMARKS.md. */
function writeDocs (r) {
  let text = readFileSync(DOCS, 'utf8')
  if (!text.includes(DOCS_SECTION)) text = `${text.trimEnd()}\n\n${DOCS_SECTION}\n\n${DOCS_MARKER}\n`
  writeFileSync(DOCS, withDocsBlock(text, {
    start: `<!-- bench:read:c${r.options.concurrency}:start (generated by bench/read.mjs --write-docs) -->`,
    end: `<!-- bench:read:c${r.options.concurrency}:end -->`,
    body: resultsMarkdown(r),
    placeholder: DOCS_MARKER,
  }))
}

function anomaliesOf (runs, verification, extra) {
  const out = [...verification.problems, ...extra]
  runs.forEach((run, i) => {
    for (const [key, m] of Object.entries(run)) {
      if (Object.keys(m.errors).length > 0) out.push(`run ${i + 1} ${key}: HTTP errors ${JSON.stringify(m.errors)}: ${m.firstError}`)
      if (m.wrong > 0) out.push(`run ${i + 1} ${key}: ${m.wrong} wrong answers, first: ${m.firstError}`)
    }
  })
  return out
}

// ---------------------------------------------------------------- main

async function main () {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run \`npm run build\` first`)
  const m = machine()
  logHeader('bench:read', m, opts)

  // 1. Schema by the server's own migrations, then the seed straight into SQLite.
  const dataDir = tempDir('heatpool-read-')
  const { openSqliteStore } = await import(join(DIST, 'store/sqlite/open.js'))
  await (await openSqliteStore({ dataDir, synchronous: 'full' })).close()
  const nowMs = Date.now()
  const seed = seedStore({
    dataDir,
    nowMs,
    seed: opts.seed,
    installations: opts.installations,
    heatPumps: opts.heatPumps,
    rollupDays: opts.days,
    poolDays: 400,
    ledgerInstallations: LEDGER_INSTALLATIONS,
    rowsPerStatement: 500,
    log,
  })
  const dbPath = join(dataDir, 'heatpool.db')
  seed.dbBytes = statSync(dbPath).size
  {
    const db = new Database(dbPath, { readonly: true })
    const sizes = db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat WHERE name IN ('rollups_hourly', 'sqlite_autoindex_rollups_hourly_1', 'rollups_daily', 'installations', 'ledger_days') GROUP BY name ORDER BY bytes DESC").all()
    db.close()
    seed.tables = sizes.map((t) => `${t.name.replace('sqlite_autoindex_rollups_hourly_1', 'its primary-key index')} ${fmt(t.bytes / 2 ** 20)} MiB`).join(', ')
  }
  log(`seed: ${fmt(seed.times.total / 1000, 1)} s, ${fmt(seed.dbBytes / 2 ** 20)} MiB (${seed.tables}); ${fmt(seed.active)} installations active in the last 30 days`)

  // 2. The uncached server; one model file through the admin route; then the cached server.
  const uncached = await startHeatpool({ dataDir, cached: false })
  const modelBytes = Buffer.alloc(MODEL_BYTES)
  const mr = prng(opts.seed + 3)
  for (let k = 0; k < modelBytes.length; k++) modelBytes[k] = Math.floor(mr() * 256)
  const modelSha256 = createHash('sha256').update(modelBytes).digest('hex')
  {
    const agent = new http.Agent({ keepAlive: false })
    const r = await request(agent, uncached.port, { method: 'POST', path: `/api/v2/admin/models?heatpump_model=${encodeURIComponent(MODEL_FOR)}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' }, body: modelBytes })
    agent.destroy()
    const res = r.status === 201 ? JSON.parse(r.body.toString('utf8')) : null
    if (res?.sha256 !== modelSha256) throw new Error(`cannot upload the model: HTTP ${r.status} ${r.body.toString('utf8').slice(0, 300)}`)
    log(`model: ${res.filename} version ${res.version}, ${fmt(res.size_bytes)} bytes, sha256 ${res.sha256.slice(0, 12)}…`)
  }
  const cached = await startHeatpool({ dataDir, cached: true })
  const exp = expectations(seed, modelSha256)

  // 3. Verification: averages against an independent computation, and one of each request kind.
  const verification = await verify(uncached, dataDir, seed, exp)
  log(`verify: ${verification.comparedFigures} averages figures compared, ${verification.problems.length} problems`)
  for (const p of verification.problems.slice(0, 10)) log(`  ${p}`)

  // 4. SQL cost of each endpoint, in-process (the servers are idle).
  const sql = await sqlCost(dataDir, seed)
  for (const [id, q] of Object.entries(sql.endpoints)) log(`sql ${id}: ${fmt(q.msPerRequest, 3)} ms per request, ${q.statements} statements`)
  for (const st of sql.statements) log(`sql ${fmt(st.ms, 3).padStart(7)} ms  ${shortSql(st.sql).slice(0, 110)}  [${st.plan.join('; ')}]`)

  // 5. The load: every series once per run, runs interleaved.
  const plans = { uncached: seriesPlans(seed, exp, 0), cached: seriesPlans(seed, exp, 10_000) }
  const runs = []
  for (let i = 0; i < opts.runs; i++) {
    const run = {}
    for (const s of SERIES) {
      const server = s.cached ? cached : uncached
      const plan = (s.cached ? plans.cached : plans.uncached)[s.id]
      const r = await drive({ server, next: plan.next, check: plan.check, warmupMs: i === 0 ? opts.warmupS * 1000 : 0, durationMs: opts.durationS * 1000 })
      if (server.exited() !== null) throw new Error(`the ${server.name} died (${server.exited()}) during ${seriesKey(s)} of run ${i + 1}:\n${server.output()}`)
      run[seriesKey(s)] = r
      log(`run ${i + 1}/${opts.runs} ${seriesKey(s).padEnd(20)} ${fmt(r.reqPerS).padStart(7)} req/s  p50 ${fmtMs(r.p50Ms).padStart(6)} ms  p99 ${fmtMs(r.p99Ms).padStart(6)} ms  max ${fmtMs(r.maxMs).padStart(6)} ms  ` +
        `server ${fmt(r.serverCpuPct)} % (main ${fmt(r.serverMainThreadPct)} %), ${fmt(r.serverCpuMsPerRequest, 3)} ms CPU/req, client ${fmt(r.clientCpuPct)} %` +
        `${Object.keys(r.errors).length ? `, errors ${JSON.stringify(r.errors)}` : ''}${r.wrong ? `, ${r.wrong} WRONG` : ''}${r.firstError ? `: ${r.firstError}` : ''}`)
    }
    runs.push(run)
  }
  const extra = []
  for (const [name, server] of [['uncached', uncached], ['cached', cached]]) {
    const exit = await server.stop()
    if (exit.code !== 0) extra.push(`the ${name} server exited with ${exit.code ?? exit.signal} on SIGTERM: ${server.output().slice(-500)}`)
    else if (server.output().trim()) log(`${name} server output: ${server.output().trim().slice(0, 1000)}`)
  }

  // 6. Optional: one more uncached server under --cpu-prof, each endpoint once.
  let profile = null
  if (opts.profile) {
    const dir = tempDir('heatpool-read-prof-')
    const server = await startHeatpool({ dataDir, cached: false, cpuProfDir: dir })
    const windows = {}
    try {
      for (const id of ['pool', 'checkAnon', 'checkDetailed', 'avg24h', 'avg365d']) {
        const plan = plans.uncached[id]
        const r = await drive({ server, next: plan.next, check: plan.check, warmupMs: opts.warmupS * 1000, durationMs: opts.durationS * 1000 })
        windows[id] = r.windowUs
        log(`profiled ${id}: ${fmt(r.reqPerS)} req/s, p99 ${fmtMs(r.p99Ms)} ms`)
      }
    } finally {
      await server.stop()
    }
    const kept = keepCpuProfile(dir, `read-${fileStamp(m.date)}`)
    if (kept === null) throw new Error('the profiled server wrote no .cpuprofile (did it exit cleanly?)')
    removeDir(dir)
    profile = { file: kept, byEndpoint: {} }
    for (const [id, w] of Object.entries(windows)) {
      const p = summariseCpuProfile(kept, w)
      profile.byEndpoint[id] = {
        busyPct: p.busyMs / p.totalMs * 100,
        self: p.self.slice(0, 6).map((f) => ({ label: f.label.startsWith('RegExp: ') ? `RegExp ${f.label.slice(8, 40)}…` : f.label, pct: f.ms / p.busyMs * 100 })),
        groups: p.groups.slice(0, 6).map((g) => ({ group: g.group, pct: g.ms / p.busyMs * 100 })),
      }
    }
    log(`profile kept at ${kept}`)
  }

  removeDir(dataDir)
  const summary = summarise(runs)
  const result = {
    machine: m,
    command: commandLine('bench:read'),
    options: opts,
    seed: { rows: seed.rows, times: seed.times, active: seed.active, dbBytes: seed.dbBytes, tables: seed.tables, models: seed.models.map((x) => ({ name: x.name, key: x.key, heatPumps: x.heatPumps })) },
    verify: verification,
    sql,
    summary,
    profile,
  }
  result.anomalies = anomaliesOf(runs, verification, extra)
  const json = saveResults(`read-c${opts.concurrency}-${fileStamp(m.date)}`, result)
  log('')
  log(resultsMarkdown(result))
  log('')
  log(`results: ${json}`)
  if (opts.writeDocs) {
    writeDocs(result)
    log(`updated ${DOCS}`)
  }
  reportAnomalies(result.anomalies)
}

await runMain(main)
