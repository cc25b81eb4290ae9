// Seeds an embedded store for the read benchmark (bench/read.mjs, docs/BENCHMARKS.md "Read API"):
// installations with their contribution ledger, pool day counts, heat pumps and a year of
// hourly and daily rollups, written straight into SQLite (batched multi-row INSERTs of prepared
// statements in large transactions). The schema is the server's own: `openSqliteStore` from the
// build migrates the empty store first.
//
// Everything is deterministic for a seed and a `nowMs`. What the bench must check the server
// against (who is active, who is eligible, which heat pumps a model has) comes back in memory,
// computed here from the seeded values, never from server code.

import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import { prng, uuidFrom } from './payloads.mjs'

export const DAY_MS = 86_400_000
export const HOUR_MS = 3_600_000
export const CONTRIBUTION_MIN_SAMPLES = 100 // the server's default threshold of a contribution day
export const ELIGIBILITY_DAYS = 30
export const ELIGIBILITY_RECENT_DAYS = 30
export const POOL_WINDOW_DAYS = 30

/** Catalog values a logger sends per record (the 14 of the ingest bench). */
const VALUES_PER_RECORD = 14

/**
 * Heat-pump models of the seeded fleet: name as a logger reports it, driver, heat pumps, and the
 * model's COP at 7 °C outdoor. The last group is smaller than K_ANONYMITY (5) on purpose.
 */
export const HP_MODELS = [
  { name: 'AERO SLM', manufacturer: 'idm', driver: 'navigator_2_0', heatPumps: 190, cop7: 4.0 },
  { name: 'Navigator 2.0', manufacturer: 'idm', driver: 'navigator_2_0', heatPumps: 150, cop7: 3.8 },
  { name: 'S2125-8', manufacturer: 'nibe', driver: 's_series', heatPumps: 120, cop7: 4.2 },
  { name: 'F2120-12', manufacturer: 'nibe', driver: 's_series', heatPumps: 100, cop7: 3.9 },
  { name: 'Altherma 3 H HT', manufacturer: 'daikin', driver: 'altherma', heatPumps: 95, cop7: 3.6 },
  { name: 'Altherma 3 R', manufacturer: 'daikin', driver: 'altherma', heatPumps: 90, cop7: 4.0 },
  { name: 'LWD 70A', manufacturer: 'luxtronik', driver: 'luxtronik_2_1', heatPumps: 80, cop7: 3.5 },
  { name: 'LWAV 82R1/3', manufacturer: 'luxtronik', driver: 'luxtronik_2_1', heatPumps: 70, cop7: 3.8 },
  { name: 'Arotherm plus', manufacturer: 'unknown', driver: 'unknown', heatPumps: 55, cop7: 4.1 },
  { name: 'Vitocal 250-A', manufacturer: 'unknown', driver: 'unknown', heatPumps: 47, cop7: 4.3 },
  { name: 'WPL 25 A', manufacturer: 'unknown', driver: 'unknown', heatPumps: 3, cop7: 3.7 },
]

/** The server's model key of a name (protocol identifiers.ts parseHeatPumpModel, for these plain names). */
export function modelKeyOf (name) {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase().replace(/[\s_/]+/g, '_').replace(/^_|_$/g, '')
}

const ROLLUP_COLUMNS = [
  'records', 'samples', 'heat_wh', 'electric_wh', 'heat_wh_space', 'electric_wh_space', 'heat_wh_dhw',
  'electric_wh_dhw', 'running_s', 'covered_s', 'outdoor_s', 'outdoor_ts', 'outdoor_h', 'outdoor_hw',
  'flow_h', 'flow_hw', 'return_h', 'return_hw',
]
const [RECORDS, SAMPLES, HEAT, ELEC, HEAT_SP, ELEC_SP, HEAT_DHW, ELEC_DHW, RUNNING, COVERED, OUT_S, OUT_TS, OUT_H, OUT_HW, FLOW_H, FLOW_HW, RET_H, RET_HW] = ROLLUP_COLUMNS.map((_, i) => i)
const NSUMS = ROLLUP_COLUMNS.length

/** Multi-row INSERT of `rows` rows of `columns`, for a prepared statement bound with one flat array. */
function insertSql (table, columns, rows) {
  const one = `(${columns.map(() => '?').join(', ')})`
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => one).join(', ')}`
}

/**
 * Buffers rows into a flat array and runs a prepared `rowsPerStatement`-row INSERT whenever it is
 * full; `flush()` writes the rest with a statement of the right size.
 */
function batchInserter (db, table, columns, rowsPerStatement) {
  const width = columns.length
  const full = db.prepare(insertSql(table, columns, rowsPerStatement))
  const buf = new Array(rowsPerStatement * width)
  let n = 0
  let rows = 0
  return {
    /** The buffer slot of the next row's first column; the caller fills `width` values from it. */
    slot () {
      if (n === buf.length) {
        full.run(buf)
        n = 0
      }
      const at = n
      n += width
      rows++
      return at
    },
    buf,
    flush () {
      if (n > 0) db.prepare(insertSql(table, columns, n / width)).run(buf.slice(0, n))
      n = 0
    },
    get rows () { return rows },
  }
}

/** Approximately normal (mean 0, sd 1) from three uniforms: cheap, and enough for weather noise. */
function gauss (rand) {
  return (rand() + rand() + rand() - 1.5) * 2
}

const clamp = (x, lo, hi) => (x < lo ? lo : x > hi ? hi : x)

/**
 * Seeds `<dataDir>/heatpool.db`, which must already have the server's schema.
 *
 * @param {{ dataDir: string, nowMs: number, seed: number, installations: number, heatPumps: number,
 *   rollupDays: number, poolDays: number, ledgerInstallations: number, rowsPerStatement: number, log?: (m: string) => void }} o
 * @returns what the bench checks answers against, and the seed's sizes and times
 */
export function seedStore (o) {
  const log = o.log ?? (() => {})
  const rand = prng(o.seed)
  const db = new Database(join(o.dataDir, 'heatpool.db'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = OFF')
  db.pragma('foreign_keys = OFF')
  db.pragma('cache_size = -262144')
  const t0 = performance.now()
  const times = {}
  const today = Math.floor(o.nowMs / DAY_MS)
  const nowHour = Math.floor(o.nowMs / HOUR_MS)
  const N = o.installations

  // ---- heat-pump models: o.heatPumps heat pumps spread over HP_MODELS in their proportions
  const weight = HP_MODELS.reduce((a, m) => a + m.heatPumps, 0)
  const perModel = HP_MODELS.map((m) => Math.max(1, Math.round(m.heatPumps / weight * o.heatPumps)))
  perModel[0] += o.heatPumps - perModel.reduce((a, b) => a + b, 0)
  const hpModel = new Int8Array(o.heatPumps)
  {
    let i = 0
    perModel.forEach((n, m) => { for (let k = 0; k < n; k++) hpModel[i++] = m })
    for (let k = hpModel.length - 1; k > 0; k--) { // shuffle
      const j = Math.floor(rand() * (k + 1))
      const t = hpModel[k]; hpModel[k] = hpModel[j]; hpModel[j] = t
    }
  }
  const models = HP_MODELS.map((m, i) => ({ ...m, key: modelKeyOf(m.name), heatPumps: perModel[i] }))

  // ---- installations (+ ledger for the first o.ledgerInstallations)
  // Active ones (most) have a sample within the last 29 days, inactive ones none for 31–400
  // days: nobody sits near the 30-day boundary, so the expected pool count cannot change while
  // the bench runs. Installation i < heatPumps owns heat pump i and is always active.
  const ids = new Array(N)
  const modelOf = new Int8Array(N) // index into models, -1: no known model
  const contributionDays = new Int16Array(N)
  const lastContributionDay = new Int32Array(N) // -1: none
  const eligibleSinceDay = new Int32Array(N) // -1: none (from the ledger rows)
  const lastSampleTs = new Float64Array(N)
  let active = 0
  const inst = batchInserter(db, 'installations', ['id', 'manufacturer', 'model_name', 'model_key', 'created_at', 'first_seen_at', 'last_seen_at', 'last_sample_ts', 'samples_total', 'contribution_days', 'last_contribution_day'], Math.floor(o.rowsPerStatement))
  const ledger = batchInserter(db, 'ledger_days', ['installation_id', 'day', 'samples', 'stored'], o.rowsPerStatement)
  const minModel = models.length
  db.transaction(() => {
    for (let i = 0; i < N; i++) {
      const id = uuidFrom(rand)
      ids[i] = id
      const hp = i < o.heatPumps
      let m
      if (hp) m = hpModel[i]
      else if (rand() < 0.15) m = -1
      else {
        let r = rand() * weight
        m = 0
        while (m < minModel - 1 && r >= HP_MODELS[m].heatPumps) { r -= HP_MODELS[m].heatPumps; m++ }
      }
      modelOf[i] = m
      const isActive = hp || rand() < 0.8
      let last
      if (hp) last = o.nowMs - 60_000 - Math.floor(rand() * 600_000)
      else if (isActive) last = o.nowMs - 60_000 - Math.floor(rand() ** 3 * 29 * DAY_MS) // most sent within the last day
      else last = o.nowMs - 31 * DAY_MS - Math.floor(rand() * 369 * DAY_MS)
      if (isActive) active++
      lastSampleTs[i] = last
      const first = hp
        ? o.nowMs - (o.rollupDays + 1) * DAY_MS - Math.floor(rand() * 20 * DAY_MS)
        : last - Math.floor(rand() * 395 * DAY_MS)
      const firstDay = Math.floor(first / DAY_MS)
      const lastDay = Math.floor(last / DAY_MS)
      const span = lastDay - firstDay + 1
      let days = 0
      let lastContrib = -1
      let since = -1
      let samplesTotal = 0
      if (i < o.ledgerInstallations) {
        // The whole history in the ledger: ~92 % of days are contribution days, the others had
        // an outage (fewer than 100 on-time samples).
        for (let d = firstDay; d <= lastDay; d++) {
          const fullDay = rand() >= 0.08
          const samples = fullDay ? Math.round(VALUES_PER_RECORD * 1440 * (0.85 + 0.15 * rand())) : Math.floor(rand() * CONTRIBUTION_MIN_SAMPLES)
          const at = ledger.slot()
          ledger.buf[at] = id
          ledger.buf[at + 1] = d
          ledger.buf[at + 2] = samples
          ledger.buf[at + 3] = samples + (rand() < 0.05 ? Math.floor(rand() * 500) : 0) // a few late samples
          samplesTotal += ledger.buf[at + 3]
          if (samples >= CONTRIBUTION_MIN_SAMPLES) {
            days++
            lastContrib = d
            if (days === ELIGIBILITY_DAYS) since = d
          }
        }
      } else {
        // History from before the ledger existed (upstream import): counts only.
        days = Math.min(365, Math.floor(span * (0.55 + 0.45 * rand())))
        lastContrib = days > 0 ? lastDay - (rand() < 0.25 ? 1 : 0) : -1
        samplesTotal = Math.round(days * VALUES_PER_RECORD * 1440 * (0.8 + 0.2 * rand()))
      }
      contributionDays[i] = days
      lastContributionDay[i] = lastContrib
      eligibleSinceDay[i] = since
      const at = inst.slot()
      const b = inst.buf
      const model = m >= 0 ? HP_MODELS[m] : null
      b[at] = id
      b[at + 1] = model?.manufacturer ?? null
      b[at + 2] = model?.name ?? null
      b[at + 3] = model ? modelKeyOf(model.name) : null
      b[at + 4] = first
      b[at + 5] = first
      b[at + 6] = last + Math.floor(rand() * 30_000)
      b[at + 7] = last
      b[at + 8] = samplesTotal
      b[at + 9] = days
      b[at + 10] = lastContrib >= 0 ? lastContrib : null
    }
    inst.flush()
    ledger.flush()
  })()
  times.installations = performance.now() - t0
  log(`seed: ${N} installations, ${ledger.rows} ledger days in ${Math.round(times.installations)} ms`)

  // ---- pool days: samples stored per UTC day, the pool growing from ~30 % to its present size
  let t = performance.now()
  const poolSamples = new Map()
  db.transaction(() => {
    const pool = batchInserter(db, 'pool_days', ['day', 'samples'], o.rowsPerStatement)
    for (let k = o.poolDays - 1; k >= 0; k--) {
      const day = today - k
      const growth = 0.3 + 0.7 * (1 - k / o.poolDays)
      const dayShare = k === 0 ? (o.nowMs - today * DAY_MS) / DAY_MS : 1
      const n = Math.round(active * growth * VALUES_PER_RECORD * 1440 * (0.85 + 0.1 * rand()) * dayShare)
      poolSamples.set(day, n)
      const at = pool.slot()
      pool.buf[at] = day
      pool.buf[at + 1] = n
    }
    pool.flush()
  })()
  times.poolDays = performance.now() - t

  // ---- heat pumps and their rollups
  t = performance.now()
  const firstHour = nowHour - o.rollupDays * 24 + 1
  const hpCols = ['id', 'installation_id', 'hp_key', 'manufacturer', 'driver_model', 'model_name', 'model_key', 'created_at', 'last_seen_at', 'last_sample_ts']
  const hourly = batchInserter(db, 'rollups_hourly', ['heat_pump_id', 'hour', ...ROLLUP_COLUMNS, 'outdoor_band'], o.rowsPerStatement)
  const daily = batchInserter(db, 'rollups_daily', ['heat_pump_id', 'day', ...ROLLUP_COLUMNS], o.rowsPerStatement)
  const hpIns = batchInserter(db, 'heat_pumps', hpCols, o.rowsPerStatement)
  const sums = new Float64Array(NSUMS)
  const day = new Float64Array(NSUMS)
  const writeDay = (hpId, d) => {
    const at = daily.slot()
    const b = daily.buf
    b[at] = hpId
    b[at + 1] = d
    for (let c = 0; c < NSUMS; c++) b[at + 2 + c] = day[c]
    day.fill(0)
  }
  const PER_TX = 50 // heat pumps per transaction (~440,000 hourly rows)
  for (let from = 0; from < o.heatPumps; from += PER_TX) {
    db.transaction(() => {
      for (let i = from; i < Math.min(o.heatPumps, from + PER_TX); i++) {
        const hpId = i + 1
        const model = HP_MODELS[hpModel[i]]
        const hpRand = prng(o.seed * 7919 + hpId)
        const at = hpIns.slot()
        const b = hpIns.buf
        b[at] = hpId
        b[at + 1] = ids[i]
        b[at + 2] = hpRand() < 0.7 ? 'hp-legacy' : `hp-${Math.floor(hpRand() * 2 ** 32).toString(16).padStart(8, '0')}`
        b[at + 3] = model.manufacturer
        b[at + 4] = model.driver
        b[at + 5] = model.name
        b[at + 6] = modelKeyOf(model.name)
        b[at + 7] = lastSampleTs[i] - (o.rollupDays + 30) * DAY_MS
        b[at + 8] = lastSampleTs[i] + 5000
        b[at + 9] = lastSampleTs[i]

        // The house and the unit: heat loss, climate, capacity, how it logs.
        const cop7 = model.cop7 + 0.15 * gauss(hpRand)
        const ua = 110 + hpRand() * 220 // W/K
        const climate = -3 + hpRand() * 5 // K warmer or colder than the mean
        const capacityW = 5000 + hpRand() * 7000
        const intervalS = hpRand() < 0.5 ? 30 : 60
        const dhwWhPerDay = 1500 + hpRand() * 3000
        const standbyW = 6 + hpRand() * 10
        let weather = 0
        let curDay = Math.floor(firstHour / 24)
        for (let h = firstHour; h <= nowHour; h++) {
          const d = Math.floor(h / 24)
          if (d !== curDay) { writeDay(hpId, curDay); curDay = d }
          // Outdoor temperature: season (coldest mid-January), day (warmest at 15:00 UTC), weather.
          weather = 0.97 * weather + 0.8 * gauss(hpRand)
          const hourOfDay = h % 24
          const tOut = 9.5 - 10.5 * Math.cos(2 * Math.PI * (h / 24 - 15) / 365.2425) + climate +
            4 * Math.sin(2 * Math.PI * (hourOfDay - 9) / 24) + weather
          // Logging: a missed record now and then.
          const missed = hpRand() < 0.03 ? 1 + Math.floor(hpRand() * 3) : 0
          const records = 3600 / intervalS - missed
          const covered = records * intervalS
          const share = covered / 3600
          // Hot water twice a day, space heating below 15 °C.
          const dhw = hourOfDay === 5 || hourOfDay === 17 ? dhwWhPerDay / 2 * (0.8 + 0.4 * hpRand()) * share : 0
          const dhwRun = Math.min(1, dhw / capacityW)
          const space = Math.min(capacityW, Math.max(0, ua * (15 - tOut))) * (1 - dhwRun) * share
          const cop = clamp(cop7 + 0.08 * (tOut - 7) + 0.05 * gauss(hpRand), 2.5, 4.5)
          const copDhw = clamp(cop - 0.9, 2.5, 4.5)
          const flow = clamp(28 + 0.7 * (15 - tOut), 28, 52)
          const heat = space + dhw
          const running = Math.min(1, heat / capacityW / share)
          sums[RECORDS] = records
          sums[SAMPLES] = records * VALUES_PER_RECORD
          sums[HEAT_SP] = space
          sums[ELEC_SP] = space / cop
          sums[HEAT_DHW] = dhw
          sums[ELEC_DHW] = dhw / copDhw
          sums[HEAT] = heat
          sums[ELEC] = sums[ELEC_SP] + sums[ELEC_DHW] + standbyW * (1 - running) * share
          sums[RUNNING] = Math.round(running * covered)
          sums[COVERED] = covered
          sums[OUT_S] = covered
          sums[OUT_TS] = tOut * covered
          sums[OUT_H] = heat
          sums[OUT_HW] = heat * tOut
          sums[FLOW_H] = heat
          sums[FLOW_HW] = space * flow + dhw * 52
          sums[RET_H] = heat
          sums[RET_HW] = space * (flow - 3 - 3 * running) + dhw * 46
          const meanOut = sums[OUT_H] > 0 ? sums[OUT_HW] / sums[OUT_H] : sums[OUT_TS] / sums[OUT_S]
          const hat = hourly.slot()
          const hb = hourly.buf
          hb[hat] = hpId
          hb[hat + 1] = h
          for (let c = 0; c < NSUMS; c++) {
            hb[hat + 2 + c] = sums[c]
            day[c] += sums[c]
          }
          hb[hat + 2 + NSUMS] = Math.floor(meanOut / 2) * 2
        }
        writeDay(hpId, curDay)
      }
      hpIns.flush()
      hourly.flush()
      daily.flush()
    })()
  }
  times.rollups = performance.now() - t
  log(`seed: ${o.heatPumps} heat pumps, ${hourly.rows} hourly and ${daily.rows} daily rollups in ${Math.round(times.rollups)} ms`)

  t = performance.now()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  times.checkpoint = performance.now() - t
  times.total = performance.now() - t0

  return {
    ids,
    models,
    hpModel,
    modelOf,
    contributionDays,
    lastContributionDay,
    eligibleSinceDay,
    active,
    poolSamples,
    rows: { installations: N, ledgerDays: ledger.rows, poolDays: o.poolDays, heatPumps: o.heatPumps, hourly: hourly.rows, daily: daily.rows },
    times,
  }
}
