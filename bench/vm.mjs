// Engines for the ingest benchmark's VictoriaMetrics mode (bench/ingest-vm.mjs): a fresh
// VictoriaMetrics process per run and, with --database postgres, a fresh PostgreSQL database.
//
// Contract: loopback only. VictoriaMetrics listens on a free 127.0.0.1 port with a temporary
// -storageDataPath; cleanup() (common.mjs) kills it and removes the directory on exit, failure,
// Ctrl-C or the watchdog. Every database made here is dropped by drop(), and any left over
// (a failure, Ctrl-C, the watchdog) by an 'exit' handler, with psql.

import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { URLSearchParams } from 'node:url'
import pg from 'pg'
import { freePort, HOST, removeDir, request, tempDir, trackChild } from './common.mjs'

/** Debian's victoria-metrics (HEATPOOL_BENCH_VM_BINARY overrides). */
export const VM_BINARY = process.env.HEATPOOL_BENCH_VM_BINARY || '/usr/bin/victoria-metrics'
/** The flags heatpool documents and its tests use (packages/server/test/engines/victoriametrics.ts). */
export const VM_FLAGS = ['-dedup.minScrapeInterval=1ms', '-retentionPeriod=100y', '-loggerLevel=ERROR']

/** The running VictoriaMetrics' version from its /metrics (`vm_app_version{version="…"}`), else the Debian package's, else null. */
export function vmVersionOf (metrics) {
  for (const key of metrics.keys()) {
    const m = /^vm_app_version\{.*version="([^"]+)"/.exec(key)
    if (m) return m[1]
  }
  const deb = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'victoria-metrics'], { encoding: 'utf8', timeout: 10_000 })
  return deb.status === 0 && deb.stdout !== '' ? `victoria-metrics ${deb.stdout.trim()} (Debian package)` : null
}

/**
 * A fresh VictoriaMetrics on a free loopback port and a temporary data directory; resolves once
 * /health answers 200. `stop()` sends SIGTERM (SIGKILL after 20 s), waits, and removes the data.
 */
export async function startVictoriaMetrics () {
  const dataDir = tempDir('heatpool-bench-vm-')
  const port = await freePort()
  const child = spawn(VM_BINARY, [`-storageDataPath=${dataDir}`, `-httpListenAddr=${HOST}:${port}`, ...VM_FLAGS], { stdio: ['ignore', 'pipe', 'pipe'] })
  const untrack = trackChild(child)
  let output = ''
  const keep = (chunk) => { output = (output + chunk).slice(-8000) }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const deadline = performance.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`victoria-metrics exited with ${child.exitCode} before it was healthy:\n${output}`)
    const res = await request({ port, method: 'GET', path: '/health', timeoutMs: 1000 })
    if (res.status === 200) break
    if (performance.now() > deadline) throw new Error(`victoria-metrics was not healthy within 20 s:\n${output}`)
    await sleep(50)
  }
  return {
    pid: child.pid,
    port,
    url: `http://${HOST}:${port}`,
    dataDir,
    output: () => output,
    async stop () {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      const result = await exited
      clearTimeout(timer)
      untrack()
      removeDir(dataDir)
      return result
    },
  }
}

/** GET on VictoriaMetrics; the body as text; throws unless 2xx. */
async function vmGet (port, path) {
  const r = await request({ port, method: 'GET', path, timeoutMs: 60_000 })
  if (r.status < 200 || r.status >= 300) throw new Error(`VictoriaMetrics answered ${r.status} to GET ${path}: ${r.body.toString('utf8').slice(0, 300)}`)
  return r.body.toString('utf8')
}

/**
 * Samples VictoriaMetrics holds in series matching `selector` with timestamps in the last
 * `days` days, and how many such series, after /internal/force_flush (written samples are
 * searchable only after the next in-memory flush otherwise): `count_over_time(selector[<days>d])` at now.
 */
export async function vmSampleCount (port, selector = '{__name__=~"heatpool_.+"}', days = 3) {
  await vmGet(port, '/internal/force_flush')
  const query = async (q) => {
    const body = Buffer.from(new URLSearchParams({ query: q, time: String(Date.now() / 1000) }).toString())
    const r = await request({ port, method: 'POST', path: '/api/v1/query', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, timeoutMs: 120_000 })
    if (r.status !== 200) throw new Error(`VictoriaMetrics answered ${r.status} to ${q}: ${r.body.toString('utf8').slice(0, 300)}`)
    const v = JSON.parse(r.body.toString('utf8')).data?.result?.[0]?.value?.[1]
    return v === undefined ? 0 : Number(v)
  }
  return {
    samples: await query(`sum(count_over_time(${selector}[${days}d]))`),
    series: await query(`count(count_over_time(${selector}[${days}d]))`),
  }
}

/** VictoriaMetrics' own /metrics as a map from `name{labels}` to value. */
export async function vmMetrics (port) {
  const out = new Map()
  for (const line of (await vmGet(port, '/metrics')).split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const i = line.lastIndexOf(' ')
    out.set(line.slice(0, i), Number(line.slice(i + 1)))
  }
  return out
}

// ---------------------------------------------------------------- PostgreSQL

/** A database to CREATE DATABASE from (trust auth on the machine's PostgreSQL). */
const PG_ADMIN_URL = process.env.HEATPOOL_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
const createdDatabases = new Set()

process.on('exit', () => {
  // Synchronous (an 'exit' handler cannot wait): whatever a failed or aborted run left behind.
  for (const name of createdDatabases) {
    spawnSync('psql', [PG_ADMIN_URL, '-q', '-c', `drop database if exists "${name}" with (force)`], { stdio: 'ignore', timeout: 20_000 })
  }
})

async function withClient (url, fn) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  client.on('error', () => {})
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}

/** A fresh, empty database on the machine's PostgreSQL: its URL, and drop() (WITH (FORCE)). */
export async function freshPostgres () {
  const name = `heatpool_bench_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`
  await withClient(PG_ADMIN_URL, (c) => c.query(`create database "${name}"`))
  createdDatabases.add(name)
  const url = new URL(PG_ADMIN_URL)
  url.pathname = `/${name}`
  return {
    name,
    url: url.href,
    async drop () {
      await withClient(PG_ADMIN_URL, (c) => c.query(`drop database if exists "${name}" with (force)`))
      createdDatabases.delete(name)
    },
  }
}

/** Runs `sql` on the database at `url`; the rows. */
export async function pgQuery (url, sql) {
  return withClient(url, async (c) => (await c.query(sql)).rows)
}
