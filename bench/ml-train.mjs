// One timed training run of bench/ml.mjs, in a process of its own so that its peak RSS is the
// training's alone:
//
//   node bench/ml-train.mjs <sample dir> <heat pumps> <seed>
//
// Reads heat pumps 0 … n−1 from the sample files bench/ml.mjs wrote (bench/ml-lib.mjs), one at
// a time, and does what the server's training job does with them (packages/server/src/training),
// timing each step:
//   windowing   each heat pump's samples, restricted to the metrics the server reads for
//               training (TRAINING_METRICS), pushed in time order through a fresh WindowBuilder
//               (15-minute windows), as collectWindows does; reading the file and making the
//               sample objects is not timed (the sample store's part);
//   train       the server's own trainInWorker: the windows handed to a worker thread, which runs
//               CommunityModel.train and JSON.stringify(model.toJSON()) and posts the JSON back.
// Prints one JSON line with the times, sizes and memory (maxRSS covers the worker thread too).
// Untimed afterwards: gzip of the JSON (its size) and a round trip through
// CommunityModel.fromJSON (a check).

import { performance } from 'node:perf_hooks'
import { gzipSync } from 'node:zlib'
import { CommunityModel, WindowBuilder } from '@heatpool/ml'
import { trainInWorker } from '../packages/server/dist/training/train-in-worker.js'
import { TRAINING_METRICS } from '../packages/server/dist/training/windows.js'
import { modeCounts, readSamples } from './ml-lib.mjs'

const [dir, n, seed] = process.argv.slice(2)
const heatPumps = Number(n)
const mib = (bytes) => bytes / 2 ** 20
const rssStartMiB = mib(process.memoryUsage().rss)

let windowingMs = 0
let samples = 0
let values = 0
const windows = []
for (let i = 0; i < heatPumps; i++) {
  const rows = readSamples(dir, i, TRAINING_METRICS)
  samples += rows.length
  for (const row of rows) values += Object.keys(row.values).length
  const t0 = performance.now()
  const builder = new WindowBuilder()
  for (const row of rows) {
    const closed = builder.push(row)
    if (closed !== undefined) windows.push(closed)
  }
  const last = builder.flush()
  if (last !== undefined) windows.push(last)
  windowingMs += performance.now() - t0
}
const rssWindowsMiB = mib(process.memoryUsage().rss)

const t0 = performance.now()
const trained = await trainInWorker(windows, { seed: Number(seed) })
const trainMs = performance.now() - t0
const maxRssMiB = process.resourceUsage().maxRSS / 1024

const json = trained.json
const jsonBytes = Buffer.byteLength(json, 'utf8')
const gzipBytes = gzipSync(json).length
const roundTrip = JSON.stringify(CommunityModel.fromJSON(JSON.parse(json)).toJSON()) === json

process.stdout.write(JSON.stringify({
  heatPumps,
  samples,
  values,
  windows: windows.length,
  windowModes: modeCounts(windows),
  modes: trained.modes,
  windowingMs,
  trainMs,
  totalMs: windowingMs + trainMs,
  jsonBytes,
  gzipBytes,
  roundTrip,
  rssStartMiB,
  rssWindowsMiB,
  maxRssMiB,
  wallMs: performance.now(),
}) + '\n')
