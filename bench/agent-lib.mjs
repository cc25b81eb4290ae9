// Process, HTTP and /proc helpers of the agent benchmark (bench/agent.mjs).
//
// Contract as in bench/ingest.mjs: loopback only; every child process and temp directory made
// here is tracked, and cleanup() (run on exit, failure, Ctrl-C and by the watchdog) kills the
// children and removes the directories.

import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'

export const HOST = '127.0.0.1'

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

export function tempDir (prefix) {
  const dir = mkdtempSync(join(os.tmpdir(), prefix))
  tempDirs.add(dir)
  return dir
}

export function removeDir (dir) {
  rmSync(dir, { recursive: true, force: true })
  tempDirs.delete(dir)
}

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

export function machine () {
  const cpus = os.cpus()
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  }
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

/** VmRSS of a process in bytes (Linux), or NaN. */
export function rssOf (pid) {
  return memOf(pid).rss
}

/**
 * VmRSS and its private part RssAnon (heap, stacks, malloc: what the process itself allocated;
 * the rest is mostly file-backed pages of the node binary and native modules, shared and
 * reclaimable), in bytes (Linux); NaN when unreadable.
 */
export function memOf (pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (key) => {
      const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(text)
      return m ? Number(m[1]) * 1024 : NaN
    }
    return { rss: kb('VmRSS'), anon: kb('RssAnon') }
  } catch {
    return { rss: NaN, anon: NaN }
  }
}

/** Samples a process's memory every `everyMs`; `stop()` returns the samples as [ms since start, VmRSS, RssAnon]. */
export function rssSampler (pid, everyMs = 25) {
  const t0 = performance.now()
  const samples = []
  const take = () => {
    const m = memOf(pid)
    if (Number.isFinite(m.rss)) samples.push([performance.now() - t0, m.rss, m.anon])
  }
  take()
  const timer = setInterval(take, everyMs)
  return {
    samples,
    mark: () => performance.now() - t0,
    stop () {
      clearInterval(timer)
      take()
      return samples
    },
  }
}

/**
 * Starts `node <args>` and resolves once GET /health on `port` answers 200 (at most 20 s). The
 * child is tracked for cleanup; `stop()` sends SIGTERM and waits (SIGKILL after 20 s).
 */
export async function startChild ({ name, args, env, port, cwd }) {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let output = ''
  const keep = (chunk) => { output = (output + chunk).slice(-8000) }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const deadline = performance.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was healthy:\n${output}`)
    const res = await request({ port, method: 'GET', path: '/health', timeoutMs: 1000 })
    if (res.status === 200) break
    if (performance.now() > deadline) throw new Error(`${name} was not healthy within 20 s:\n${output}`)
    await sleep(25)
  }
  return {
    pid: child.pid,
    port,
    output: () => output,
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

export async function getJson (port, path, headers = {}) {
  const r = await request({ port, method: 'GET', path, headers, timeoutMs: 30_000 })
  if (r.status !== 200) throw new Error(`GET ${path} on :${port}: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`)
  return JSON.parse(r.body.toString('utf8'))
}

export function median (xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

export function percentile (sorted, q) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

export const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : 'n/a')
export const mib = (bytes, d = 1) => fmt(bytes / 2 ** 20, d)
