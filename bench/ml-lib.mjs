// Helpers of bench/ml.mjs shared with its worker threads (bench/ml-worker.mjs) and its training
// child process (bench/ml-train.mjs): canonical samples of simulated heat pumps, a plain binary
// file per heat pump to keep them between generation and training, and the windows of a heat
// pump's samples.
//
// A "sample" here is one instant of one heat pump with all its canonical metrics (what the
// sample store returns as one joined row), not one metric value.

import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { normaliseSubmission } from '@heatpool/protocol'
import { windowsOf } from '@heatpool/ml'
import { buildFleet, DAY_MS, findModel, recordsOf } from '../packages/sim/dist/index.js'

export { DAY_MS }
/** The simulated heat pumps report once a minute. */
export const INTERVAL_MS = 60_000
export const SAMPLES_PER_DAY = DAY_MS / INTERVAL_MS
/** Raw records normalised per call, as a 500-record upload would be. */
const BATCH = 500

/** The simulator's model for a --model key or name; throws on an unknown one. */
export function modelOf (key) {
  const model = findModel(key)
  if (model === undefined) throw new Error(`unknown --model ${JSON.stringify(key)}: one of aero-slm, s1255, altherma-3, lwd-70`)
  return model
}

/** The fleet a plain-data description gives (workers rebuild it from the same description). */
export function fleetOf ({ seed, installations, modelKey, faults = [], startMs, endMs }) {
  return buildFleet({ seed, installations, climate: 'mixed', models: [modelOf(modelKey)], faults, startMs, endMs })
}

/**
 * The canonical samples of one simulated heat pump, `count` minutes from `startMs`: the
 * simulator's raw v2 driver records through the protocol's `normaliseSubmission`, as the server
 * ingests them. `tally.rejected` counts records the protocol refused (none are expected).
 */
export function * canonicalSamples (inst, { startMs, count }, tally = { rejected: 0 }) {
  const window = { nowMs: startMs + count * INTERVAL_MS + DAY_MS, oldestMs: 0, futureToleranceMs: 0 }
  let batch = []
  for (const record of recordsOf(inst, { format: 'v2', startMs, intervalMs: INTERVAL_MS, count })) {
    batch.push(record)
    if (batch.length === BATCH) {
      yield * normalised(batch, window, tally)
      batch = []
    }
  }
  if (batch.length > 0) yield * normalised(batch, window, tally)
}

function * normalised (batch, window, tally) {
  const { records, tally: t } = normaliseSubmission(batch, window)
  tally.rejected += t.records.rejected
  for (const r of records) yield { ts: r.ts, values: r.values }
}

/** All feature windows of a sequence of samples (in time order). */
export const windowsOfSamples = (samples) => windowsOf(samples)

/** How many of `windows` were spent in each mode (defrost included, which no detector learns). */
export function modeCounts (windows) {
  const out = {}
  for (const w of windows) out[w.mode] = (out[w.mode] ?? 0) + 1
  return out
}

// ---------------------------------------------------------------- sample files

const fileOf = (dir, index) => join(dir, `hp-${String(index).padStart(5, '0')}`)

/**
 * Writes one heat pump's samples as `<dir>/hp-NNNNN.json` (its metric columns and row count) and
 * `.f64` (rows of ts then one float64 per column, NaN where the sample lacks the metric).
 * Returns the number of samples.
 */
export function writeSamples (dir, index, samples) {
  const columns = [...new Set(samples.flatMap((s) => Object.keys(s.values)))].sort()
  const width = columns.length + 1
  const rows = new Float64Array(samples.length * width).fill(NaN)
  samples.forEach((s, k) => {
    rows[k * width] = s.ts
    columns.forEach((c, j) => {
      const v = s.values[c]
      if (typeof v === 'number') rows[k * width + 1 + j] = v
    })
  })
  const base = fileOf(dir, index)
  writeFileSync(`${base}.f64`, new Uint8Array(rows.buffer))
  writeFileSync(`${base}.json`, JSON.stringify({ columns, count: samples.length }))
  return samples.length
}

/**
 * One heat pump's samples from its files, as `{ts, values}` objects (what a store read gives);
 * with `metrics`, only those metrics (as the server's training reads them).
 */
export function readSamples (dir, index, metrics = undefined) {
  const base = fileOf(dir, index)
  const { columns, count } = JSON.parse(readFileSync(`${base}.json`, 'utf8'))
  const bytes = readFileSync(`${base}.f64`)
  const rows = bytes.byteOffset % 8 === 0
    ? new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8)
    : new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
  const width = columns.length + 1
  if (rows.length !== count * width) throw new Error(`${base}.f64: ${rows.length} numbers, expected ${count} × ${width}`)
  const kept = columns.map((c, j) => [c, j]).filter(([c]) => metrics === undefined || metrics.includes(c))
  const out = new Array(count)
  for (let k = 0; k < count; k++) {
    const values = {}
    for (const [c, j] of kept) {
      const v = rows[k * width + 1 + j]
      if (!Number.isNaN(v)) values[c] = v
    }
    out[k] = { ts: rows[k * width], values }
  }
  return out
}
