#!/usr/bin/env node
// Benchmark of the community anomaly model (docs/BENCHMARKS.md, "## Community model (bench:ml)"):
// detection quality on held-out simulated heat pumps with injected faults, and training speed.
//
//   npm run bench:ml -- [--quick] [--model aero-slm] [--train-units 40] [--test-units 20]
//                       [--days 30] [--heat-pumps 200] [--runs 3] [--workers 2] [--seed N]
//                       [--model-seed 42] [--model-seeds 3] [--only quality,speed] [--write-docs]
//
// --quick is a smoke run (12 training units, 8 held-out, 2 models, 12 heat pumps in the speed
// part, one run; under a minute); flags given with it still win. --write-docs needs the full
// size and both parts.
//
// Contract: no network; every worker, child process and temp directory it makes is removed on
// exit, failure or Ctrl-C, and a watchdog ends it. Needs the packages built (`npm run bench:ml`
// builds first).
//
// 1. Data (not timed): a simulated fleet of one model ("mixed" climates, January, 1-minute
//    records) through the protocol's normaliseSubmission, as the server ingests it, written to a
//    binary file per heat pump (bench/ml-lib.mjs), on --workers threads.
// 2. Quality: --model-seeds community models (seeds --model-seed, +1, …) trained on the first
//    --train-units heat pumps × --days days and revived from their JSON; held-out heat pumps of
//    another seed scored with each over the 28 days after the training period, each fault type
//    injected into half of them 28 days before that period. Per fault type: ROC AUC per window,
//    of the alert rule's statistic (the headline: alerts need 3 windows in a row) and per
//    heat-pump-day; precision and recall of the alert rule (stepAlert over every unit's
//    windows); the alerts of the held-out units without faults. Medians and ranges over models.
// 3. Speed: --runs runs, each in a fresh process (bench/ml-train.mjs): --heat-pumps heat pumps
//    × --days days of samples → windows → the server's trainInWorker (CommunityModel.train and
//    JSON in a worker thread); times, peak RSS, model size; medians of the runs.

import { execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { gzipSync } from 'node:zlib'
import { ALERT_START, CommunityModel, DEFAULT_ALERT_RULE, DEFAULT_WINDOW_MS, rocAuc, stepAlert } from '@heatpool/ml'
import { FAULT_KINDS, REFRIGERANT_LOSS_MAX, REFRIGERANT_LOSS_RAMP_MS } from '../packages/sim/dist/index.js'
import {
  BENCH_DIR, commandLine, DOCS, fileStamp, fmt, installCleanup, log, logHeader, machine, median, parseFlags,
  reportAnomalies, ROOT, runMain, saveResults, tempDir, trackChild, withDocsBlock,
} from './common.mjs'
import { DAY_MS, fleetOf, modelOf, SAMPLES_PER_DAY } from './ml-lib.mjs'

/** The training period starts here: January, the heart of the heating season. */
const START_MS = Date.UTC(2026, 0, 1)
/** Held-out heat pumps are scored over this many days right after the training period … */
const SCORED_DAYS = 28
/** … and their faults began this many days before it (refrigerant loss develops over 42 days). */
const FAULT_AGE_DAYS = 28
const GOAL_AUC = 0.85
const GOAL_AUC_FAULTS = ['refrigerant_loss', 'short_cycling']
const GOAL_TRAIN_S = 120
const GOAL_SIZE = { heatPumps: 200, days: 30 }
const TRAIN_JS = join(BENCH_DIR, 'ml-train.mjs')
const WORKER_JS = join(BENCH_DIR, 'ml-worker.mjs')

// ---------------------------------------------------------------- options

const QUICK = { 'train-units': '12', 'test-units': '8', 'heat-pumps': '12', runs: '1', 'model-seeds': '2' }
const FULL = { 'train-units': '40', 'test-units': '20', 'heat-pumps': '200', runs: '3', 'model-seeds': '3' }
const { argv, intOpt } = parseFlags(import.meta.url, 11, {
  quick: { type: 'boolean', default: false },
  model: { type: 'string', default: 'aero-slm' },
  'train-units': { type: 'string' },
  'test-units': { type: 'string' },
  days: { type: 'string', default: '30' },
  'heat-pumps': { type: 'string' },
  runs: { type: 'string' },
  workers: { type: 'string', default: String(Math.min(4, os.availableParallelism())) },
  seed: { type: 'string', default: '20261128' },
  'model-seed': { type: 'string', default: '42' },
  'model-seeds': { type: 'string' },
  only: { type: 'string', default: 'quality,speed' },
  'write-docs': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
})
for (const [k, v] of Object.entries(argv.quick ? QUICK : FULL)) argv[k] ??= v
const opts = {
  quick: argv.quick,
  model: modelOf(argv.model).key,
  trainUnits: intOpt('train-units', 1, 1000),
  testUnits: intOpt('test-units', 2, 1000),
  days: intOpt('days', 1, 365),
  heatPumps: intOpt('heat-pumps', 1, 2000),
  runs: intOpt('runs', 1, 20),
  workers: intOpt('workers', 1, 64),
  seed: intOpt('seed', 0, 2 ** 31),
  modelSeed: intOpt('model-seed', 0, 2 ** 31),
  modelSeeds: intOpt('model-seeds', 1, 50),
  only: argv.only.split(',').map((x) => x.trim()).filter(Boolean),
  writeDocs: argv['write-docs'],
}
if (opts.testUnits % 2 !== 0) throw new Error(`--test-units must be even (half of them get the fault), not ${opts.testUnits}`)
if (opts.writeDocs && opts.quick) throw new Error('--write-docs records the full-size run: drop --quick')
if (opts.only.length === 0 || opts.only.some((x) => x !== 'quality' && x !== 'speed')) throw new Error(`--only takes quality, speed or both, not ${argv.only}`)
if (opts.writeDocs && opts.only.length !== 2) throw new Error('--write-docs records both parts: drop --only')
installCleanup(1800 + opts.runs * 600)

// ---------------------------------------------------------------- the code measured

/**
 * Which model code ran: the git commit, whether packages/ml and packages/sim have uncommitted
 * changes, and a hash of the @heatpool/ml build (packages/ml/dist/*.js), which is what the
 * figures belong to while the package is being worked on.
 */
function codeVersion () {
  const git = (...args) => {
    try { return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() } catch { return null }
  }
  const dist = join(ROOT, 'packages/ml/dist')
  const hash = createHash('sha256')
  for (const f of readdirSync(dist).filter((x) => x.endsWith('.js')).sort()) hash.update(f).update(readFileSync(join(dist, f)))
  const dirty = git('status', '--porcelain', '--', 'packages/ml', 'packages/sim')
  return { commit: git('rev-parse', '--short', 'HEAD'), uncommitted: dirty === null ? null : dirty !== '', mlBuild: hash.digest('hex').slice(0, 12) }
}

// ---------------------------------------------------------------- workers and children

/** Runs bench/ml-worker.mjs with `data`; resolves with what it posts. */
function inWorker (data) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_JS, { workerData: data })
    let result
    worker.once('message', (m) => { result = m })
    worker.once('error', reject)
    worker.once('exit', (code) => (code === 0 && result !== undefined ? resolve(result) : reject(new Error(`ml worker exited with ${code}`))))
  })
}

/** `items` dealt round-robin to `opts.workers` workers, each running `task(itsItems)`; the results concatenated. */
async function spread (items, task) {
  const shares = Array.from({ length: Math.min(opts.workers, items.length) }, (_, w) => items.filter((_, i) => i % opts.workers === w))
  return (await Promise.all(shares.map((share) => inWorker(task(share))))).flat()
}

/** One timed training run in a fresh process (bench/ml-train.mjs); resolves with its JSON line. */
function trainingRun (dir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TRAIN_JS, dir, String(opts.heatPumps), String(opts.modelSeed)], { stdio: ['ignore', 'pipe', 'pipe'] })
    const untrack = trackChild(child)
    let out = ''
    let err = ''
    child.stdout.on('data', (c) => { out += c })
    child.stderr.on('data', (c) => { err = (err + c).slice(-4000) })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      untrack()
      if (code !== 0) return reject(new Error(`bench/ml-train.mjs exited with ${code ?? signal}:\n${err}`))
      resolve(JSON.parse(out.trim().split('\n').pop()))
    })
  })
}

// ---------------------------------------------------------------- quality

/** The ROC AUC, or NaN (and an anomaly) when a class is empty. */
function auc (labels, scores, what, anomalies) {
  try {
    return rocAuc(labels, scores)
  } catch (err) {
    anomalies.push(`${what}: ${err.message}`)
    return NaN
  }
}

/**
 * A point of the ROC curve: the fraction of positives above the cut that `fpr` of the negatives
 * exceed, and that cut.
 */
function recallAt (labels, scores, fpr) {
  const neg = scores.filter((_, i) => !labels[i]).sort((a, b) => a - b)
  const pos = scores.filter((_, i) => labels[i])
  if (neg.length === 0 || pos.length === 0) return { recall: NaN, cut: NaN }
  const cut = neg[Math.min(neg.length - 1, Math.max(0, Math.ceil((1 - fpr) * neg.length) - 1))]
  return { recall: pos.filter((x) => x > cut).length / pos.length, cut }
}

/** How far above its mode's threshold a window scored: > 0 is an anomalous window. */
const margin = (w) => w.score - w.threshold

/**
 * One held-out unit's statistics: the margins of its scored windows, the alert rule's statistic
 * (the smallest margin of each run of 3 scored windows in a row once the scorer is warm: the rule
 * alerts when that is > 0), the median margin of each UTC day, and the alerts of the rule.
 */
function unitStats (unit) {
  const rule = DEFAULT_ALERT_RULE
  const windows = []
  const runs = []
  const days = new Map()
  const raw = { windows: [], runs: [], days: new Map() }
  let rawRun = []
  const alerts = []
  const tops = []
  let state = ALERT_START
  let seen = 0
  let run = []
  for (const w of unit.windows) {
    const warm = seen >= rule.warmupSamples
    seen += w.samples
    const step = stepAlert(rule, state, { endMs: w.startMs + DEFAULT_WINDOW_MS, samples: w.samples, anomalous: w.anomalous })
    state = step.state
    if (step.alert) alerts.push({ endMs: w.startMs + DEFAULT_WINDOW_MS, top: w.top })
    if (w.score === undefined) {
      run = []
      rawRun = []
      continue
    }
    const m = margin(w)
    windows.push(m)
    if (w.anomalous) tops.push(w.top)
    run = warm ? [...run, m].slice(-rule.consecutive) : []
    if (run.length === rule.consecutive) runs.push(Math.min(...run))
    const day = Math.floor(w.startMs / DAY_MS)
    days.set(day, [...(days.get(day) ?? []), m])
    raw.windows.push(w.score)
    rawRun = warm ? [...rawRun, w.score].slice(-rule.consecutive) : []
    if (rawRun.length === rule.consecutive) raw.runs.push(Math.min(...rawRun))
    raw.days.set(day, [...(raw.days.get(day) ?? []), w.score])
  }
  return {
    faulty: unit.faults.length > 0,
    sensor: unit.faults[0]?.sensor,
    allWindows: unit.windows.length,
    windows,
    anomalous: windows.filter((m) => m > 0).length,
    tops,
    runs,
    dayMedians: [...days.values()].map(median),
    raw: { windows: raw.windows, runs: raw.runs, dayMedians: [...raw.days.values()].map(median) },
    days: days.size,
    alerts,
  }
}

/** Per fault type: AUCs and the alert rule's precision and recall over its faulty and healthy units. */
function faultSummary (kind, units, anomalies) {
  const labelled = (pick) => {
    const labels = []
    const scores = []
    for (const u of units) for (const s of pick(u)) { labels.push(u.faulty); scores.push(s) }
    return [labels, scores]
  }
  const faulty = units.filter((u) => u.faulty)
  const healthy = units.filter((u) => !u.faulty)
  const sum = (us, f) => us.reduce((a, u) => a + f(u), 0)
  const alertsFaulty = sum(faulty, (u) => u.alerts.length)
  const alertsHealthy = sum(healthy, (u) => u.alerts.length)
  const tops = new Map()
  for (const u of faulty) for (const t of u.tops) tops.set(t, (tops.get(t) ?? 0) + 1)
  const sensors = new Map()
  for (const u of faulty) {
    if (u.sensor === undefined) continue
    const s = sensors.get(u.sensor) ?? { units: 0, alerted: 0 }
    s.units++
    if (u.alerts.length > 0) s.alerted++
    sensors.set(u.sensor, s)
  }
  return {
    kind,
    faultyUnits: faulty.length,
    healthyUnits: healthy.length,
    aucWindow: auc(...labelled((u) => u.windows), `${kind} per window`, anomalies),
    aucRule: auc(...labelled((u) => u.runs), `${kind} alert-rule statistic`, anomalies),
    aucDay: auc(...labelled((u) => u.dayMedians), `${kind} per heat-pump-day`, anomalies),
    ruleAt1pct: recallAt(...labelled((u) => u.runs), 0.01),
    raw: {
      aucWindow: auc(...labelled((u) => u.raw.windows), `${kind} per window (raw)`, anomalies),
      aucRule: auc(...labelled((u) => u.raw.runs), `${kind} alert-rule statistic (raw)`, anomalies),
      aucDay: auc(...labelled((u) => u.raw.dayMedians), `${kind} per heat-pump-day (raw)`, anomalies),
    },
    windowsFaulty: sum(faulty, (u) => u.windows.length),
    windowsHealthy: sum(healthy, (u) => u.windows.length),
    anomalousFaulty: sum(faulty, (u) => u.anomalous) / sum(faulty, (u) => u.windows.length),
    anomalousHealthy: sum(healthy, (u) => u.anomalous) / sum(healthy, (u) => u.windows.length),
    unscoredFaulty: 1 - sum(faulty, (u) => u.windows.length) / sum(faulty, (u) => u.allWindows),
    unscoredHealthy: 1 - sum(healthy, (u) => u.windows.length) / sum(healthy, (u) => u.allWindows),
    alertsFaulty,
    alertsHealthy,
    precision: alertsFaulty / (alertsFaulty + alertsHealthy),
    recalled: faulty.filter((u) => u.alerts.length > 0).length,
    recall: faulty.filter((u) => u.alerts.length > 0).length / faulty.length,
    alertsPerFaultyUnitDay: alertsFaulty / sum(faulty, (u) => u.days),
    healthyUnitDays: sum(healthy, (u) => u.days),
    falseAlertsPerHealthyUnitDay: alertsHealthy / sum(healthy, (u) => u.days),
    firstAlertDayMedian: median(faulty.filter((u) => u.alerts.length > 0).map((u) => (u.alerts[0].endMs - u.windows0Ms) / DAY_MS)),
    topAnomalous: [...tops].sort((a, b) => b[1] - a[1]).map(([feature, n]) => ({ feature, n })),
    stuckSensors: Object.fromEntries(sensors),
  }
}

/** The held-out units with the verdicts a worker computed for their windows (see bench/ml-worker.mjs). */
function withVerdicts (units, scored) {
  return units.map((u, k) => {
    const { score, threshold, top } = scored[k]
    return {
      ...u,
      windows: u.windows.map((w, i) => {
        const out = { startMs: w.startMs, samples: w.samples, mode: w.mode }
        return Number.isNaN(score[i]) && Number.isNaN(threshold[i]) ? out : { ...out, score: score[i], threshold: threshold[i], anomalous: score[i] > threshold[i], top: top[i] }
      }),
    }
  })
}

/** One model's figures on the held-out units: per fault type, and the units without faults alone. */
function modelFigures (scored, fleets, anomalies) {
  for (const u of scored) if (u.windows.some((w) => w.score !== undefined && !Number.isFinite(w.score))) anomalies.push(`held-out unit ${u.index}: a score is not finite`)
  const byFleet = (fleet) => scored.filter((u) => JSON.stringify(u.fleet) === JSON.stringify(fleet))
  const healthy = byFleet(fleets.healthy).map((u) => ({ ...unitStats(u), index: u.index, windows0Ms: fleets.scoreStartMs }))
  const faults = FAULT_KINDS.map((kind) => {
    const own = byFleet(fleets.faults[kind])
    const faulty = own.map((u) => ({ ...unitStats(u), index: u.index, windows0Ms: fleets.scoreStartMs }))
    const faultyIdx = new Set(own.map((u) => u.index))
    return faultSummary(kind, [...faulty, ...healthy.filter((u) => !faultyIdx.has(u.index))], anomalies)
  })
  const alone = {
    units: healthy.length,
    unitDays: healthy.reduce((a, u) => a + u.days, 0),
    windows: healthy.reduce((a, u) => a + u.windows.length, 0),
    anomalousWindows: healthy.reduce((a, u) => a + u.anomalous, 0),
    alerts: healthy.reduce((a, u) => a + u.alerts.length, 0),
    unitsWithAlert: healthy.filter((u) => u.alerts.length > 0).length,
    unscoredWindows: byFleet(fleets.healthy).reduce((a, u) => a + u.windows.filter((w) => w.score === undefined).length, 0),
  }
  return { faults, healthyAlone: alone }
}

/** The figures of several models in one: AUCs as median and range, counts pooled, recall per model. */
function pooled (perModel) {
  const range = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) })
  const faults = FAULT_KINDS.map((kind) => {
    const fs = perModel.map((x) => x.faults.find((f) => f.kind === kind))
    const total = (f) => fs.reduce((a, x) => a + f(x), 0)
    const tops = new Map()
    for (const f of fs) for (const t of f.topAnomalous) tops.set(t.feature, (tops.get(t.feature) ?? 0) + t.n)
    const sensors = {}
    for (const f of fs) {
      for (const [sensor, x] of Object.entries(f.stuckSensors)) {
        sensors[sensor] ??= { units: 0, alerted: 0 }
        sensors[sensor].units += x.units
        sensors[sensor].alerted += x.alerted
      }
    }
    return {
      kind,
      faultyUnits: fs[0].faultyUnits,
      healthyUnits: fs[0].healthyUnits,
      aucWindow: range(fs.map((f) => f.aucWindow)),
      aucRule: range(fs.map((f) => f.aucRule)),
      aucDay: range(fs.map((f) => f.aucDay)),
      ruleAt1pct: { recall: median(fs.map((f) => f.ruleAt1pct.recall)), cut: median(fs.map((f) => f.ruleAt1pct.cut)) },
      anomalousFaulty: median(fs.map((f) => f.anomalousFaulty)),
      anomalousHealthy: median(fs.map((f) => f.anomalousHealthy)),
      unscoredFaulty: median(fs.map((f) => f.unscoredFaulty)),
      unscoredHealthy: median(fs.map((f) => f.unscoredHealthy)),
      alertsFaulty: total((f) => f.alertsFaulty),
      alertsHealthy: total((f) => f.alertsHealthy),
      precision: total((f) => f.alertsFaulty) / total((f) => f.alertsFaulty + f.alertsHealthy),
      recalledPerModel: fs.map((f) => f.recalled),
      recall: median(fs.map((f) => f.recall)),
      falseAlertsPerHealthyUnitDay: total((f) => f.alertsHealthy) / total((f) => f.healthyUnitDays),
      topAnomalous: [...tops].sort((a, b) => b[1] - a[1]).map(([feature, n]) => ({ feature, n })),
      stuckSensors: sensors,
    }
  })
  const alones = perModel.map((x) => x.healthyAlone)
  const sum = (f) => alones.reduce((a, x) => a + f(x), 0)
  return {
    faults,
    healthyAlone: {
      units: alones[0].units,
      unitDays: sum((x) => x.unitDays),
      windows: sum((x) => x.windows),
      anomalousWindows: sum((x) => x.anomalousWindows),
      alerts: sum((x) => x.alerts),
      unitsWithAlertPerModel: alones.map((x) => x.unitsWithAlert),
      unscoredWindows: sum((x) => x.unscoredWindows),
    },
  }
}

async function quality (dir, anomalies) {
  const t0 = performance.now()
  // Held-out heat pumps (another seed), scored over the SCORED_DAYS after the training period.
  const scoreStartMs = START_MS + opts.days * DAY_MS
  const base = { seed: opts.seed + 1, installations: opts.testUnits, modelKey: opts.model, startMs: scoreStartMs - FAULT_AGE_DAYS * DAY_MS, endMs: scoreStartMs + SCORED_DAYS * DAY_MS }
  const fleets = {
    scoreStartMs,
    healthy: { ...base, faults: [] },
    faults: Object.fromEntries(FAULT_KINDS.map((kind) => [kind, { ...base, faults: [{ kind, count: opts.testUnits / 2, startDay: 0 }] }])),
  }
  // A unit without a fault is the same in every fleet of this seed: simulate it once.
  const healthyUnits = fleetOf(fleets.healthy)
  const jobs = healthyUnits.map((_, index) => ({ fleet: fleets.healthy, index }))
  for (const fleet of Object.values(fleets.faults)) {
    fleetOf(fleet).forEach((inst, index) => {
      if (inst.spec.faults.length > 0) jobs.push({ fleet, index })
      else if (inst.installationId !== healthyUnits[index].installationId || inst.spec.faults.length !== 0) anomalies.push(`held-out unit ${index} differs between fleets`)
    })
  }
  const heldOut = await spread(jobs, (share) => ({ task: 'windows', jobs: share, startMs: scoreStartMs, count: SCORED_DAYS * SAMPLES_PER_DAY }))
  for (const u of heldOut) if (u.rejected > 0) anomalies.push(`held-out unit ${u.index}: normaliseSubmission rejected ${u.rejected} records`)
  log(`quality: ${heldOut.length} held-out unit simulations × ${SCORED_DAYS} days, ${fmt(heldOut.reduce((a, u) => a + u.windows.length, 0))} windows (${fmt((performance.now() - t0) / 1000, 1)} s)`)

  // One model per model seed, each trained on the first --train-units heat pumps, as the server
  // would, then revived from its JSON and run on the held-out windows (on the worker threads).
  const seeds = Array.from({ length: opts.modelSeeds }, (_, i) => opts.modelSeed + i)
  const windowsOnly = heldOut.map((u) => u.windows)
  const trained = (await spread(seeds, (share) => ({ task: 'train', dir, units: opts.trainUnits, seeds: share, heldOut: windowsOnly }))).sort((a, b) => a.seed - b.seed)
  const perModel = trained.map((t) => {
    const model = CommunityModel.fromJSON(JSON.parse(t.json))
    if (JSON.stringify(model.alert) !== JSON.stringify(DEFAULT_ALERT_RULE)) anomalies.push(`model seed ${t.seed}: alert rule ${JSON.stringify(model.alert)} is not DEFAULT_ALERT_RULE`)
    const figures = modelFigures(withVerdicts(heldOut, t.scored), fleets, anomalies)
    const line = figures.faults.map((f) => `${f.kind} ${fmt(f.aucWindow, 3)}/${fmt(f.aucRule, 3)}/${fmt(f.aucDay, 3)} ${f.recalled}/${f.faultyUnits}`).join(', ')
    log(`model seed ${t.seed} (trained in ${fmt(t.trainS, 1)} s, scored in ${fmt(t.scoreS, 1)} s): AUC window/rule/day, units alerted: ${line}; healthy alone ${figures.healthyAlone.alerts} alerts`)
    return {
      seed: t.seed,
      windows: t.windows,
      windowModes: t.windowModes,
      trainS: t.trainS,
      serialiseS: t.serialiseS,
      modes: model.modes,
      jsonBytes: Buffer.byteLength(t.json),
      gzipBytes: gzipSync(t.json).length,
      ...figures,
    }
  })
  const all = pooled(perModel)
  for (const f of all.faults) {
    log(`${f.kind.padEnd(16)} AUC (median of ${seeds.length} models) window ${fmt(f.aucWindow.median, 3)}  rule ${fmt(f.aucRule.median, 3)}  day ${fmt(f.aucDay.median, 3)}  alerts ${f.alertsFaulty}/${f.alertsHealthy}  units alerted ${f.recalledPerModel.join(',')} of ${f.faultyUnits}`)
  }
  return {
    train: { heatPumps: opts.trainUnits, days: opts.days, windows: trained[0].windows, seeds },
    heldOut: { seed: base.seed, units: opts.testUnits, scoredFromMs: scoreStartMs, scoredDays: SCORED_DAYS, faultAgeDays: FAULT_AGE_DAYS },
    perModel,
    ...all,
    wallS: (performance.now() - t0) / 1000,
  }
}

// ---------------------------------------------------------------- report

const pct = (x, d = 1) => `${fmt(100 * x, d)} %`
const day = (ms) => new Date(ms).toISOString().slice(0, 10)
const yesNo = (ok) => (ok ? 'yes' : '**no**')
const FAULT_NAMES = { refrigerant_loss: 'refrigerant loss', stuck_sensor: 'stuck sensor', short_cycling: 'short cycling', failed_defrost: 'failed defrost' }

/** What each fault looks like over the scored period. */
function faultStage () {
  const loss = (ageDays) => Math.min(1, ageDays * DAY_MS / REFRIGERANT_LOSS_RAMP_MS) * REFRIGERANT_LOSS_MAX
  const full = REFRIGERANT_LOSS_RAMP_MS / DAY_MS - FAULT_AGE_DAYS
  return `the faults began ${FAULT_AGE_DAYS} days before the scored period, so refrigerant loss has cost ${pct(loss(FAULT_AGE_DAYS), 0)} of COP and capacity at its start and ${pct(loss(FAULT_AGE_DAYS + SCORED_DAYS), 0)} ${full > 0 && full < SCORED_DAYS ? `from its day ${full} on` : 'at its end'} (it ramps to ${pct(REFRIGERANT_LOSS_MAX, 0)} over ${REFRIGERANT_LOSS_RAMP_MS / DAY_MS} days); the other faults are fully present throughout`
}

/** Windows per mode, with the defrost windows no detector learns said so. */
function modesText (counts) {
  return Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([mode, n]) => `${mode} ${fmt(n)}${mode === 'defrost' ? ' (not learnt)' : ''}`).join(', ')
}

function markdown (r) {
  const m = r.machine
  const q = r.quality
  const s = r.speed
  const L = []
  L.push(`### Results${r.options.quick ? ' (--quick)' : ''}`)
  L.push('')
  L.push(`- Machine: ${m.cpuModel}, ${m.cpuCount} vCPUs, ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}`)
  L.push(`- Date: ${m.date}`)
  L.push(`- Command: \`${r.command}\` (${fmt(r.wallS)} s in all; simulating the data ${fmt(r.data.wallS)} s on ${r.options.workers} threads, not timed)`)
  const v = r.code
  L.push(`- Code: commit ${v.commit ?? 'unknown'}${v.uncommitted ? ' with uncommitted changes in packages/ml or packages/sim' : ''}; @heatpool/ml build ${v.mlBuild} (sha-256 of packages/ml/dist/*.js, first 12 hex digits)`)
  L.push(`- Data: simulated ${r.model.name} heat pumps (${r.model.source} source), climates in turn (\`mixed\`), records every minute through \`normaliseSubmission\`; training period ${day(START_MS)} + ${r.options.days} days; fleet seed ${r.options.seed}, model seed ${r.options.modelSeed} (the server's).`)
  L.push('')
  if (q !== null) qualityMarkdown(L, q)
  if (s !== null) speedMarkdown(L, r, s, q)
  L.push('**Goals.**')
  L.push('')
  for (const kind of q === null ? [] : GOAL_AUC_FAULTS) {
    const f = q.faults.find((x) => x.kind === kind)
    const verdict = (x) => `${fmt(x.median, 3)} (${x.median >= GOAL_AUC ? 'met' : '**not met**'}${q.perModel.length > 1 ? `; ${q.perModel.filter((mm) => mm.faults.find((y) => y.kind === kind)[x === f.aucRule ? 'aucRule' : 'aucWindow'] >= GOAL_AUC).length} of ${q.perModel.length} models reach it` : ''})`
    L.push(`- AUC ≥ ${GOAL_AUC} for ${FAULT_NAMES[kind]}: alert-rule statistic ${verdict(f.aucRule)}; per window ${verdict(f.aucWindow)}; per heat-pump-day ${fmt(f.aucDay.median, 3)}.`)
  }
  if (s !== null) {
    const med = s.median
    const fullSize = s.heatPumps === GOAL_SIZE.heatPumps && r.options.days === GOAL_SIZE.days
    L.push(`- Training of ${GOAL_SIZE.heatPumps} × ${GOAL_SIZE.days} days under ${GOAL_TRAIN_S} s: ${fullSize ? `median ${fmt(med.totalMs / 1000, 1)} s (${med.totalMs / 1000 < GOAL_TRAIN_S ? 'met' : '**not met**'}; slowest run ${fmt(Math.max(...s.runs.map((x) => x.totalMs)) / 1000, 1)} s)` : `not measured at that size (${s.heatPumps} × ${r.options.days} days here)`}.`)
  }
  if (r.anomalies.length > 0) L.push(`- **${r.anomalies.length} anomalies**: ${r.anomalies.join('; ')}`)
  return L.join('\n')
}

function qualityMarkdown (L, q) {
  const seeds = q.train.seeds
  const seedRange = seeds.length === 1 ? `seed ${seeds[0]}` : `seeds ${seeds[0]}–${seeds[seeds.length - 1]}`
  const m0 = q.perModel[0]
  L.push(`**Detection quality.** ${seeds.length === 1 ? 'A model' : `${seeds.length} models (model ${seedRange}: the trees are random, and the figures move with the seed)`} trained on ${q.train.heatPumps} heat pumps × ${q.train.days} days (${fmt(q.train.windows)} windows: ${modesText(m0.windowModes)}; ${fmt(m0.jsonBytes / 1024)} KiB JSON, ${fmt(m0.gzipBytes / 1024)} KiB gzip; ${fmt(median(q.perModel.map((x) => x.trainS)), 1)} s each), each revived from its JSON and run on ${q.heldOut.units} held-out heat pumps of another seed over the ${q.heldOut.scoredDays} days after the training period (${day(q.heldOut.scoredFromMs)} – ${day(q.heldOut.scoredFromMs + (q.heldOut.scoredDays - 1) * DAY_MS)}). For each fault type, ${q.heldOut.units / 2} of them have the fault and the other ${q.heldOut.units / 2} none; ${faultStage()}. AUCs: median over the models [min – max]; alerts, precision and false alerts: all models' together; recall: units alerted, per model.`)
  L.push('')
  L.push(`| fault | AUC per window | **AUC alert rule** (headline) | AUC per heat-pump-day | anomalous windows: faulty / healthy | faulty units alerted, per model | alerts: faulty / healthy | precision | false alerts per healthy unit-day | top feature of anomalous windows (faulty units) | goal AUC ≥ ${GOAL_AUC} |`)
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|')
  const r3 = (x) => `${fmt(x.median, 3)} [${fmt(x.min, 2)} – ${fmt(x.max, 2)}]`
  for (const f of q.faults) {
    const goal = GOAL_AUC_FAULTS.includes(f.kind) ? `rule ${yesNo(f.aucRule.median >= GOAL_AUC)}, window ${yesNo(f.aucWindow.median >= GOAL_AUC)}` : '(no goal)'
    const top = f.topAnomalous.slice(0, 2).map((t) => `${t.feature ?? 'n/a'} (${fmt(t.n)})`).join(', ') || '–'
    L.push(`| ${FAULT_NAMES[f.kind]} | ${r3(f.aucWindow)} | **${r3(f.aucRule)}** | ${r3(f.aucDay)} | ${pct(f.anomalousFaulty)} / ${pct(f.anomalousHealthy)} | ${f.recalledPerModel.join(', ')} of ${f.faultyUnits} | ${fmt(f.alertsFaulty)} / ${fmt(f.alertsHealthy)} | ${fmt(f.precision, 3)} | ${fmt(f.falseAlertsPerHealthyUnitDay, 4)} | ${top} | ${goal} |`)
  }
  L.push('')
  if (q.perModel.length > 1) {
    L.push(`| model seed | thresholds: ${Object.keys(m0.modes).join(' / ')} | AUC alert rule: ${q.faults.map((f) => FAULT_NAMES[f.kind]).join(' / ')} | faulty units alerted: ${q.faults.map((f) => FAULT_NAMES[f.kind]).join(' / ')} | alerts on healthy units |`)
    L.push('|---|---|---|---|---:|')
    for (const x of q.perModel) {
      L.push(`| ${x.seed} | ${Object.values(x.modes).map((mm) => fmt(mm.threshold, 3)).join(' / ')} | ${x.faults.map((f) => fmt(f.aucRule, 3)).join(' / ')} | ${x.faults.map((f) => f.recalled).join(' / ')} | ${fmt(x.healthyAlone.alerts)} |`)
    }
    L.push('')
  }
  L.push(`- The alert rule's operating point: an alert needs ${DEFAULT_ALERT_RULE.consecutive} windows in a row above their mode's threshold, i.e. its statistic (the smallest score − threshold of the run) above 0; precision is n/a without alerts. For comparison, the cut on that statistic which 1 % of the healthy units' runs exceed, and the share of the faulty units' runs above it (medians over the models): ${q.faults.map((f) => `${FAULT_NAMES[f.kind]} ${fmt(f.ruleAt1pct.cut, 3)} → ${pct(f.ruleAt1pct.recall, 0)}`).join('; ')}.`)
  L.push(`- Windows no detector scores (a defrost in the window, or a mode without a detector), faulty / healthy units: ${q.faults.map((f) => `${FAULT_NAMES[f.kind]} ${pct(f.unscoredFaulty)} / ${pct(f.unscoredHealthy)}`).join('; ')}. They break a run of the alert rule.`)
  const stuck = q.faults.find((f) => f.kind === 'stuck_sensor')
  if (stuck && Object.keys(stuck.stuckSensors).length > 0) {
    L.push(`- Stuck sensor, unit × model pairs with an alert by sensor: ${Object.entries(stuck.stuckSensors).map(([sensor, x]) => `${sensor} ${x.alerted} / ${x.units}`).join(', ')}.`)
  }
  const a = q.healthyAlone
  L.push(`- Held-out heat pumps without any fault (all ${a.units}, ${SCORED_DAYS} days, under each model: ${fmt(a.unitDays)} unit-days): ${pct(a.anomalousWindows / a.windows, 2)} of ${fmt(a.windows)} windows above their threshold, ${fmt(a.alerts)} alerts = ${fmt(a.alerts / a.unitDays, 4)} per heat-pump-day; units with at least one alert, per model: ${a.unitsWithAlertPerModel.join(', ')} of ${a.units}${a.unscoredWindows > 0 ? `; besides, ${fmt(a.unscoredWindows)} windows no detector scores` : ''}.`)
  L.push('')
}

function speedMarkdown (L, r, s, q) {
  L.push(`**Training speed** (goal: ${GOAL_SIZE.heatPumps} heat pumps × ${GOAL_SIZE.days} days at 1-minute resolution in under ${GOAL_TRAIN_S / 60} minutes). ${fmt(s.heatPumps)} heat pumps × ${r.options.days} days = ${fmt(s.runs[0].samples)} samples (one sample = one heat pump's instant: ${fmt(s.runs[0].values / s.runs[0].samples, 1)} values per sample, of the metrics the server's training reads). Each run is a fresh process that reads the samples one heat pump at a time from the bench's files (not timed: the sample store's part) and times what the server's training job does: windowing (a \`WindowBuilder\` per heat pump, 15 min, as \`collectWindows\`) and the server's \`trainInWorker\` (windows handed to a worker thread, \`CommunityModel.train\` with seed ${r.options.modelSeed}, \`JSON.stringify(model.toJSON())\`, the JSON posted back). RSS: with all windows held, and the run's peak (\`maxRSS\`, worker thread included).`)
  L.push('')
  L.push('| run | windows | windowing s | train in worker s | total s | samples/s | RSS windows held MiB | peak RSS MiB | model JSON KiB | gzip KiB |')
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  s.runs.forEach((x, i) => L.push(`| ${i + 1} | ${fmt(x.windows)} | ${fmt(x.windowingMs / 1000, 1)} | ${fmt(x.trainMs / 1000, 1)} | ${fmt(x.totalMs / 1000, 1)} | ${fmt(x.samples / x.totalMs * 1000)} | ${fmt(x.rssWindowsMiB)} | ${fmt(x.maxRssMiB)} | ${fmt(x.jsonBytes / 1024)} | ${fmt(x.gzipBytes / 1024)} |`))
  const med = s.median
  L.push(`| **median** | ${fmt(med.windows)} | ${fmt(med.windowingMs / 1000, 1)} | ${fmt(med.trainMs / 1000, 1)} | **${fmt(med.totalMs / 1000, 1)}** | **${fmt(med.samplesPerS)}** | ${fmt(med.rssWindowsMiB)} | ${fmt(med.maxRssMiB)} | ${fmt(med.jsonBytes / 1024)} | ${fmt(med.gzipBytes / 1024)} |`)
  L.push('')
  L.push(`- Windows per mode: ${modesText(s.runs[0].windowModes)}; windowing alone ${fmt(med.windowingSamplesPerS)} samples/s.${q === null ? '' : ` For scale: a quality model (${q.train.heatPumps} heat pumps, ${fmt(q.train.windows)} windows) took ${fmt(median(q.perModel.map((x) => x.trainS)), 1)} s to train and ${fmt(median(q.perModel.map((x) => x.serialiseS)) * 1000)} ms to serialise in a worker thread of the bench.`}`)
  L.push('')
}

// ---------------------------------------------------------------- main

async function main () {
  const t0 = performance.now()
  const m = machine()
  logHeader('bench:ml', m, opts)
  const anomalies = []
  const model = modelOf(opts.model)
  const code = codeVersion()

  // 1. Data: one fleet for both training parts (quality uses its first --train-units units).
  const dir = tempDir('heatpool-ml-')
  const units = Math.max(opts.only.includes('quality') ? opts.trainUnits : 0, opts.only.includes('speed') ? opts.heatPumps : 0)
  const fleet = { seed: opts.seed, installations: units, modelKey: opts.model, faults: [], startMs: START_MS, endMs: START_MS + opts.days * DAY_MS }
  const tData = performance.now()
  const written = await spread(Array.from({ length: units }, (_, i) => i), (indices) => ({ task: 'samples', fleet, indices, startMs: START_MS, count: opts.days * SAMPLES_PER_DAY, dir }))
  const data = { units, samples: written.reduce((a, x) => a + x.samples, 0), wallS: (performance.now() - tData) / 1000 }
  for (const x of written) {
    if (x.rejected > 0) anomalies.push(`heat pump ${x.index}: normaliseSubmission rejected ${x.rejected} records`)
    if (x.samples !== opts.days * SAMPLES_PER_DAY) anomalies.push(`heat pump ${x.index}: ${x.samples} samples, expected ${opts.days * SAMPLES_PER_DAY}`)
  }
  log(`data: ${units} heat pumps × ${opts.days} days = ${fmt(data.samples)} samples in ${fmt(data.wallS, 1)} s (${opts.workers} threads, not timed)`)

  // 2. Quality.
  const q = opts.only.includes('quality') ? await quality(dir, anomalies) : null

  // 3. Speed.
  const runs = []
  for (let k = 0; k < (opts.only.includes('speed') ? opts.runs : 0); k++) {
    const r = await trainingRun(dir)
    runs.push(r)
    log(`speed run ${k + 1}/${opts.runs}: ${fmt(r.samples)} samples → ${fmt(r.windows)} windows: windowing ${fmt(r.windowingMs / 1000, 1)} s, train in worker ${fmt(r.trainMs / 1000, 1)} s, total ${fmt(r.totalMs / 1000, 1)} s = ${fmt(r.samples / r.totalMs * 1000)} samples/s; peak RSS ${fmt(r.maxRssMiB)} MiB; model ${fmt(r.jsonBytes / 1024)} KiB (gzip ${fmt(r.gzipBytes / 1024)} KiB)`)
    if (!r.roundTrip) anomalies.push(`speed run ${k + 1}: the model does not round-trip through its JSON`)
    if (r.samples !== opts.heatPumps * opts.days * SAMPLES_PER_DAY) anomalies.push(`speed run ${k + 1}: ${r.samples} samples`)
  }
  if (codeVersion().mlBuild !== code.mlBuild) anomalies.push('packages/ml/dist changed during the run (a rebuild): the figures mix two versions')
  const pick = (f) => median(runs.map(f))
  const speed = runs.length === 0 ? null : {
    heatPumps: opts.heatPumps,
    runs,
    median: {
      windows: pick((x) => x.windows),
      windowingMs: pick((x) => x.windowingMs),
      trainMs: pick((x) => x.trainMs),
      rssWindowsMiB: pick((x) => x.rssWindowsMiB),
      totalMs: pick((x) => x.totalMs),
      samplesPerS: pick((x) => x.samples / x.totalMs * 1000),
      windowingSamplesPerS: pick((x) => x.samples / x.windowingMs * 1000),
      maxRssMiB: pick((x) => x.maxRssMiB),
      jsonBytes: pick((x) => x.jsonBytes),
      gzipBytes: pick((x) => x.gzipBytes),
    },
  }
  const result = {
    machine: m,
    command: commandLine('bench:ml'),
    options: opts,
    code,
    model: { key: model.key, name: model.name, source: model.source },
    data,
    quality: q,
    speed,
    anomalies,
    wallS: (performance.now() - t0) / 1000,
  }
  const json = saveResults(`ml-${opts.quick ? 'quick-' : ''}${fileStamp(m.date)}`, result)
  log('')
  log(markdown(result))
  log(`results: ${json}`)
  if (opts.writeDocs) {
    const marker = '<!-- bench:ml:results -->'
    let text = readFileSync(DOCS, 'utf8')
    if (!text.includes(marker) && !text.includes('<!-- bench:ml:start')) text = `${text.trimEnd()}\n\n## Community model (bench:ml)\n\n${marker}\n`
    writeFileSync(DOCS, withDocsBlock(text, {
      start: '<!-- bench:ml:start (generated by bench/ml.mjs --write-docs) -->',
      end: '<!-- bench:ml:end -->',
      body: markdown(result),
      placeholder: marker,
    }))
    log(`updated ${DOCS}`)
  }
  reportAnomalies(anomalies)
}

await runMain(main)
