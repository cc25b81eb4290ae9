// Worker thread of bench/ml.mjs: simulates heat pumps and trains quality models in parallel with
// the other workers, so that the work the bench does not time runs on every core. Three tasks
// (workerData.task):
//
//   samples  writes the canonical samples of fleet units `indices` to sample files in `dir`
//            (bench/ml-lib.mjs) for the training parts; posts {index, samples, rejected}[].
//   train    cuts the windows of heat pumps 0 … units−1 from the sample files, trains one
//            community model per seed of `seeds`, revives it from its JSON and scores the
//            held-out units' windows `heldOut` (one array per unit) with it; posts per seed the
//            JSON, the times and per unit the scores, thresholds and top features (NaN, NaN and
//            null for a window the model has no detector for).
//   windows  simulates the held-out units `jobs` ({fleet, index}) over the scored period and cuts
//            their windows; posts per unit its faults and its windows, in time order.

import { performance } from 'node:perf_hooks'
import { parentPort, workerData } from 'node:worker_threads'
import { CommunityModel } from '@heatpool/ml'
import { canonicalSamples, fleetOf, modeCounts, readSamples, windowsOfSamples, writeSamples } from './ml-lib.mjs'

function samplesTask ({ fleet, indices, startMs, count, dir }) {
  const units = fleetOf(fleet)
  return indices.map((index) => {
    const tally = { rejected: 0 }
    const samples = [...canonicalSamples(units[index], { startMs, count }, tally)]
    return { index, samples: writeSamples(dir, index, samples), rejected: tally.rejected }
  })
}

function trainTask ({ dir, units, seeds, heldOut }) {
  const windows = []
  for (let i = 0; i < units; i++) windows.push(...windowsOfSamples(readSamples(dir, i)))
  const windowModes = modeCounts(windows)
  return seeds.map((seed) => {
    const t0 = performance.now()
    const trained = CommunityModel.train(windows, { seed })
    const t1 = performance.now()
    const json = JSON.stringify(trained.toJSON())
    const t2 = performance.now()
    const model = CommunityModel.fromJSON(JSON.parse(json))
    const scored = heldOut.map((own) => {
      const score = new Float64Array(own.length).fill(NaN)
      const threshold = new Float64Array(own.length).fill(NaN)
      const top = new Array(own.length).fill(null)
      own.forEach((w, i) => {
        const v = model.score(w)
        if (v === undefined) return
        score[i] = v.score
        threshold[i] = v.threshold
        top[i] = v.top[0]?.feature ?? null
      })
      return { score, threshold, top }
    })
    return { seed, windows: windows.length, windowModes, json, trainS: (t1 - t0) / 1000, serialiseS: (t2 - t1) / 1000, scoreS: (performance.now() - t2) / 1000, scored }
  })
}

function windowsTask ({ jobs, startMs, count }) {
  const fleets = new Map()
  return jobs.map(({ fleet, index }) => {
    const key = JSON.stringify(fleet)
    if (!fleets.has(key)) fleets.set(key, fleetOf(fleet))
    const inst = fleets.get(key)[index]
    const tally = { rejected: 0 }
    const windows = windowsOfSamples(canonicalSamples(inst, { startMs, count }, tally))
    return { fleet, index, installationId: inst.installationId, faults: inst.spec.faults, rejected: tally.rejected, windows }
  })
}

const tasks = { samples: samplesTask, train: trainTask, windows: windowsTask }
parentPort.postMessage(tasks[workerData.task](workerData))
