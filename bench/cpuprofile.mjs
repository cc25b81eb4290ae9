// Summarises a V8 .cpuprofile (node --cpu-prof): where the sampled time went, by function
// (self and total) and by package, so a benchmark can say what bounds a server.

import { readFileSync } from 'node:fs'
import { fmt } from './common.mjs'

const META = new Set(['(idle)', '(program)', '(garbage collector)', '(root)'])

/** `node_modules/<pkg>`, `packages/<pkg>`, `node:internal`, or '(native)' for a frame's url. */
export function groupOf (url) {
  if (url === '') return '(native)'
  if (url.startsWith('node:')) return 'node:internal'
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  const pk = /packages\/([^/]+)\//.exec(url)
  if (pk) return `@heatpool/${pk[1]}`
  return url
}

/** A short, stable label for a call frame: `name (file:line)`, paths cut to the package. */
function labelOf (cf) {
  const name = cf.functionName || '(anonymous)'
  if (META.has(name) || cf.url === '') return cf.url === '' ? `${name} (native)` : name
  let file = cf.url.replace(/^file:\/\//, '')
  const nm = file.lastIndexOf('node_modules/')
  if (nm >= 0) file = file.slice(nm + 'node_modules/'.length)
  else if (file.includes('/packages/')) file = file.slice(file.indexOf('/packages/') + 1)
  return `${name} (${file}:${cf.lineNumber + 1})`
}

/**
 * @param {string} path a .cpuprofile file
 * @param {{ fromUs?: number, toUs?: number }} [window] only samples taken in this interval of
 *   the monotonic clock (µs, as `process.hrtime.bigint() / 1000n`; V8 profiles use the same
 *   clock on Linux), e.g. a benchmark's measured phase without the process's start-up
 * @returns {{ totalMs, idleMs, busyMs, gcMs, self: {label, group, ms}[], total: {label, group, ms}[], groups: {group, ms}[] }}
 *   `self`: time in the function itself; `total`: time with it anywhere on the stack
 *   (counted once per sample, so recursion does not inflate it). Sorted by ms, descending.
 */
export function summariseCpuProfile (path, { fromUs = -Infinity, toUs = Infinity } = {}) {
  const profile = JSON.parse(readFileSync(path, 'utf8'))
  const byId = new Map()
  for (const node of profile.nodes) byId.set(node.id, node)
  const parent = new Map()
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id)

  const self = new Map()
  const total = new Map()
  const groups = new Map()
  const groupOfLabel = new Map()
  let totalMs = 0
  let idleMs = 0
  let gcMs = 0
  const { samples, timeDeltas } = profile
  let at = profile.startTime
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time since the previous sample; V8 attributes it to sample i.
    at += timeDeltas[i] ?? 0
    if (at < fromUs || at > toUs) continue
    const ms = (timeDeltas[i] ?? 0) / 1000
    if (ms <= 0) continue
    totalMs += ms
    const leaf = byId.get(samples[i])
    const name = leaf.callFrame.functionName
    if (name === '(idle)') { idleMs += ms; continue }
    if (name === '(garbage collector)') gcMs += ms
    const label = labelOf(leaf.callFrame)
    const group = META.has(name) ? name : groupOf(leaf.callFrame.url)
    groupOfLabel.set(label, group)
    self.set(label, (self.get(label) ?? 0) + ms)
    groups.set(group, (groups.get(group) ?? 0) + ms)
    const seen = new Set()
    for (let id = samples[i]; id !== undefined; id = parent.get(id)) {
      const cf = byId.get(id).callFrame
      if (cf.functionName === '(root)') break
      const l = labelOf(cf)
      if (seen.has(l)) continue
      seen.add(l)
      if (!groupOfLabel.has(l)) groupOfLabel.set(l, META.has(cf.functionName) ? cf.functionName : groupOf(cf.url))
      total.set(l, (total.get(l) ?? 0) + ms)
    }
  }
  const sorted = (m) => [...m].map(([label, ms]) => ({ label, group: groupOfLabel.get(label), ms })).sort((a, b) => b.ms - a.ms)
  return {
    totalMs,
    idleMs,
    busyMs: totalMs - idleMs,
    gcMs,
    self: sorted(self),
    total: sorted(total),
    groups: [...groups].map(([group, ms]) => ({ group, ms })).sort((a, b) => b.ms - a.ms),
  }
}

/** Lines naming the `limit` heatpool functions with the most inclusive time, as % of the busy time. */
export function topHeatpoolLines (summary, limit) {
  return summary.total.filter((x) => x.group?.startsWith('@heatpool/')).slice(0, limit)
    .map((f) => `  ${fmt(f.ms / summary.busyMs * 100, 1).padStart(5)} %  ${f.label}`)
}
