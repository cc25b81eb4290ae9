#!/usr/bin/env node
// Benchmark of the heatpool agent (docs/BENCHMARKS.md, "## Agent"): relay ingest rate into the
// outbox, RSS while holding 7 days of one installation's data, catch-up after a 24 h outage.
//
//   npm run bench:agent -- [--runs 3] [--duration 5] [--senders 4] [--only relay,rss,catchup]
//                          [--installations 20] [--pin] [--write-docs]
//
// Contract: loopback only (127.0.0.1), bounded in requests and time (a watchdog ends it), and
// every child process and temp directory it creates is removed on exit, failure or Ctrl-C.
// Needs the server and the agent built (`npm run bench:agent` builds first).
//
// The agent is the real process (`node packages/agent/dist/cli/main.js run`, what
// `npx heatpool-agent run` starts), the server too (`node packages/server/dist/server.js`).
// Bodies are shaped like upstream iDM loggers' (bench/payloads.mjs): v1 records of 20 numeric
// fields (~740 bytes as Python sends them) and v2 records of 137 values (~5.7 KB).

import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { gzipSync } from 'node:zlib'
import { randomUUID } from 'node:crypto'
import { getJson, memOf, mib, rssSampler } from './agent-lib.mjs'
import {
  commandLine, cpuOf, cpuProfFlags, DOCS, fileStamp, fmt, freePort, HOST, installCleanup, keepCpuProfile, log, logHeader,
  machine, median, monotonicUs, parseFlags, percentile, removeDir, reportAnomalies, request, ROOT, runMain, saveResults,
  serverEnv, SERVER_JS, startBaseline, startChild, tempDir, withDocsBlock,
} from './common.mjs'
import Database from 'better-sqlite3'
import { summariseCpuProfile } from './cpuprofile.mjs'
import { buildV2Batch, prng, uuidFrom, v1BatchFactory, V1_FIELDS } from './payloads.mjs'

const AGENT_JS = join(ROOT, 'packages/agent/dist/cli/main.js')
const AGENT_BIN = join(ROOT, 'packages/agent/bin/heatpool-agent.js')

/**
 * What the installed command (packages/agent/bin/heatpool-agent.js) runs the agent with: the
 * environment assignments and Node flags of its `#!/usr/bin/env -S …` line. The bench starts
 * node itself (so that --profile can add its flags) but with exactly these.
 */
function shebangOf (file) {
  const words = readFileSync(file, 'utf8').split('\n', 1)[0].replace(/^#!\S*env -S\s*/, '').split(/\s+/).filter(Boolean)
  const node = words.findIndex((w) => w === 'node' || w.endsWith('/node'))
  if (node < 0) throw new Error(`${file}: cannot read its shebang line`)
  return { env: Object.fromEntries(words.slice(0, node).map((w) => w.split('='))), flags: words.slice(node + 1) }
}
const AGENT_SHEBANG = shebangOf(AGENT_BIN)
const GOAL_RSS_BYTES = 80 * 2 ** 20
const STEP_S = 30 // upstream's default logging interval
const CHUNK_30S = 480 // records per relay POST at 30 s cadence: 4 h, so 24 h and 7 days are whole chunks

// ---------------------------------------------------------------- options

const { argv, intOpt } = parseFlags(import.meta.url, 6, {
  runs: { type: 'string', default: '3' },
  duration: { type: 'string', default: '5' },
  warmup: { type: 'string', default: '1' },
  senders: { type: 'string', default: '4' },
  records: { type: 'string', default: '500' },
  installations: { type: 'string', default: '20' },
  hold: { type: 'string', default: '8' },
  only: { type: 'string', default: 'relay,rss,catchup' },
  seed: { type: 'string', default: '20261127' },
  profile: { type: 'boolean', default: false },
  'agent-node-options': { type: 'string', default: '' },
  'agent-env': { type: 'string', default: '' },
  'write-docs': { type: 'boolean', default: false },
  pin: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
})
const opts = {
  runs: intOpt('runs', 1, 10),
  durationS: intOpt('duration', 1, 60),
  warmupS: intOpt('warmup', 0, 10),
  senders: intOpt('senders', 1, 32),
  records: intOpt('records', 1, 5000),
  installations: intOpt('installations', 2, 200),
  holdS: intOpt('hold', 2, 60),
  only: new Set(argv.only.split(',').map((s) => s.trim())),
  seed: intOpt('seed', 0, 2 ** 31),
  profile: argv.profile,
  agentNodeOptions: argv['agent-node-options'],
  agentEnv: Object.fromEntries(argv['agent-env'].split(/\s+/).filter(Boolean).map((w) => w.split('='))),
  writeDocs: argv['write-docs'],
  pin: argv.pin,
}
for (const p of opts.only) if (!['relay', 'rss', 'catchup'].includes(p)) throw new Error(`--only: unknown phase ${p}`)

// Bounded in time whatever happens: the planned phases plus generous slack.
const budgetS = 120 + (opts.only.has('relay') ? opts.runs * 2 * (opts.durationS + opts.warmupS + 20) : 0) +
  (opts.only.has('rss') ? 2 * (opts.holdS + 90) : 0) + (opts.only.has('catchup') ? opts.runs * (2 * 60 + opts.installations * 3) : 0)
installCleanup(budgetS)

// ---------------------------------------------------------------- processes

/** Health polls of the agent bench's children: every 25 ms. */
const POLL_MS = 25

/**
 * --pin: the server on CPU 1 and the agent on CPU 0 (all their threads), as on two machines, so
 * that neither takes the other's core; the bench client floats.
 */
function pinned (child, cpu) {
  if (opts.pin) execFileSync('taskset', ['-a', '-cp', String(cpu), String(child.pid)], { stdio: 'ignore' })
  return child
}

async function startServer ({ dataDir, port }) {
  // cwd = the data dir, so a developer's .env in the repository cannot change the benchmark.
  return pinned(await startChild({ name: 'heatpool server', args: [SERVER_JS], env: serverEnv({ port, dataDir }), port, cwd: dataDir, pollMs: POLL_MS }), 1)
}

async function startAgent ({ dataDir, port, serverPort, consent = true, env = {}, cpuProfDir }) {
  const e = {
    PATH: process.env.PATH,
    HEATPOOL_SERVER_URL: `http://${HOST}:${serverPort}`,
    AGENT_PORT: String(port),
    AGENT_HOST: HOST,
    AGENT_DATA_DIR: dataDir,
    AGENT_CONSENT: String(consent),
    AGENT_HEATPUMP_MODEL: 'AERO SLM',
    AGENT_MODEL_CHECK_INTERVAL: '0',
    LOG_LEVEL: 'warn',
    ...(opts.agentNodeOptions ? { NODE_OPTIONS: opts.agentNodeOptions } : {}),
    ...AGENT_SHEBANG.env,
    ...opts.agentEnv,
    ...env,
  }
  // The environment and Node flags the installed command's shebang sets.
  const args = [...AGENT_SHEBANG.flags, ...cpuProfFlags(cpuProfDir), AGENT_JS, 'run']
  return pinned(await startChild({ name: 'heatpool agent', args, env: e, port, cwd: dataDir, pollMs: POLL_MS }), 0)
}

const status = (agent) => getJson(agent.port, '/api/status')

async function relay (port, body) {
  const r = await request({ port, method: 'POST', path: '/api/v1/submit', headers: { 'content-type': 'application/json' }, body })
  if (r.status !== 200) throw new Error(`relay POST answered ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`)
  return JSON.parse(r.body.toString('utf8'))
}

async function waitFor (what, timeoutMs, check, everyMs = 20) {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v) return v
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

/** Registers installations through the agent while the server is up: one old record each, flushed. */
async function registerThroughAgent (agent, ids, tsS) {
  for (const id of ids) {
    await relay(agent.port, Buffer.from(JSON.stringify({ installation_id: id, heatpump_model: 'AERO SLM', version: '1.0.2', data: [{ timestamp: tsS, temp_outside: 5 }] })))
  }
  await waitFor('the registration uploads', 30_000, async () => {
    await request({ port: agent.port, method: 'POST', path: '/api/flush', timeoutMs: 30_000 })
    const s = await status(agent)
    return s.outbox.records === 0 && s.outbox.uploaded >= ids.length
  }, 100)
}

// ---------------------------------------------------------------- (a) relay ingest rate

/**
 * Closed-loop senders, each one logger (installation) posting 500-record v1 bodies as fast as
 * they are answered, for warm-up + duration. Counts `processed`, per-second throughput, latency,
 * and the target's CPU and RSS.
 */
async function drive ({ port, pid, factory, ids, agentAnswers }) {
  const pool = new http.Agent({ keepAlive: true, maxSockets: ids.length })
  const headers = { 'content-type': 'application/json' }
  const sent = new Uint32Array(ids.length)
  const phase = async (ms, measure) => {
    const m = { records: 0, requests: 0, errors: {}, firstError: null, latencies: [], perSecond: [] }
    const end = performance.now() + ms
    const t0 = performance.now()
    const cpu0 = measure ? cpuOf(pid) : null
    const rss = measure ? rssSampler(pid, 50) : null
    const worker = async (w) => {
      while (performance.now() < end) {
        const body = factory.make(w, ids[w], sent[w]++)
        const r = await request({ agent: pool, port, method: 'POST', path: '/api/v1/submit', headers, body })
        m.requests++
        if (r.status !== 200) {
          m.errors[r.status] = (m.errors[r.status] ?? 0) + 1
          m.firstError ??= `${r.status} ${r.body.toString('utf8').slice(0, 300)}`
          if (r.status === 0) return
          continue
        }
        const n = agentAnswers ? JSON.parse(r.body.toString('utf8')).processed : opts.records
        m.records += n
        m.latencies.push(r.ms)
        const sec = Math.floor((performance.now() - t0) / 1000)
        m.perSecond[sec] = (m.perSecond[sec] ?? 0) + n
      }
    }
    await Promise.all(ids.map((_, w) => worker(w)))
    const elapsedS = (performance.now() - t0) / 1000
    const cpu1 = measure ? cpuOf(pid) : null
    const samples = rss?.stop() ?? []
    const lat = Float64Array.from(m.latencies).sort()
    return {
      records: m.records,
      requests: m.requests,
      errors: m.errors,
      firstError: m.firstError,
      elapsedS,
      recordsPerS: m.records / elapsedS,
      perSecond: Array.from(m.perSecond, (x) => x ?? 0).slice(0, Math.floor(elapsedS)),
      p50Ms: percentile(lat, 0.5),
      p99Ms: percentile(lat, 0.99),
      cpuPct: cpu0 && cpu1 ? (cpu1.cpuMs - cpu0.cpuMs) / (elapsedS * 10) : NaN,
      mainThreadPct: cpu0 && cpu1 ? (cpu1.mainThreadMs - cpu0.mainThreadMs) / (elapsedS * 10) : NaN,
      maxRss: Math.max(...samples.map((s) => s[1])),
    }
  }
  try {
    const warm = opts.warmupS > 0 ? await phase(opts.warmupS * 1000, false) : { records: 0, errors: {} }
    const m = await phase(opts.durationS * 1000, true)
    return { ...m, warmupRecords: warm.records, warmupErrors: Object.values(warm.errors).reduce((a, b) => a + b, 0) }
  } finally {
    pool.destroy()
  }
}

async function relayPhase () {
  const rand = prng(opts.seed)
  const nowS = Math.floor(Date.now() / 1000)
  // 1 s apart from 47 h ago, as bench:ingest: timestamps never run out within a run.
  const factory = v1BatchFactory({ records: opts.records, firstTsS: nowS - 47 * 3600, intervalS: 1, seed: opts.seed })
  const runs = []
  const baseline = []
  for (let i = 0; i < opts.runs; i++) {
    const ids = Array.from({ length: opts.senders }, () => uuidFrom(rand))
    // Baseline: the same bodies to a bare node:http server that only JSON.parses them.
    const base = await startBaseline({ pollMs: POLL_MS })
    try {
      baseline.push(await drive({ port: base.port, pid: base.pid, factory, ids, agentAnswers: false }))
    } finally {
      await base.stop()
    }
    // The agent, as during a server outage: consent given, nothing listening at its server URL,
    // default retry settings (so its uploader mostly waits in backoff). Fresh data dir per run.
    const dataDir = tempDir('heatpool-bench-agent-')
    const agent = await startAgent({ dataDir, port: await freePort(), serverPort: await freePort() })
    let run
    try {
      run = await drive({ port: agent.port, pid: agent.pid, factory, ids, agentAnswers: true })
      const s = await status(agent)
      run.outboxRecords = s.outbox.records
      run.outboxBytes = s.outbox.bytes
      run.dropped = s.outbox.dropped
    } finally {
      run ??= {}
      run.exit = await agent.stop()
      removeDir(dataDir)
    }
    runs.push(run)
    const b = baseline[i]
    log(`relay run ${i + 1}/${opts.runs}: agent ${fmt(run.recordsPerS)} records/s (per second: ${run.perSecond.map((x) => fmt(x)).join(', ')}), ` +
      `p50 ${fmt(run.p50Ms, 1)} ms, p99 ${fmt(run.p99Ms, 1)} ms, agent CPU ${fmt(run.cpuPct)} % (main ${fmt(run.mainThreadPct)} %), max RSS ${mib(run.maxRss)} MiB, ` +
      `outbox ${fmt(run.outboxRecords)} records; baseline ${fmt(b.recordsPerS)} records/s, CPU ${fmt(b.cpuPct)} %` +
      `${Object.keys(run.errors).length ? `, errors ${JSON.stringify(run.errors)} ${run.firstError}` : ''}`)
  }
  let profile = null
  if (opts.profile) {
    const ids = Array.from({ length: opts.senders }, () => uuidFrom(rand))
    const dataDir = tempDir('heatpool-bench-agent-')
    const profDir = tempDir('heatpool-bench-prof-')
    const agent = await startAgent({ dataDir, port: await freePort(), serverPort: await freePort(), cpuProfDir: profDir })
    const fromUs = monotonicUs()
    let run
    try {
      run = await drive({ port: agent.port, pid: agent.pid, factory, ids, agentAnswers: true })
    } finally {
      await agent.stop()
      removeDir(dataDir)
    }
    const toUs = monotonicUs()
    const kept = keepCpuProfile(profDir, `agent-relay-${fileStamp(new Date().toISOString())}`)
    if (kept !== null) {
      profile = { run, file: kept, summary: trimProfile(summariseCpuProfile(kept, { fromUs, toUs })) }
      logProfile(`relay, profiled run (${fmt(run.recordsPerS)} records/s)`, profile)
    }
    removeDir(profDir)
  }
  return {
    runs,
    baseline,
    profile,
    bodyBytes: factory.bytes,
    summary: {
      recordsPerS: median(runs.map((r) => r.recordsPerS)),
      baselineRecordsPerS: median(baseline.map((r) => r.recordsPerS)),
      ratio: median(runs.map((r) => r.recordsPerS)) / median(baseline.map((r) => r.recordsPerS)),
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      cpuPct: median(runs.map((r) => r.cpuPct)),
      mainThreadPct: median(runs.map((r) => r.mainThreadPct)),
      maxRss: Math.max(...runs.map((r) => r.maxRss)),
      firstSecond: median(runs.map((r) => r.perSecond[0])),
      lastSecond: median(runs.map((r) => r.perSecond[r.perSecond.length - 1])),
      outboxRecords: median(runs.map((r) => r.outboxRecords)),
      bytesPerRecord: median(runs.map((r) => r.outboxBytes / r.outboxRecords)),
    },
  }
}

// ---------------------------------------------------------------- (b) RSS holding 7 days

/** Relay bodies of one installation, 7 days at 30 s ending an hour ago, in 480-record chunks. */
function sevenDayBodies (kind, id) {
  const records = 7 * 86_400 / STEP_S // 20,160
  const lastTsS = Math.floor(Date.now() / 1000 / STEP_S) * STEP_S - 3600
  const firstTsS = lastTsS - (records - 1) * STEP_S
  const chunks = records / CHUNK_30S
  if (kind === 'v1') {
    const f = v1BatchFactory({ records: CHUNK_30S, firstTsS, intervalS: STEP_S, seed: opts.seed + 7 })
    return { records, firstTsS, bodies: Array.from({ length: chunks }, (_, k) => () => f.make(0, id, k)) }
  }
  return {
    records,
    firstTsS,
    bodies: Array.from({ length: chunks }, (_, k) => () => buildV2Batch({ installationId: id, records: CHUNK_30S, firstTsS: firstTsS + k * CHUNK_30S * STEP_S, intervalS: STEP_S, seed: opts.seed + 100 + k })),
  }
}

/**
 * One registered agent whose server goes away: it relays 7 days of one installation into its
 * outbox, holds them for --hold seconds while its uploads fail and back off, then the server
 * returns and the outbox drains. The agent's VmRSS is sampled every 25 ms throughout.
 */
async function rssCase (kind) {
  const id = randomUUID()
  const serverDir = tempDir('heatpool-bench-server-')
  const agentDir = tempDir('heatpool-bench-agent-')
  const serverPort = await freePort()
  let server = await startServer({ dataDir: serverDir, port: serverPort })
  const agent = await startAgent({ dataDir: agentDir, port: await freePort(), serverPort })
  const sampler = rssSampler(agent.pid, 25)
  const marks = {}
  try {
    const data = sevenDayBodies(kind, id)
    await registerThroughAgent(agent, [id], data.firstTsS - 3600)
    await server.stop()
    marks.idle = sampler.mark()
    await sleep(1000)
    // Fill: bodies are built one at a time (a v2 body is ~2.8 MB), outside the agent.
    marks.fill = sampler.mark()
    let sentBytes = 0
    let buildMs = 0
    const t0 = performance.now()
    for (const make of data.bodies) {
      const b0 = performance.now()
      const body = make()
      buildMs += performance.now() - b0
      sentBytes += body.length
      await relay(agent.port, body)
    }
    const fillMs = performance.now() - t0 - buildMs
    marks.hold = sampler.mark()
    await sleep(opts.holdS * 1000)
    const held = await status(agent)
    marks.drain = sampler.mark()
    server = await startServer({ dataDir: serverDir, port: serverPort })
    const t1 = performance.now()
    await waitFor('the 7 days to drain', 120_000, async () => {
      await request({ port: agent.port, method: 'POST', path: '/api/flush', timeoutMs: 60_000 })
      return (await status(agent)).outbox.records === 0
    }, 100)
    const drainMs = performance.now() - t1
    marks.end = sampler.mark()
    await sleep(1000)
    const samples = sampler.stop()
    const between = (a, b) => samples.filter(([t]) => t >= a && t < b)
    const max = (xs, k = 1) => Math.max(...xs.map((x) => x[k]))
    const mid = (xs, k = 1) => median(xs.map((x) => x[k]))
    const idle = between(marks.idle, marks.fill)
    const settled = between(marks.drain - 2000, marks.drain)
    return {
      kind,
      records: data.records,
      sentBytes,
      heldRecords: held.outbox.records,
      heldBytes: held.outbox.bytes,
      heldAttempts: held.uploads[0]?.attempts ?? null,
      fillMs,
      drainMs,
      idleRss: mid(idle),
      idleAnon: mid(idle, 2),
      fillMaxRss: max(between(marks.fill, marks.hold)),
      holdMaxRss: max(between(marks.hold, marks.drain)),
      settledRss: mid(settled),
      settledAnon: mid(settled, 2),
      drainMaxRss: max(between(marks.drain, marks.end)),
      maxRss: max(samples),
      maxAnon: max(samples, 2),
      samples: samples.length,
    }
  } finally {
    sampler.stop()
    await agent.stop()
    await server.stop()
    removeDir(agentDir)
    removeDir(serverDir)
  }
}

/** What a Node process costs before it does anything: bare node:http, and a fresh agent with an empty outbox. */
async function rssReference () {
  const base = await startBaseline({ pollMs: POLL_MS })
  await sleep(1500)
  const bare = memOf(base.pid)
  await base.stop()
  const dataDir = tempDir('heatpool-bench-agent-')
  const agent = await startAgent({ dataDir, port: await freePort(), serverPort: await freePort() })
  await sleep(3000)
  const fresh = memOf(agent.pid)
  await agent.stop()
  removeDir(dataDir)
  return { bare, fresh }
}

async function rssPhase () {
  const reference = await rssReference()
  log(`rss reference: bare node:http ${mib(reference.bare.rss)} MiB (anon ${mib(reference.bare.anon)}), fresh agent ${mib(reference.fresh.rss)} MiB (anon ${mib(reference.fresh.anon)})`)
  const out = []
  for (const kind of ['v1', 'v2']) {
    const r = await rssCase(kind)
    out.push(r)
    log(`rss ${kind}: ${fmt(r.records)} records (${mib(r.sentBytes)} MiB posted, ${mib(r.heldBytes)} MiB in the outbox, ${fmt(r.heldBytes / r.heldRecords)} B/record), ` +
      `idle ${mib(r.idleRss)} MiB (anon ${mib(r.idleAnon)}), fill max ${mib(r.fillMaxRss)} MiB, hold max ${mib(r.holdMaxRss)} MiB, settled ${mib(r.settledRss)} MiB (anon ${mib(r.settledAnon)}), drain max ${mib(r.drainMaxRss)} MiB; ` +
      `fill ${fmt(r.fillMs)} ms, drain ${fmt(r.drainMs)} ms, upload attempts while held ${r.heldAttempts}`)
  }
  return { reference, cases: out }
}

// ---------------------------------------------------------------- (c) catch-up after an outage

/** 24 h at 30 s per installation as relay bodies, and the same records as the agent will batch them. */
function dayOfData (ids) {
  const records = 86_400 / STEP_S // 2,880
  const lastTsS = Math.floor(Date.now() / 1000 / STEP_S) * STEP_S - 3600
  const firstTsS = lastTsS - (records - 1) * STEP_S
  const f = v1BatchFactory({ records: CHUNK_30S, firstTsS, intervalS: STEP_S, seed: opts.seed + 24 })
  const bodies = []
  for (let i = 0; i < ids.length; i++) for (let k = 0; k < records / CHUNK_30S; k++) bodies.push(f.make(i, ids[i], k))
  return { perInstallation: records, firstTsS, bodies }
}

/**
 * The upload bodies the agent makes of these relay bodies: per installation, records as
 * JSON.stringify gives them, 500 per batch, the agent's envelope; gzipped as it sends them.
 */
function agentBatches (relayBodies) {
  const byInstallation = new Map()
  for (const body of relayBodies) {
    const p = JSON.parse(body.toString('utf8'))
    const list = byInstallation.get(p.installation_id) ?? []
    for (const r of p.data) list.push(JSON.stringify(r))
    byInstallation.set(p.installation_id, list)
  }
  const out = []
  for (const [id, records] of byInstallation) {
    for (let i = 0; i < records.length; i += 500) {
      const json = `{"installation_id":${JSON.stringify(id)},"heatpump_model":"AERO SLM","version":"1.0.2","data":[${records.slice(i, i + 500).join(',')}]}`
      out.push({ id, records: Math.min(500, records.length - i), gz: gzipSync(json) })
    }
  }
  return out
}

/** The server's own rate for the same batches: a fresh server, one client posting them one at a time. */
async function directRun (ids, batches) {
  const dataDir = tempDir('heatpool-bench-server-')
  const server = await startServer({ dataDir, port: await freePort() })
  try {
    const tokens = new Map()
    for (const id of ids) {
      const r = await request({ port: server.port, method: 'POST', path: '/api/v2/installations', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ installation_id: id, consent_version: '2026-11', heatpump_model: 'AERO SLM' })) })
      if (r.status !== 201) throw new Error(`registration answered ${r.status}: ${r.body}`)
      tokens.set(id, JSON.parse(r.body.toString('utf8')).token)
    }
    const pool = new http.Agent({ keepAlive: true, maxSockets: 1 })
    const cpu0 = cpuOf(server.pid)
    const t0 = performance.now()
    let records = 0
    for (const b of batches) {
      const r = await request({
        agent: pool,
        port: server.port,
        method: 'POST',
        path: '/api/v1/submit',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${tokens.get(b.id)}`, 'idempotency-key': `bench-${randomUUID()}` },
        body: b.gz,
      })
      if (r.status !== 200) throw new Error(`direct POST answered ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`)
      records += JSON.parse(r.body.toString('utf8')).processed
    }
    const ms = performance.now() - t0
    const cpu1 = cpuOf(server.pid)
    pool.destroy()
    return { ms, records, recordsPerS: records / (ms / 1000), serverCpuMsPerBatch: cpu0 && cpu1 ? (cpu1.cpuMs - cpu0.cpuMs) / batches.length : NaN }
  } finally {
    await server.stop()
    removeDir(dataDir)
  }
}

/**
 * The outage: a registered agent, its server stopped; the agent relays 24 h of each
 * installation's data and tries (and fails) to upload; then the server comes back on the same
 * DATA_DIR and port. Timed from the server's first healthy answer to the agent's empty outbox
 * (its /api/status polled every 10 ms). The server's own clock says when the first catch-up
 * batch arrived (idempotency_keys.created_at), which splits that time into "first upload"
 * (waiting for the uploader's next pass) and "drain" (the uploads themselves).
 *
 * Retry backoff is 50–100 ms for the bench (AGENT_RETRY_MIN_MS/MAX_MS), so every installation is
 * due at each of the uploader's 1 s passes and the drain is one pass. With the defaults
 * (1 s doubling to 300 s) the first upload after a long outage comes up to 300 s + 1 s after the
 * server is back; the drain is the same.
 */
async function catchUpRun (ids, data, { profile = false } = {}) {
  const serverDir = tempDir('heatpool-bench-server-')
  const agentDir = tempDir('heatpool-bench-agent-')
  const profDir = profile ? tempDir('heatpool-bench-prof-') : undefined
  const serverPort = await freePort()
  let server = await startServer({ dataDir: serverDir, port: serverPort })
  const agent = await startAgent({ dataDir: agentDir, port: await freePort(), serverPort, env: { AGENT_RETRY_MIN_MS: '50', AGENT_RETRY_MAX_MS: '100' }, cpuProfDir: profDir })
  let window
  let result
  try {
    await registerThroughAgent(agent, ids, data.firstTsS - 3600)
    await server.stop()
    for (const body of data.bodies) await relay(agent.port, body)
    await waitFor('a failed upload', 30_000, async () => {
      const s = await status(agent)
      return s.last_upload?.outcome === 'retry' && s.outbox.records === ids.length * data.perInstallation
    })
    server = await startServer({ dataDir: serverDir, port: serverPort })
    const upAt = Date.now()
    window = { fromUs: monotonicUs() }
    const agentCpu0 = cpuOf(agent.pid)
    const serverCpu0 = cpuOf(server.pid)
    let polls = 0
    const deadline = upAt + 120_000
    for (;;) {
      const s = await status(agent)
      polls++
      if (s.outbox.records === 0) break
      if (Date.now() > deadline) throw new Error(`catch-up did not finish within 120 s: ${JSON.stringify(s.outbox)}`)
      await sleep(10)
    }
    const emptyAt = Date.now()
    window.toUs = monotonicUs()
    const agentCpu1 = cpuOf(agent.pid)
    const serverCpu1 = cpuOf(server.pid)
    const metrics = await request({ port: agent.port, method: 'GET', path: '/metrics' })
    const retries = Number(/heatpool_agent_upload_retries_total (\d+)/.exec(metrics.body.toString('utf8'))?.[1] ?? NaN)
    const records = ids.length * data.perInstallation
    const batches = ids.length * Math.ceil(data.perInstallation / 500)
    result = {
      installations: ids.length,
      records,
      batches,
      upAt,
      emptyAt,
      totalMs: emptyAt - upAt,
      agentCpuMsPerBatch: agentCpu0 && agentCpu1 ? (agentCpu1.cpuMs - agentCpu0.cpuMs) / batches : NaN,
      serverCpuMsPerBatch: serverCpu0 && serverCpu1 ? (serverCpu1.cpuMs - serverCpu0.cpuMs) / batches : NaN,
      retriesTotal: retries,
      polls,
    }
  } finally {
    await agent.stop()
    await server.stop()
    removeDir(agentDir)
  }
  if (profDir) {
    const kept = keepCpuProfile(profDir, `agent-catchup-${fileStamp(new Date().toISOString())}`)
    if (kept !== null) {
      result.profile = { file: kept, summary: summariseCpuProfile(kept, window) }
    }
    removeDir(profDir)
  }
  try {
    const db = new Database(join(serverDir, 'heatpool.db'), { readonly: true, fileMustExist: true })
    const arrivals = db.prepare('SELECT created_at FROM idempotency_keys WHERE created_at >= ? ORDER BY created_at').pluck().all(result.upAt).map(Number)
    const stored = db.prepare('SELECT count(*) FROM samples').pluck().get()
    db.close()
    const firstAt = arrivals[0] ?? result.emptyAt
    return {
      ...result,
      arrivals: arrivals.length,
      storedRows: stored,
      discoveryMs: firstAt - result.upAt,
      drainMs: result.emptyAt - firstAt,
      drainRecordsPerS: result.records / ((result.emptyAt - firstAt) / 1000),
    }
  } finally {
    removeDir(serverDir)
  }
}

async function catchUpPhase () {
  const rand = prng(opts.seed + 3)
  const out = []
  for (const n of [1, opts.installations]) {
    const runs = []
    const direct = []
    for (let i = 0; i < opts.runs; i++) {
      const ids = Array.from({ length: n }, () => uuidFrom(rand))
      const data = dayOfData(ids)
      const c = await catchUpRun(ids, data)
      const d = await directRun(ids, agentBatches(data.bodies))
      runs.push(c)
      direct.push(d)
      log(`catch-up ${n} × 24 h run ${i + 1}/${opts.runs}: ${fmt(c.records)} records in ${c.batches} batches: server up → outbox empty ${fmt(c.totalMs)} ms ` +
        `(first upload after ${fmt(c.discoveryMs)} ms, drain ${fmt(c.drainMs)} ms = ${fmt(c.drainRecordsPerS)} records/s; CPU per batch: agent ${fmt(c.agentCpuMsPerBatch, 1)} ms, server ${fmt(c.serverCpuMsPerBatch, 1)} ms; ` +
        `retries so far ${c.retriesTotal}); direct to the server ${fmt(d.ms)} ms = ${fmt(d.recordsPerS)} records/s (server CPU ${fmt(d.serverCpuMsPerBatch, 1)} ms per batch); drain ÷ direct ${fmt(c.drainMs / d.ms, 2)}`)
    }
    let profile = null
    if (opts.profile && n === opts.installations) {
      const ids = Array.from({ length: n }, () => uuidFrom(rand))
      const run = await catchUpRun(ids, dayOfData(ids), { profile: true })
      profile = run.profile ? { run: { ...run, profile: undefined }, file: run.profile.file, summary: trimProfile(run.profile.summary) } : null
      if (profile) logProfile(`catch-up ${n} × 24 h, profiled run (drain ${fmt(run.drainMs)} ms)`, profile)
    }
    out.push({
      installations: n,
      profile,
      runs,
      direct,
      summary: {
        records: runs[0].records,
        batches: runs[0].batches,
        totalMs: median(runs.map((r) => r.totalMs)),
        discoveryMs: median(runs.map((r) => r.discoveryMs)),
        drainMs: median(runs.map((r) => r.drainMs)),
        drainRecordsPerS: median(runs.map((r) => r.drainRecordsPerS)),
        directMs: median(direct.map((r) => r.ms)),
        directRecordsPerS: median(direct.map((r) => r.recordsPerS)),
        ratio: median(runs.map((r, i) => r.drainMs / direct[i].ms)),
        agentCpuMsPerBatch: median(runs.map((r) => r.agentCpuMsPerBatch)),
        serverCpuMsPerBatch: median(runs.map((r) => r.serverCpuMsPerBatch)),
        directServerCpuMsPerBatch: median(direct.map((r) => r.serverCpuMsPerBatch)),
      },
    })
  }
  return out
}

// ---------------------------------------------------------------- profiles

function trimProfile (p) {
  return { ...p, self: p.self.slice(0, 40), total: p.total.slice(0, 80) }
}

function logProfile (title, { file, summary: p }) {
  log(`${title}: agent main thread busy ${fmt(p.busyMs)} ms of ${fmt(p.totalMs)} ms sampled (GC ${fmt(p.gcMs)} ms); profile ${file}`)
  log('  top self time:')
  for (const f of p.self.slice(0, 15)) log(`    ${fmt(f.ms / p.busyMs * 100, 1).padStart(5)} %  ${f.label}`)
  log('  by package (self): ' + p.groups.slice(0, 10).map((g) => `${g.group} ${fmt(g.ms / p.busyMs * 100, 1)} %`).join(', '))
  log('  total time in heatpool code:')
  for (const f of p.total.filter((x) => x.group?.startsWith('@heatpool/')).slice(0, 20)) log(`    ${fmt(f.ms / p.busyMs * 100, 1).padStart(5)} %  ${f.label}`)
}

// ---------------------------------------------------------------- report

function resultsMarkdown (r) {
  const m = r.machine
  const L = []
  L.push('### Results')
  L.push('')
  L.push(`- Machine: ${m.cpuModel}, ${m.cpuCount} vCPUs (shared by the bench, the agent and the server), ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}`)
  L.push(`- Date: ${m.date}`)
  L.push(`- Command: \`${r.command}\` (${fmt(r.elapsedS)} s)`)
  if (r.relay) {
    const s = r.relay.summary
    L.push('')
    L.push(`**(a) Relay ingest into the outbox.** ${opts.senders} closed-loop senders (one logger = one installation each), ${opts.records}-record v1 bodies ` +
      `(${fmt(r.relay.bodyBytes / 1024)} KiB, ${V1_FIELDS.length} numeric fields per record), ${opts.durationS} s measured after ${opts.warmupS} s warm-up, fresh agent and data dir per run; ` +
      'the agent has consent and no server (an outage), default retry settings. Baseline: the same bodies to a bare `node:http` server that only `JSON.parse`s them.')
    L.push('')
    L.push('| run | agent records/s | first s → last s | p50 ms | p99 ms | agent CPU (main thread) | max RSS MiB | baseline records/s | agent ÷ baseline |')
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
    r.relay.runs.forEach((run, i) => {
      const b = r.relay.baseline[i]
      L.push(`| ${i + 1} | ${fmt(run.recordsPerS)} | ${fmt(run.perSecond[0])} → ${fmt(run.perSecond[run.perSecond.length - 1])} | ${fmt(run.p50Ms, 1)} | ${fmt(run.p99Ms, 1)} | ${fmt(run.cpuPct)} % (${fmt(run.mainThreadPct)} %) | ${mib(run.maxRss)} | ${fmt(b.recordsPerS)} | ${fmt(run.recordsPerS / b.recordsPerS, 3)} |`)
    })
    L.push(`| **median** | **${fmt(s.recordsPerS)}** | ${fmt(s.firstSecond)} → ${fmt(s.lastSecond)} | ${fmt(s.p50Ms, 1)} | ${fmt(s.p99Ms, 1)} | ${fmt(s.cpuPct)} % (${fmt(s.mainThreadPct)} %) | ${mib(s.maxRss)} | **${fmt(s.baselineRecordsPerS)}** | **${fmt(s.ratio, 3)}** |`)
    L.push('')
    L.push(`Outbox after a run: ${fmt(s.outboxRecords)} records, ${fmt(s.bytesPerRecord)} bytes of record JSON each (as stored: \`JSON.stringify\` of the parsed record).`)
  }
  if (r.rss) {
    const ref = r.rss.reference
    L.push('')
    L.push(`**(b) RSS holding 7 days of one installation** (20,160 records at 30 s, relayed in ${CHUNK_30S}-record bodies by a registered agent whose server is down, held ${opts.holdS} s while its uploads fail and back off, then drained to the returning server). ` +
      'VmRSS sampled every 25 ms from `/proc/<pid>/status`; "settled" is the median of the last 2 s of the hold; "anon" is RssAnon, the private part (the rest of VmRSS is mostly file-backed pages of the node binary and native modules). ' +
      `Goal: VmRSS under 80 MB (${mib(GOAL_RSS_BYTES)} MiB) while the 7 days are held ("settled"); "peak" says whether receiving and uploading them stayed under it too.`)
    L.push('')
    L.push('| records | posted | in the outbox | before fill MiB (anon) | fill max MiB | settled MiB (anon) | drain max MiB | max MiB (anon) | goal met: held / peak | fill s | drain s |')
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|')
    for (const c of r.rss.cases) {
      const label = c.kind === 'v1' ? `v1, ${V1_FIELDS.length} fields` : 'v2, 137 values'
      L.push(`| ${label} | ${mib(c.sentBytes)} MiB | ${mib(c.heldBytes)} MiB (${fmt(c.heldBytes / c.heldRecords)} B/record) | ${mib(c.idleRss)} (${mib(c.idleAnon)}) | ${mib(c.fillMaxRss)} | ${mib(c.settledRss)} (${mib(c.settledAnon)}) | ${mib(c.drainMaxRss)} | ${mib(c.maxRss)} (${mib(c.maxAnon)}) | ${c.settledRss < GOAL_RSS_BYTES ? '**yes**' : `**no** (${fmt(c.settledRss / 1e6)} MB)`} / ${c.maxRss < GOAL_RSS_BYTES ? 'yes' : `no (${fmt(c.maxRss / 1e6)} MB)`} | ${fmt(c.fillMs / 1000, 1)} | ${fmt(c.drainMs / 1000, 1)} |`)
    }
    L.push('')
    L.push(`For reference, in the same run: a bare \`node:http\` process (bench/baseline-server.mjs) idles at ${mib(ref.bare.rss)} MiB (anon ${mib(ref.bare.anon)}); a freshly started agent with an empty outbox at ${mib(ref.fresh.rss)} MiB (anon ${mib(ref.fresh.anon)}).`)
  }
  if (r.catchup) {
    L.push('')
    L.push('**(c) Catch-up after a 24 h outage** (2,880 v1 records at 30 s per installation, relayed while the server is down; the server then restarts on the same `DATA_DIR` and port; timed from its first healthy answer to an empty outbox, polling the agent\'s `/api/status` every 10 ms). ' +
      '"Direct" posts the same batches (500 records, the agent\'s body, gzipped beforehand) to a fresh server from one client, one at a time, as the agent uploads. ' +
      '"First upload" (the server\'s clock: arrival of the first catch-up batch) is the wait for the uploader\'s next pass, with the bench\'s 50–100 ms retry backoff; "drain" is from there to the empty outbox.' +
      (opts.pin ? ' **Pinned (`--pin`)**: the server on CPU 1 and the agent on CPU 0 (`taskset`, all threads), in the drain and in the direct runs, as if on two machines.' : ''))
    L.push('')
    L.push('| installations × 24 h | records (batches) | server up → empty ms | first upload after ms | drain ms | drain records/s | direct ms | direct records/s | drain ÷ direct | CPU per batch: agent / server ms |')
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for (const c of r.catchup) {
      const s = c.summary
      L.push(`| ${c.installations} | ${fmt(s.records)} (${s.batches}) | ${fmt(s.totalMs)} | ${fmt(s.discoveryMs)} | ${fmt(s.drainMs)} | ${fmt(s.drainRecordsPerS)} | ${fmt(s.directMs)} | ${fmt(s.directRecordsPerS)} | **${fmt(s.ratio, 2)}** | ${fmt(s.agentCpuMsPerBatch, 1)} / ${fmt(s.serverCpuMsPerBatch, 1)} |`)
    }
    L.push('')
    L.push(`Medians of ${opts.runs} runs each. Runs: ${r.catchup.map((c) => `${c.installations} × 24 h: ${c.runs.map((x, i) => `${fmt(x.drainMs)} / ${fmt(c.direct[i].ms)} ms`).join(', ')}`).join('; ')} (drain / direct).`)
  }
  return L.join('\n')
}

/**
 * Replaces the generated block of the "## Agent" section (or the `<!-- bench:agent:results -->`
 * placeholder, or appends the section); the rest of the section is hand-written, and no other
 * section is touched.
 */
function writeDocs (r) {
  const text = existsSync(DOCS) ? readFileSync(DOCS, 'utf8') : '# Benchmarks\n'
  writeFileSync(DOCS, withDocsBlock(text, {
    start: '<!-- bench:agent:start (generated by bench/agent.mjs --write-docs) -->',
    end: '<!-- bench:agent:end -->',
    body: resultsMarkdown(r),
    placeholder: '<!-- bench:agent:results -->',
    keepPlaceholder: false,
    heading: '## Agent\n\n',
  }))
}

function anomalies (r) {
  const out = []
  for (const [i, run] of (r.relay?.runs ?? []).entries()) {
    if (Object.keys(run.errors).length > 0) out.push(`relay run ${i + 1}: HTTP errors ${JSON.stringify(run.errors)}: ${run.firstError}`)
    if (run.warmupErrors > 0) out.push(`relay run ${i + 1}: ${run.warmupErrors} HTTP errors during warm-up`)
    // The byte cap (AGENT_OUTBOX_MAX_BYTES) may have dropped the oldest: acknowledged = held + dropped.
    if (run.outboxRecords + (run.dropped ?? 0) !== run.records + run.warmupRecords) out.push(`relay run ${i + 1}: the agent acknowledged ${run.records + run.warmupRecords} records, its outbox holds ${run.outboxRecords} and dropped ${run.dropped ?? 0}`)
    if (run.exit?.code !== 0) out.push(`relay run ${i + 1}: the agent exited with ${JSON.stringify(run.exit)} on SIGTERM`)
  }
  for (const [i, run] of (r.relay?.baseline ?? []).entries()) {
    if (Object.keys(run.errors).length > 0) out.push(`baseline ${i + 1}: HTTP errors ${JSON.stringify(run.errors)}: ${run.firstError}`)
  }
  for (const c of r.catchup ?? []) {
    for (const [i, run] of c.runs.entries()) {
      if (run.arrivals !== run.batches) out.push(`catch-up ${c.installations} × 24 h run ${i + 1}: the server received ${run.arrivals} batches after it came back, the agent had ${run.batches}`)
      if (run.storedRows !== run.records + run.installations) out.push(`catch-up ${c.installations} × 24 h run ${i + 1}: the server holds ${run.storedRows} rows, expected ${run.records + run.installations}`)
    }
  }
  for (const c of r.rss?.cases ?? []) {
    if (c.heldRecords !== c.records) out.push(`rss ${c.kind}: the outbox held ${c.heldRecords} records, ${c.records} were relayed`)
  }
  return out
}

// ---------------------------------------------------------------- main

async function main () {
  for (const f of [SERVER_JS, AGENT_JS]) if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first`)
  const t0 = performance.now()
  // This bench's results have never carried availableParallelism (nor does its header line).
  const { availableParallelism: _parallelism, ...m } = machine()
  logHeader('bench:agent', m, { ...opts, only: [...opts.only] })
  const result = {
    machine: m,
    command: commandLine('bench:agent'),
    options: { ...opts, only: [...opts.only] },
  }
  if (opts.only.has('relay')) result.relay = await relayPhase()
  if (opts.only.has('rss')) result.rss = await rssPhase()
  if (opts.only.has('catchup')) result.catchup = await catchUpPhase()
  result.elapsedS = (performance.now() - t0) / 1000

  const json = saveResults(`agent-${fileStamp(m.date)}`, result)
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
