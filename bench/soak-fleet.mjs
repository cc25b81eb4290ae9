// The simulated fleet of the soak benchmark (bench/soak.mjs): installations from packages/sim,
// their day of records as 500-record v1 bodies, and when in the compressed day each is sent.
//
// Simulating every installation's day would cost ~5 µs per record on the client, ~2 min of CPU
// for 10,000 installations: more than the server's share of the shared 2 cores. So a pool of
// simulated installations (a multiple of 12, so that each of the 4 models and 3 climates is in
// it) runs its day once; installation i sends the day of pool member i % pool, with its own id
// written into a copy of the serialised body. Values are the simulator's (physics, noise,
// counters); installations that share a pool member send the same values under their own ids.
//
// Everything is deterministic for a given seed and day.

import { buildFleet, recordsOf, submitPayload } from '../packages/sim/dist/index.js'
import { prng } from './payloads.mjs'

/** Records per upload, as the agent and upstream loggers batch them. */
export const BATCH_RECORDS = 500
/** A logger's sampling interval lies in this range (s): 1,440–2,880 records a day, 2.88–5.76 batches. */
export const INTERVAL_RANGE_S = [30, 60]
/** Pool sizes keep every model (4) and climate (3) of the simulator. */
export const POOL_MULTIPLE = 12

const DAY_MS = 86_400_000
const ID_PLACEHOLDER = '00000000-0000-4000-8000-000000000000'

/**
 * The fleet: `installations` simulated homes (ids, client-chosen tokens, models) and, per pool
 * member, its records up to `dayEndMs` as serialised v1 bodies of exactly 500 records: as many
 * as a logger fills in a day plus one (a day need not hold a whole number of batches).
 */
export function soakFleet ({ installations, pool, seed, dayEndMs }) {
  if (pool % POOL_MULTIPLE !== 0) throw new Error(`the pool size must be a multiple of ${POOL_MULTIPLE}`)
  const P = Math.min(pool, Math.ceil(installations / POOL_MULTIPLE) * POOL_MULTIPLE)
  const fleet = buildFleet({ seed, installations: Math.max(installations, P), climate: 'mixed', startMs: dayEndMs - DAY_MS, endMs: dayEndMs })
  const rand = prng(seed ^ 0x50a4)
  const [lo, hi] = INTERVAL_RANGE_S
  const members = []
  for (let p = 0; p < P; p++) {
    const inst = fleet[p]
    const intervalS = lo + Math.floor(rand() * (hi - lo + 1))
    const intervalMs = intervalS * 1000
    const periodMs = BATCH_RECORDS * intervalMs
    const count = Math.ceil(DAY_MS / periodMs) * BATCH_RECORDS
    // Whole intervals, ending at the day's end: no record is in the future, none much older than a day.
    const startMs = Math.floor(dayEndMs / intervalMs) * intervalMs - (count - 1) * intervalMs
    const records = [...recordsOf(inst, { format: 'v1', startMs, intervalMs, count })]
    const bodies = []
    for (let k = 0; k < records.length; k += BATCH_RECORDS) {
      const buf = Buffer.from(JSON.stringify(submitPayload({ ...inst, installationId: ID_PLACEHOLDER }, 'v1', records.slice(k, k + BATCH_RECORDS))), 'latin1')
      bodies.push({ buf, idOffset: buf.indexOf(ID_PLACEHOLDER, 0, 'latin1') })
    }
    members.push({ intervalS, periodMs, bodies })
  }
  const all = fleet.slice(0, installations)
  const memberOf = (i) => members[i % P]
  return {
    installations: all,
    pool: members,
    /** How often installation i's logger fills a batch (ms of a real day). */
    periodOf: (i) => memberOf(i).periodMs,
    /** Batches held for installation i (its day's, rounded up). */
    batchesOf: (i) => memberOf(i).bodies.length,
    /** A fresh copy of batch `b` of installation i, with its id: safe to hand to a request. */
    body (i, b) {
      const tpl = memberOf(i).bodies[b]
      const buf = Buffer.from(tpl.buf)
      buf.latin1Write(all[i].installationId, tpl.idOffset)
      return buf
    },
    /** Bytes of all distinct bodies held (the pool's). */
    heldBytes: members.reduce((a, m) => a + m.bodies.reduce((x, b) => x + b.buf.length, 0), 0),
  }
}

/**
 * When each batch is due, in ms from the start of a day compressed into `dayMs`: a logger
 * uploads a full batch whenever it has filled one, every 500 × its interval (4.2–8.3 h), from a
 * random phase of its own (loggers switched on at different times), so 2.88–5.76 batches a day
 * on average and a stationary arrival process: no burst at the day's start or end. Sorted by time.
 */
export function soakSchedule (fleet, dayMs, seed) {
  const rand = prng(seed ^ 0x5c4ed)
  const out = []
  for (let i = 0; i < fleet.installations.length; i++) {
    const step = fleet.periodOf(i) / DAY_MS * dayMs
    const phase = rand()
    for (let b = 0; (phase + b) * step < dayMs && b < fleet.batchesOf(i); b++) out.push({ dueMs: (phase + b) * step, inst: i, batch: b })
  }
  return out.sort((a, b) => a.dueMs - b.dueMs)
}

/** Least-squares slope of ys over xs; NaN with fewer than two points. */
export function slope (xs, ys) {
  const n = xs.length
  if (n < 2) return NaN
  const mx = xs.reduce((a, x) => a + x, 0) / n
  const my = ys.reduce((a, y) => a + y, 0) / n
  let num = 0
  let den = 0
  for (let k = 0; k < n; k++) {
    num += (xs[k] - mx) * (ys[k] - my)
    den += (xs[k] - mx) ** 2
  }
  return den === 0 ? NaN : num / den
}
