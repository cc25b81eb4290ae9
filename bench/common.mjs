// Helpers shared by the benchmarks (bench/ingest.mjs, bench/read.mjs, bench/agent.mjs).
//
// Contract: loopback only; every child process and temp directory made here is tracked, and
// cleanup() (run on exit, failure, Ctrl-C and by the watchdog) kills the children and removes
// the directories.

import { spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

// ---------------------------------------------------------------- paths and constants

/** This folder (bench/). */
export const BENCH_DIR = dirname(fileURLToPath(import.meta.url))
/** The repository root. */
export const ROOT = resolve(BENCH_DIR, '..')
/** The built heatpool server. */
export const SERVER_JS = join(ROOT, 'packages/server/dist/server.js')
/** The bare node:http + JSON.parse server the benches compare against. */
export const BASELINE_JS = join(BENCH_DIR, 'baseline-server.mjs')
/** Where results and kept profiles go (git-ignored). */
export const RESULTS_DIR = join(BENCH_DIR, 'results')
/** The page the benches' --write-docs blocks go into. */
export const DOCS = join(ROOT, 'docs/BENCHMARKS.md')
/** Every server and client of a bench listens and connects on loopback only. */
export const HOST = '127.0.0.1'
/** ADMIN_TOKEN of the benches' servers. */
export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef'
/** AUTH_TOKEN (the shared installation token) of the benches' servers. */
export const SHARED_TOKEN = 'bench-shared-token-0123456789abcdef'

// ---------------------------------------------------------------- options

/**
 * Parses the command line with `options`; on --help prints the `helpLines` lines after the shebang
 * of the script's header comment and exits. Returns the values and `intOpt(name, min, max)`.
 */
export function parseFlags (scriptUrl, helpLines, options) {
  const { values } = parseArgs({ options })
  if (values.help) {
    process.stdout.write(readFileSync(fileURLToPath(scriptUrl), 'utf8').split('\n').slice(1, 1 + helpLines).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n')
    process.exit(0)
  }
  /** The integer value of --`name`, which must lie in min..max. */
  const intOpt = (name, min, max) => {
    const n = Number(values[name])
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}, not ${values[name]}`)
    return n
  }
  return { argv: values, intOpt }
}

// ---------------------------------------------------------------- cleanup and watchdog

const children = new Set()
const tempDirs = new Set()

/** Synchronous, so it also works from the 'exit' handler: kill our children, remove our temp dirs. */
export function cleanup () {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try { child.kill('SIGKILL') } catch { /* already gone */ }
    }
  }
  children.clear()
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
  tempDirs.clear()
}

/** Cleans up on exit and on SIGINT/SIGTERM, and aborts the whole run after `budgetS` seconds. */
export function installCleanup (budgetS) {
  process.on('exit', cleanup)
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, cleaning up\n`)
      cleanup()
      process.exit(130)
    })
  }
  setTimeout(() => {
    process.stderr.write(`bench: exceeded the ${budgetS} s time budget, aborting\n`)
    cleanup()
    process.exit(2)
  }, budgetS * 1000).unref()
}

/** Runs the bench's main(): a failure is printed and exits 1; cleanup() runs in any case. */
export async function runMain (main) {
  try {
    await main()
  } catch (err) {
    process.stderr.write(`bench: ${err.stack ?? err}\n`)
    process.exitCode = 1
  } finally {
    cleanup()
  }
}

/** A fresh temp directory, removed by cleanup() unless removeDir() removed it before. */
export function tempDir (prefix) {
  const dir = mkdtempSync(join(os.tmpdir(), prefix))
  tempDirs.add(dir)
  return dir
}

/** Removes a directory made by tempDir() now. */
export function removeDir (dir) {
  rmSync(dir, { recursive: true, force: true })
  tempDirs.delete(dir)
}

// ---------------------------------------------------------------- machine

/** What the machine is: CPU, memory, OS, Node, and the date of the run. */
export function machine () {
  const cpus = os.cpus()
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  }
}

/** Prints the bench's header: its name and date, the machine (with its parallelism if `m` has it) and the options. */
export function logHeader (name, m, options) {
  const parallelism = m.availableParallelism === undefined ? '' : ` (available parallelism ${m.availableParallelism})`
  log(`${name} ${m.date}`)
  log(`machine: ${m.cpuModel} × ${m.cpuCount}${parallelism}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}`)
  log(`options: ${JSON.stringify(options)}`)
}

/** The command that reproduces this run, as `npm run <script> -- <flags>`. */
export function commandLine (script) {
  return `npm run ${script} -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, '')
}

/** An ISO date as it can stand in a file name. */
export function fileStamp (isoDate) {
  return isoDate.replace(/[:.]/g, '-')
}

// ---------------------------------------------------------------- /proc

/** The monotonic clock in µs (the clock of V8's .cpuprofile timestamps on Linux). */
export function monotonicUs () {
  return Number(process.hrtime.bigint() / 1000n)
}

/** CPU time (ms, user + system) of a process and of its main thread; Linux only, else null. */
export function cpuOf (pid) {
  try {
    const ticks = (path) => {
      const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ')
      return (Number(fields[11]) + Number(fields[12])) * 10 // utime + stime, at USER_HZ = 100
    }
    return { cpuMs: ticks(`/proc/${pid}/stat`), mainThreadMs: ticks(`/proc/${pid}/task/${pid}/stat`) }
  } catch {
    return null
  }
}

/** Machine-wide CPU jiffies by kind from /proc/stat (all cores); Linux only, else null. */
export function machineJiffies () {
  try {
    const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    return { user, nice, system, idle, iowait, irq, softirq, steal }
  } catch {
    return null
  }
}

// ---------------------------------------------------------------- processes and HTTP

/** A free TCP port on loopback (bound and released; the tiny race is acceptable for a bench). */
export async function freePort () {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, HOST, () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** One HTTP request on loopback; resolves with status (0 on a network error), body and ms. Never rejects. */
export function request ({ agent = false, port, method, path, headers = {}, body, timeoutMs = 120_000 }) {
  return new Promise((resolve) => {
    const t0 = performance.now()
    const h = body === undefined ? headers : { ...headers, 'content-length': body.length }
    const req = http.request({ agent, host: HOST, port, method, path, headers: h }, (r) => {
      const chunks = []
      r.on('data', (c) => chunks.push(c))
      r.on('end', () => resolve({ status: r.statusCode, body: Buffer.concat(chunks), ms: performance.now() - t0 }))
      r.on('error', (err) => resolve({ status: 0, body: Buffer.from(String(err)), ms: performance.now() - t0 }))
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)))
    req.on('error', (err) => resolve({ status: 0, body: Buffer.from(String(err)), ms: performance.now() - t0 }))
    req.end(body)
  })
}

/**
 * Starts `node <args>` and resolves once GET /health on `port` answers 200 (polled every
 * `pollMs`, at most `healthyWithinS`). The child is tracked for cleanup; `stop()` sends SIGTERM
 * and waits for it to exit (SIGKILL after 20 s).
 */
export async function startChild ({ name, args, env, port, cwd, healthyWithinS = 20, pollMs = 50 }) {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let output = ''
  const keep = (chunk) => { output = (output + chunk).slice(-8000) }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const deadline = performance.now() + healthyWithinS * 1000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was healthy:\n${output}`)
    const res = await request({ port, method: 'GET', path: '/health', timeoutMs: 1000 })
    if (res.status === 200) break
    if (performance.now() > deadline) throw new Error(`${name} was not healthy within ${healthyWithinS} s:\n${output}`)
    await sleep(pollMs)
  }
  return {
    pid: child.pid,
    port,
    name,
    output: () => output,
    /** null while running, else the exit code or signal. */
    exited: () => child.exitCode ?? child.signalCode,
    async stop () {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      const result = await exited
      clearTimeout(timer)
      children.delete(child)
      return result
    },
  }
}

/**
 * Tracks a child process started without startChild() (e.g. a non-Node engine), so cleanup()
 * kills it; returns a function that stops tracking it once it has exited.
 */
export function trackChild (child) {
  children.add(child)
  return () => { children.delete(child) }
}

/** Starts bench/baseline-server.mjs on a free port (`childOptions` as startChild's). */
export async function startBaseline (childOptions = {}) {
  const port = await freePort()
  return startChild({ name: 'baseline server', args: [BASELINE_JS, String(port)], env: { PATH: process.env.PATH }, port, cwd: BENCH_DIR, ...childOptions })
}

/** The environment of a bench's heatpool server on `port` and `dataDir`; `extra` adds or overrides. */
export function serverEnv ({ port, dataDir, ...extra }) {
  return {
    PATH: process.env.PATH,
    HOST,
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ADMIN_TOKEN,
    RETENTION_SCHEDULE: '',
    ...extra,
  }
}

/** Node flags that write a V8 CPU profile into `dir` on exit; none without a dir. */
export function cpuProfFlags (dir) {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []
}

/** Copies the .cpuprofile a `--cpu-prof-dir` run left in `dir` to bench/results/`name`.cpuprofile; that path, or null if there is none. */
export function keepCpuProfile (dir, name) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
  if (file === undefined) return null
  mkdirSync(RESULTS_DIR, { recursive: true })
  const kept = join(RESULTS_DIR, `${name}.cpuprofile`)
  copyFileSync(join(dir, file), kept)
  return kept
}

// ---------------------------------------------------------------- statistics and report

/** The q-quantile (0..1, nearest rank) of an ascending array; NaN if it is empty. */
export function percentile (sorted, q) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

/** The median of the finite numbers in `xs`; NaN if there are none. */
export function median (xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** A number with `d` decimals and thousands separators; 'n/a' if it is not finite. */
export const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : 'n/a')

/** Prints one line to stdout. */
export function log (msg) {
  process.stdout.write(`${msg}\n`)
}

/** Writes the run's result as bench/results/`name`.json; returns that path. */
export function saveResults (name, result) {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const path = join(RESULTS_DIR, `${name}.json`)
  writeFileSync(path, JSON.stringify(result, null, 2))
  return path
}

/** Prints each anomaly; any anomaly makes the exit code 1. */
export function reportAnomalies (problems) {
  for (const p of problems) log(`ANOMALY: ${p}`)
  if (problems.length > 0) process.exitCode = 1
}

/**
 * `text` (a docs page) with `start\nbody\nend` as its generated block: over the previous block between
 * those markers, else at `placeholder` (kept after the block if `keepPlaceholder`), else appended after `heading`.
 */
export function withDocsBlock (text, { start, end, body, placeholder, keepPlaceholder = true, heading = '' }) {
  const block = `${start}\n${body}\n${end}`
  const i = text.indexOf(start)
  const j = text.indexOf(end)
  if (i >= 0 && j > i) return text.slice(0, i) + block + text.slice(j + end.length)
  if (text.includes(placeholder)) return text.replace(placeholder, keepPlaceholder ? `${block}\n\n${placeholder}` : block)
  return `${text.trimEnd()}\n\n${heading}${block}\n`
}
