// The ingest benchmark's load generator and /proc accounting, shared by its embedded-store mode
// (bench/ingest.mjs) and its VictoriaMetrics mode (bench/ingest-vm.mjs).
//
// Contract: loopback only (127.0.0.1); closed loop, so the load is bounded by the duration.

import { readFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { performance } from 'node:perf_hooks'
import { cpuOf, fmt, HOST, machineJiffies, median, monotonicUs, percentile } from './common.mjs'

// ---------------------------------------------------------------- /proc

/** cpuOf() of a process, and bytes it wrote; Linux only, else null. */
export function procStats (pid) {
  try {
    const writeBytes = Number(/write_bytes: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))[1])
    const cpu = cpuOf(pid)
    return cpu && { ...cpu, writeBytes }
  } catch {
    return null
  }
}

/** Machine-wide CPU jiffies from /proc/stat (all cores); Linux only, else null. */
export function machineStats () {
  const j = machineJiffies()
  return j && { user: j.user + j.nice, system: j.system, idle: j.idle, iowait: j.iowait, irq: j.irq + j.softirq, steal: j.steal }
}

/** Where the machine's CPU went between two machineStats(), in % of all cores. */
export function machineShare (a, b) {
  if (!a || !b) return null
  const d = Object.fromEntries(Object.keys(a).map((k) => [k, b[k] - a[k]]))
  const total = Object.values(d).reduce((x, y) => x + y, 0)
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v / total * 100]))
}

/** Per-field medians of machineShare() results. */
export function medianShare (shares) {
  const ok = shares.filter(Boolean)
  if (ok.length === 0) return null
  return Object.fromEntries(Object.keys(ok[0]).map((k) => [k, median(ok.map((s) => s[k]))]))
}

/** Machine CPU during a measured phase, in % of all cores. */
export function fmtMachine (mc) {
  if (!mc) return 'n/a'
  return `${fmt(100 - mc.idle - mc.iowait)} % busy (user ${fmt(mc.user)}, system ${fmt(mc.system)}, irq ${fmt(mc.irq)}, steal ${fmt(mc.steal)}, iowait ${fmt(mc.iowait)} %)`
}

// ---------------------------------------------------------------- client

/** POSTs one body; resolves with status, response bytes and latency in ms. Never rejects. */
export function post (agent, port, path, headers, body) {
  return new Promise((res) => {
    const t0 = performance.now()
    const req = http.request({ agent, host: HOST, port, method: 'POST', path, headers: { ...headers, 'content-length': body.length } }, (r) => {
      const chunks = []
      r.on('data', (c) => chunks.push(c))
      r.on('end', () => res({ status: r.statusCode, body: Buffer.concat(chunks), ms: performance.now() - t0 }))
      r.on('error', (err) => res({ status: 0, body: Buffer.from(String(err)), ms: performance.now() - t0 }))
    })
    req.setTimeout(120_000, () => req.destroy(new Error('request timed out after 120 s')))
    req.on('error', (err) => res({ status: 0, body: Buffer.from(String(err)), ms: performance.now() - t0 }))
    req.end(body)
  })
}

/**
 * The batches of one run, from `factory.make(inst, id, batch)`. Installation i belongs to worker
 * i % C, so an installation is never posted concurrently and its batches arrive in timestamp
 * order; worker w cycles through its installations. `next(w)` is null once an installation's
 * timestamps would pass `capacity` (records per installation).
 */
export function batchSource (factory, installations, capacity, { concurrency, records }) {
  const C = concurrency
  const owned = Array.from({ length: C }, () => [])
  for (let i = 0; i < installations.length; i++) owned[i % C].push(i)
  const turn = new Uint32Array(C)
  const sent = new Uint32Array(installations.length)
  return {
    workers: C,
    next (w) {
      const insts = owned[w]
      const inst = insts[turn[w]++ % insts.length]
      const batch = sent[inst]
      if ((batch + 1) * records > capacity) return null
      sent[inst]++
      return factory.make(inst, installations[inst], batch)
    },
  }
}

/** Sums a heatpool submit response into a phase's tallies. */
export function countHeatpoolResponse (m, r) {
  const res = JSON.parse(r.body.toString('utf8'))
  m.records += res.processed
  m.accepted += res.values.accepted
  m.stored += res.values.stored
  m.duplicate += res.values.duplicate
  m.rejected += res.values.rejected
  m.ignored += res.values.ignored
  for (const [k, n] of Object.entries({ ...res.rejected_reasons.records, ...res.rejected_reasons.values })) m.reasons[k] = (m.reasons[k] ?? 0) + n
}

/**
 * Closed-loop load: each of the source's workers posts one batch at a time to `path`, first for
 * the warm-up, then for the measured phase. A worker whose source runs out stops and the result
 * says `exhausted`. An answer with `okStatus` is counted by `count(m, response)`, anything else
 * is an error. The CPU of `pid` (the server) and of `extraPids` (e.g. `{ vm: pid }`, reported as
 * `<name>CpuPct`) is read from /proc over the measured window.
 *
 * @param {{ port: number, source: object, warmupMs: number, durationMs: number, pid: number,
 *   path: string, headers: object, okStatus?: number, count: (m: object, r: object) => void,
 *   extraPids?: Record<string, number>, valuesPerRecord: number }} o
 */
export async function drive ({ port, source, warmupMs, durationMs, pid, path, headers, okStatus = 200, count, extraPids = {}, valuesPerRecord }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: source.workers })
  let exhausted = false

  const phase = async (ms, measure) => {
    const m = { requests: 0, records: 0, accepted: 0, stored: 0, duplicate: 0, rejected: 0, ignored: 0, errors: {}, firstError: null, reasons: {}, latencies: [] }
    const end = performance.now() + ms
    const worker = async (w) => {
      while (performance.now() < end) {
        const body = source.next(w)
        if (body === null) { exhausted = true; return }
        const r = await post(agent, port, path, headers, body)
        m.requests++
        if (r.status !== okStatus) {
          m.errors[r.status] = (m.errors[r.status] ?? 0) + 1
          m.firstError ??= `${r.status} ${r.body.toString('utf8').slice(0, 300)}`
          if (r.status === 0) return // the connection is gone; do not spin
          continue
        }
        m.latencies.push(r.ms)
        count(m, r)
      }
    }
    const cpu0 = process.cpuUsage()
    const srv0 = measure ? procStats(pid) : null
    const extra0 = measure ? Object.fromEntries(Object.entries(extraPids).map(([k, p]) => [k, procStats(p)])) : {}
    const machine0 = machineStats()
    const t0 = performance.now()
    const fromUs = monotonicUs()
    await Promise.all(Array.from({ length: source.workers }, (_, w) => worker(w)))
    const elapsedS = (performance.now() - t0) / 1000
    // The measured window on the monotonic clock, to cut a server CPU profile to it.
    m.windowUs = { fromUs, toUs: monotonicUs() }
    const srv1 = measure ? procStats(pid) : null
    const extra1 = measure ? Object.fromEntries(Object.entries(extraPids).map(([k, p]) => [k, procStats(p)])) : {}
    m.machineCpu = machineShare(machine0, machineStats())
    const cpu = process.cpuUsage(cpu0)
    let extraCpuPct = 0
    for (const k of Object.keys(extraPids)) {
      if (!extra0[k] || !extra1[k]) continue
      m[`${k}CpuPct`] = (extra1[k].cpuMs - extra0[k].cpuMs) / (elapsedS * 1000) * 100
      m[`${k}WriteBytes`] = extra1[k].writeBytes - extra0[k].writeBytes
      extraCpuPct += m[`${k}CpuPct`]
    }
    // CPU used by processes other than this bench and its servers (other work on a shared
    // machine skews the figures), in % of one core; approximate (interrupt time is in no process).
    if (m.machineCpu && srv0 && srv1) {
      const busyCores = (100 - m.machineCpu.idle - m.machineCpu.iowait) / 100 * os.cpus().length
      m.otherCpuPct = Math.max(0, busyCores * 100 - (srv1.cpuMs - srv0.cpuMs) / (elapsedS * 10) - extraCpuPct - (cpu.user + cpu.system) / 1000 / (elapsedS * 10))
    }
    m.elapsedS = elapsedS
    m.clientCpuPct = (cpu.user + cpu.system) / 1000 / (elapsedS * 1000) * 100
    if (srv0 && srv1) {
      m.serverCpuPct = (srv1.cpuMs - srv0.cpuMs) / (elapsedS * 1000) * 100
      m.serverMainThreadPct = (srv1.mainThreadMs - srv0.mainThreadMs) / (elapsedS * 1000) * 100
      m.serverWriteBytes = srv1.writeBytes - srv0.writeBytes
    }
    return m
  }

  try {
    const warm = warmupMs > 0 ? await phase(warmupMs, false) : null
    const m = await phase(durationMs, true)
    // What the warm-up stored is in the store too; keep it for the store's consistency check.
    m.warmupStored = warm?.stored ?? 0
    m.warmupRecords = warm?.records ?? 0
    m.warmupErrors = warm ? Object.values(warm.errors).reduce((a, b) => a + b, 0) : 0
    const lat = Float64Array.from(m.latencies).sort()
    delete m.latencies
    return {
      ...m,
      exhausted,
      recordsPerS: m.records / m.elapsedS,
      storedPerS: m.stored / m.elapsedS,
      postedValuesPerS: m.records * valuesPerRecord / m.elapsedS,
      p50Ms: percentile(lat, 0.5),
      p99Ms: percentile(lat, 0.99),
    }
  } finally {
    agent.destroy()
  }
}
