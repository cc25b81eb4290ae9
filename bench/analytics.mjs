#!/usr/bin/env node
// Community analytics benchmark (docs/BENCHMARKS.md "Analytics"): comparison, ranking and models.
//
//   npm run bench:analytics -- [--concurrency 16] [--duration 3] [--runs 3] [--heat-pumps 1000]
//                              [--days 365] [--seed 20261127] [--write-docs]
//
// Contract: loopback only, bounded in time (a watchdog ends it), every child process and temp
// directory removed on exit, failure or Ctrl-C. Needs the server built (`npm run build`, which
// `npm run bench:analytics` does first).
//
// It seeds a fresh DATA_DIR straight into SQLite with bench/read-seed.mjs (1,000 heat pumps, one
// per installation, × 365 days of hourly and daily rollups, 11 models), gives 300 of the
// installations a token, starts one server with the default PUBLIC_CACHE_SECONDS (analytics
// snapshots per group, window and day) and then:
//   1. cold: asks every model × window once, one request at a time, timing the snapshot builds;
//   2. load: C closed-loop keep-alive clients GET comparison (random big model, window, metric;
//      half of them with an installation token), ranking (random token) and models, --duration
//      seconds per series, --runs runs interleaved; medians of the runs.
// Every answer is checked (exit code 1 on any error or wrong answer), and the models page's
// medians are compared with an independent computation from the rollups.

import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import {
  commandLine, DOCS, fileStamp, fmt, freePort, installCleanup, log, logHeader, machine, median, parseFlags, percentile,
  reportAnomalies, request, ROOT, runMain, saveResults, serverEnv, SERVER_JS, startChild, tempDir, withDocsBlock,
} from './common.mjs'
import { prng } from './payloads.mjs'
import { DAY_MS, seedStore } from './read-seed.mjs'

const DIST = join(ROOT, 'packages/server/dist')
const GOAL_P99_MS = 50
const K = 5
const TOKENS = 300
const METRICS = ['cop', 'temp_flow', 'pct_carnot', 'cop_space']
const WINDOWS = ['7d', '30d', '365d']

const { argv, intOpt } = parseFlags(import.meta.url, 3, {
  concurrency: { type: 'string', default: '16' },
  duration: { type: 'string', default: '3' },
  runs: { type: 'string', default: '3' },
  'heat-pumps': { type: 'string', default: '1000' },
  days: { type: 'string', default: '365' },
  seed: { type: 'string', default: '20261127' },
  'write-docs': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
})
const opts = {
  concurrency: intOpt('concurrency', 1, 256),
  durationS: intOpt('duration', 1, 600),
  runs: intOpt('runs', 1, 20),
  heatPumps: intOpt('heat-pumps', 100, 10_000),
  days: intOpt('days', 31, 730),
  seed: intOpt('seed', 0, 2 ** 31),
  writeDocs: argv['write-docs'],
}
installCleanup(600 + opts.runs * 3 * (opts.durationS + 10))

const tokenOf = (i) => `bench-installation-token-${i}`
const sha256 = (s) => createHash('sha256').update(s, 'utf8').digest('hex')

/** Closed-loop load for `durationMs`; `next(w)` gives a request, `check(body, req)` null or a problem. */
async function drive (port, next, check, durationMs) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency })
  const lat = []
  const m = { requests: 0, errors: 0, wrong: 0, firstError: null }
  const end = performance.now() + durationMs
  const t0 = performance.now()
  await Promise.all(Array.from({ length: opts.concurrency }, async (_, w) => {
    while (performance.now() < end) {
      const req = next(w)
      const r = await request({ agent, port, method: 'GET', path: req.path, headers: req.headers ?? {} })
      m.requests++
      if (r.status !== 200) {
        m.errors++
        m.firstError ??= `${req.path}: ${r.status} ${r.body.toString('utf8').slice(0, 200)}`
        if (r.status === 0) return
        continue
      }
      lat.push(r.ms)
      const problem = check(JSON.parse(r.body.toString('utf8')), req)
      if (problem) { m.wrong++; m.firstError ??= `${req.path}: ${problem}` }
    }
  }))
  const elapsedS = (performance.now() - t0) / 1000
  agent.destroy()
  const sorted = Float64Array.from(lat).sort()
  return { ...m, reqPerS: sorted.length / elapsedS, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), maxMs: sorted[sorted.length - 1] }
}

/** Seasonal COP per model from the daily rollups (the bench's own SQL): nearest-rank median over heat pumps with ≥ 24 running hours. */
function independentMedians (dataDir, fromDay, toDay) {
  const db = new Database(join(dataDir, 'heatpool.db'), { readonly: true })
  const rows = db.prepare(`SELECT hp.model_key AS k, sum(r.heat_wh) AS h, sum(r.electric_wh) AS e, sum(r.running_s) AS run
    FROM rollups_daily r JOIN heat_pumps hp ON hp.id = r.heat_pump_id WHERE r.day BETWEEN ? AND ? GROUP BY r.heat_pump_id`).all(fromDay, toDay)
  db.close()
  const by = new Map()
  for (const r of rows) if (r.run >= 24 * 3600 && r.e >= 100) by.set(r.k, [...(by.get(r.k) ?? []), r.h / r.e])
  return new Map([...by].map(([k, xs]) => { const s = xs.sort((a, b) => a - b); return [k, { n: s.length, median: Math.round(s[Math.ceil(0.5 * s.length) - 1] * 100) / 100 }] }))
}

function markdown (r) {
  const m = r.machine
  const lines = [
    `### Results: ${r.options.concurrency} concurrent clients`,
    '',
    `- Machine: ${m.cpuModel}, ${m.cpuCount} vCPUs (shared by client and server), ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}`,
    `- Date: ${m.date}`,
    `- Command: \`${r.command}\``,
    `- Seed: ${fmt(r.seed.rows.heatPumps)} heat pumps (one per installation, ${TOKENS} of them with a token) in ${r.seed.models.length} models (${r.seed.models.map((x) => x.heatPumps).join(', ')}), ${fmt(r.seed.rows.hourly)} hourly and ${fmt(r.seed.rows.daily)} daily rollups; seeded in ${fmt(r.seed.times.total / 1000, 1)} s.`,
    `- Load: ${r.options.concurrency} closed-loop keep-alive clients per series, ${r.options.durationS} s per series and run, ${r.options.runs} runs interleaved, medians of the runs; one server, default \`PUBLIC_CACHE_SECONDS\` (10 s), snapshots built in the cold pass first.`,
    '',
    '| endpoint | req/s | p50 ms | p99 ms | p99 per run | max ms | goal p99 | met |',
    '|---|---:|---:|---:|---|---:|---:|---|',
  ]
  for (const [id, s] of Object.entries(r.summary)) {
    const goal = id === 'models' ? '' : `< ${GOAL_P99_MS}`
    const met = id === 'models' ? '' : s.p99Ms < GOAL_P99_MS ? 'yes' : '**no**'
    lines.push(`| ${SERIES[id]} | ${fmt(s.reqPerS)} | ${fmt(s.p50Ms, 2)} | ${fmt(s.p99Ms, 2)} | ${s.runs.map((x) => fmt(x.p99Ms, 2)).join(', ')} | ${fmt(Math.max(...s.runs.map((x) => x.maxMs)), 1)} | ${goal} | ${met} |`)
  }
  const c = r.cold
  lines.push('')
  lines.push(`- Cold (first request of a model × window on a day, one at a time, builds the group's daily and hourly-by-band snapshot): ${c.length} requests, median ${fmt(median(c.map((x) => x.ms)), 0)} ms, max ${fmt(Math.max(...c.map((x) => x.ms)), 0)} ms (${c.reduce((a, x) => (x.ms > a.ms ? x : a)).label}); by window: ${WINDOWS.map((w) => `${w} median ${fmt(median(c.filter((x) => x.window === w).map((x) => x.ms)), 0)} ms`).join(', ')}. All snapshots: ${fmt(c.reduce((a, x) => a + x.ms, 0) / 1000, 1)} s once per day.`)
  lines.push(`- Checks: ${fmt(r.checked)} answers checked (group sizes = seeded heat pumps, COP medians in range, ranked with n = group size, models page complete); models page medians equal an independent computation from the rollups for ${r.independent.compared} models; ${r.anomalies.length === 0 ? 'no errors, no wrong answers' : `**${r.anomalies.length} anomalies**`}.`)
  return lines.join('\n')
}

const SERIES = {
  comparison: 'GET /api/v2/community/comparison (random model, window, metric; half with an installation token)',
  ranking: 'GET /api/v2/community/ranking (random installation, 365d)',
  models: 'GET /api/v2/community/models',
}

async function main () {
  if (!existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run \`npm run build\` first`)
  const m = machine()
  logHeader('bench:analytics', m, opts)
  const dataDir = tempDir('heatpool-analytics-')
  const { openSqliteStore } = await import(join(DIST, 'store/sqlite/open.js'))
  await (await openSqliteStore({ dataDir, synchronous: 'full' })).close()
  const nowMs = Date.now()
  const seed = seedStore({ dataDir, nowMs, seed: opts.seed, installations: opts.heatPumps, heatPumps: opts.heatPumps, rollupDays: opts.days + 1, poolDays: 31, ledgerInstallations: 0, rowsPerStatement: 500, log })
  {
    const db = new Database(join(dataDir, 'heatpool.db'))
    const set = db.prepare('UPDATE installations SET token_hash = ? WHERE id = ?')
    db.transaction(() => { for (let i = 0; i < TOKENS; i++) set.run(sha256(tokenOf(i)), seed.ids[i]) })()
    db.close()
  }
  const port = await freePort()
  const server = await startChild({ name: 'heatpool server', args: [SERVER_JS], env: serverEnv({ port, dataDir, RATE_LIMIT_PER_MINUTE: '100000000', RATE_LIMIT_IP_PER_MINUTE: '100000000', RATE_LIMIT_REGISTRATIONS_PER_HOUR: '100000000' }), port, cwd: dataDir, healthyWithinS: 30 })
  const anomalies = []
  const bigModels = seed.models.filter((x) => x.heatPumps >= K)
  const groupSize = new Map(seed.models.map((x) => [x.key, x.heatPumps]))

  // 1. Cold pass: every model × window once.
  const cold = []
  for (const w of WINDOWS) {
    for (const model of seed.models) {
      const r = await request({ port, method: 'GET', path: `/api/v2/community/comparison?model=${encodeURIComponent(model.name)}&window=${w}` })
      cold.push({ label: `${model.name} ${w}`, window: w, ms: r.ms })
      if (r.status !== 200) anomalies.push(`cold ${model.name} ${w}: HTTP ${r.status}`)
      log(`cold ${model.name.padEnd(16)} ${w.padEnd(4)} ${fmt(r.ms, 0).padStart(6)} ms`)
    }
  }

  // Independent check of the models page.
  const today = Math.floor(nowMs / DAY_MS)
  const want = independentMedians(dataDir, today - 365, today - 1)
  const page = JSON.parse((await request({ port, method: 'GET', path: '/api/v2/community/models' })).body.toString('utf8'))
  let compared = 0
  for (const model of bigModels) {
    const got = page.models.find((x) => x.model_key === model.key)
    const exp = want.get(model.key)
    compared++
    if (!got || !exp || got.heat_pumps !== exp.n || Math.abs(got.seasonal_cop.median - exp.median) > 0.0101) anomalies.push(`models ${model.name}: server ${JSON.stringify(got)}, independent ${JSON.stringify(exp)}`)
  }
  if (page.models.some((x) => groupSize.get(x.model_key) < K)) anomalies.push('the models page lists a group under K')

  // 2. Load.
  const rnd = Array.from({ length: opts.concurrency }, (_, w) => prng(opts.seed + 31 * (w + 1)))
  const modelOfInstallation = (i) => seed.models[seed.hpModel[i]]
  const plans = {
    comparison: {
      next (w) {
        const r = rnd[w]
        const model = bigModels[Math.floor(r() * bigModels.length)]
        const window = WINDOWS[Math.floor(r() * WINDOWS.length)]
        const metric = METRICS[Math.floor(r() * METRICS.length)]
        const i = Math.floor(r() * TOKENS)
        const own = r() < 0.5 && modelOfInstallation(i).key === model.key
        return { path: `/api/v2/community/comparison?model=${encodeURIComponent(model.name)}&window=${window}&metric=${metric}`, headers: r() < 0.5 ? { authorization: `Bearer ${tokenOf(i)}` } : {}, model, own }
      },
      check (a, req) {
        if (a.model_key !== req.model.key) return `model_key ${a.model_key}`
        if (!(a.overall.installations >= K && a.overall.installations <= req.model.heatPumps)) return `installations ${a.overall.installations} of ${req.model.heatPumps}`
        if ('mean' in a.overall) return 'a public answer has a mean'
        if (a.metric === 'cop' && !(a.overall.median >= 2.5 && a.overall.median <= 4.6)) return `median COP ${a.overall.median}`
        return null
      },
    },
    ranking: {
      next (w) { const i = Math.floor(rnd[w]() * TOKENS); return { path: '/api/v2/community/ranking', headers: { authorization: `Bearer ${tokenOf(i)}` }, i } },
      check (a, req) {
        const hp = a.heat_pumps[0]
        const model = modelOfInstallation(req.i)
        if (!hp || hp.model_key !== model.key) return `heat pump ${JSON.stringify(hp)?.slice(0, 100)}`
        if (model.heatPumps > K) {
          if (!hp.ranked || !(hp.percentile >= 0 && hp.percentile <= 100) || hp.n !== model.heatPumps) return `not ranked as expected: ${JSON.stringify(hp).slice(0, 200)}`
        } else if (hp.ranked || !hp.missing.includes('group_size')) return `ranked in a group of ${model.heatPumps}`
        return null
      },
    },
    models: { next: () => ({ path: '/api/v2/community/models' }), check: (a) => (a.models.length === bigModels.length ? null : `${a.models.length} models`) },
  }
  const runs = []
  for (let k = 0; k < opts.runs; k++) {
    const run = {}
    for (const id of Object.keys(SERIES)) {
      const r = await drive(port, plans[id].next, plans[id].check, opts.durationS * 1000)
      run[id] = r
      log(`run ${k + 1}/${opts.runs} ${id.padEnd(11)} ${fmt(r.reqPerS).padStart(7)} req/s  p50 ${fmt(r.p50Ms, 2).padStart(6)} ms  p99 ${fmt(r.p99Ms, 2).padStart(6)} ms  max ${fmt(r.maxMs, 1)} ms${r.errors ? `, ${r.errors} errors` : ''}${r.wrong ? `, ${r.wrong} WRONG` : ''}${r.firstError ? `: ${r.firstError}` : ''}`)
      if (r.errors > 0 || r.wrong > 0) anomalies.push(`run ${k + 1} ${id}: ${r.errors} errors, ${r.wrong} wrong: ${r.firstError}`)
    }
    runs.push(run)
  }
  const exit = await server.stop()
  if (exit.code !== 0) anomalies.push(`the server exited with ${exit.code ?? exit.signal}: ${server.output().slice(-300)}`)
  const summary = Object.fromEntries(Object.keys(SERIES).map((id) => {
    const rs = runs.map((r) => r[id])
    return [id, { runs: rs, reqPerS: median(rs.map((x) => x.reqPerS)), p50Ms: median(rs.map((x) => x.p50Ms)), p99Ms: median(rs.map((x) => x.p99Ms)) }]
  }))
  for (const id of ['comparison', 'ranking']) if (!(summary[id].p99Ms < GOAL_P99_MS)) log(`goal missed: ${id} p99 ${fmt(summary[id].p99Ms, 1)} ms`)
  const result = {
    machine: m,
    command: commandLine('bench:analytics'),
    options: opts,
    seed: { rows: seed.rows, times: seed.times, models: seed.models.map((x) => ({ name: x.name, heatPumps: x.heatPumps })) },
    cold,
    independent: { compared },
    checked: runs.reduce((a, r) => a + Object.values(r).reduce((b, x) => b + x.requests, 0), 0),
    summary,
    anomalies,
  }
  const json = saveResults(`analytics-c${opts.concurrency}-${fileStamp(m.date)}`, result)
  log('')
  log(markdown(result))
  log(`results: ${json}`)
  if (opts.writeDocs) {
    const section = '## Analytics'
    const marker = '<!-- bench:analytics:results -->'
    let text = readFileSync(DOCS, 'utf8')
    if (!text.includes(marker)) text = `${text.trimEnd()}\n\n${section}\n\n${marker}\n`
    writeFileSync(DOCS, withDocsBlock(text, {
      start: `<!-- bench:analytics:c${opts.concurrency}:start (generated by bench/analytics.mjs --write-docs) -->`,
      end: `<!-- bench:analytics:c${opts.concurrency}:end -->`,
      body: markdown(result),
      placeholder: marker,
    }))
    log(`updated ${DOCS}`)
  }
  reportAnomalies(anomalies)
}

await runMain(main)
