// Memory and HTTP helpers of the agent benchmark (bench/agent.mjs); what the benches share is
// in bench/common.mjs.

import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { fmt, request } from './common.mjs'

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

export async function getJson (port, path, headers = {}) {
  const r = await request({ port, method: 'GET', path, headers, timeoutMs: 30_000 })
  if (r.status !== 200) throw new Error(`GET ${path} on :${port}: ${r.status} ${r.body.toString('utf8').slice(0, 300)}`)
  return JSON.parse(r.body.toString('utf8'))
}

export const mib = (bytes, d = 1) => fmt(bytes / 2 ** 20, d)
