// Request bodies that post the ingest benchmark's records straight to VictoriaMetrics, in the
// series layout heatpool writes (packages/server/src/store/victoriametrics/series.ts): Influx line
// protocol for `/write?precision=ms` (one line per heat pump and timestamp, a field per metric,
// tags installation_id and heat_pump_id) or JSON lines for `/api/v1/import` (one line per series
// and batch).
//
// The values are what heatpool stores for the v1 bodies of bench/payloads.mjs: each v1 template
// body is run through the server's own normaliser (@heatpool/protocol) once, before timing. Like
// the v1 bodies, the results are templates with fixed-width placeholders (installation id, heat
// pump id, timestamps, the two energy counters), patched per request. checkDirectBodies() proves
// the patched bodies carry exactly the samples the server's encoders produce for the same v1 batch.

import { normaliseSubmission } from '@heatpool/protocol'
import { encodeJsonLines, encodeLineProtocol, MEASUREMENT, SERIES_PREFIX } from '../packages/server/dist/store/victoriametrics/series.js'
import { prng } from './payloads.mjs'

const ID_PLACEHOLDER = '00000000-0000-4000-8000-000000000000'
const TS_PLACEHOLDER = '0000000000000' // epoch milliseconds: 13 digits until 2286
const KWH_PLACEHOLDER = '00000.000' // as in the v1 bodies: 5 integer digits, 3 decimals
const COUNTERS = ['energy_heat_total', 'energy_electric_total']

/** Writes `n` as exactly `width` ASCII digits (zero-padded) at `offset`. */
function writeDigits (buf, offset, n, width) {
  for (let i = width - 1; i >= 0; i--) {
    buf[offset + i] = 48 + (n % 10)
    n = Math.floor(n / 10)
  }
}

/**
 * The energy counter bases of installation index `inst`, in Wh: the same formula as
 * bench/payloads.mjs v1BatchFactory (checkDirectBodies() verifies that they agree).
 */
function counterBases (seed, inst) {
  const r = prng(seed ^ (inst * 2654435761))
  const heatWh = 40_000_000 + Math.floor(r() * 50_000_000)
  return { heatWh, elecWh: Math.floor(heatWh / (3 + r())) }
}

/** The normalised records of one v1 body, as heatpool's submit path computes them. */
function normalise (v1Body) {
  const data = JSON.parse(v1Body.toString('utf8')).data
  const { records, tally } = normaliseSubmission(data, { nowMs: Date.now(), oldestMs: 0, futureToleranceMs: 0 })
  if (tally.records.accepted !== data.length) throw new Error(`the normaliser accepted ${tally.records.accepted} of ${data.length} records`)
  return { data, records }
}

/**
 * Bodies for VictoriaMetrics with the samples of `v1.make(inst, id, batch)`, heat pump id
 * `inst + 1` (what a fresh heatpool store assigns, in some order).
 *
 * @param {{ v1: object, records: number, firstTsS: number, intervalS: number, seed: number,
 *   format: 'line' | 'json', templates?: number }} o `v1`, `records`, `firstTsS`, `intervalS`
 *   and `seed` as the v1 factory was made; `templates` its template count (16)
 */
export function vmBodyFactory ({ v1, records, firstTsS, intervalS, seed, format, templates = 16 }) {
  // Template k of the v1 factory is the body of installation 0, batch k ((0 × 7 + k) % templates).
  const tpls = []
  for (let k = 0; k < templates; k++) {
    const { data, records: normalised } = normalise(v1.make(0, ID_PLACEHOLDER, k))
    if (normalised.length !== records) throw new Error(`template ${k}: ${normalised.length} records, expected ${records}`)
    tpls.push(normalised.map((rec, r) => {
      const ts = data[r].timestamp
      return { micros: String(Math.round((ts - Math.floor(ts)) * 1e6)).padStart(6, '0'), values: rec.values }
    }))
  }
  const metrics = Object.keys(tpls[0][0].values)
  const byWidth = new Map()
  /** The serialised templates whose heat pump ids have `width` digits. */
  const templatesOf = (width) => {
    let made = byWidth.get(width)
    if (made === undefined) byWidth.set(width, made = tpls.map((t) => (format === 'line' ? lineTemplate(t, metrics, width) : jsonTemplate(t, metrics, width))))
    return made
  }
  const bases = new Map()
  const samplesPerBody = records * metrics.length

  return {
    format,
    metrics,
    samplesPerBody,
    /** Bytes of a body whose heat pump id has `width` digits. */
    bytes: (width = 1) => templatesOf(width)[0].buf.length,
    /** @returns {Buffer} a fresh buffer, safe to hand to a request */
    make (inst, id, batch) {
      const hp = inst + 1
      const width = String(hp).length
      const tpl = templatesOf(width)[(inst * 7 + batch) % templates]
      const buf = Buffer.from(tpl.buf)
      const idBytes = Buffer.from(id, 'latin1')
      const hpBytes = Buffer.from(String(hp), 'latin1')
      for (const off of tpl.idPos) buf.set(idBytes, off)
      for (const off of tpl.hpPos) buf.set(hpBytes, off)
      let b = bases.get(inst)
      if (b === undefined) bases.set(inst, b = counterBases(seed, inst))
      const perRecord = tpl.tsPos.length / records
      for (let r = 0; r < records; r++) {
        const n = batch * records + r
        // As the server computes it, Math.round(seconds × 1000) of the v1 timestamp: integer
        // arithmetic gives the same unless the sub-millisecond part is exactly .5 (float rounding).
        const sec = firstTsS + n * intervalS
        const ms = tpl.subMs[r] >= 0 ? sec * 1000 + tpl.subMs[r] : Math.round(Number(`${sec}.${tpl.micros[r]}`) * 1000)
        const first = tpl.tsPos[r * perRecord]
        writeDigits(buf, first, ms, 13)
        for (let j = 1; j < perRecord; j++) {
          const off = tpl.tsPos[r * perRecord + j]
          for (let c = 0; c < 13; c++) buf[off + c] = buf[first + c]
        }
        const h = b.heatWh + Math.floor(n * intervalS * 0.6)
        const e = b.elecWh + Math.floor(n * intervalS * 0.2)
        writeDigits(buf, tpl.heatPos[r], Math.floor(h / 1000), 5)
        writeDigits(buf, tpl.heatPos[r] + 6, h % 1000, 3)
        writeDigits(buf, tpl.elecPos[r], Math.floor(e / 1000), 5)
        writeDigits(buf, tpl.elecPos[r] + 6, e % 1000, 3)
      }
      return buf
    },
  }
}

/** A value as heatpool's encoders write it (series.ts formatNumber; JSON.stringify agrees for finite numbers). */
const num = (v) => String(v)

/** Per record the micros of the v1 timestamp and its rounded milliseconds (-1 when they end in 500: computed per request). */
function timeParts (tpl) {
  return {
    micros: tpl.map((r) => r.micros),
    subMs: Int32Array.from(tpl, (r) => (r.micros.endsWith('500') ? -1 : Math.round(Number(r.micros) / 1000))),
  }
}

/** Line protocol: `heatpool,installation_id=…,heat_pump_id=… f=v,… ts\n` per record. */
function lineTemplate (tpl, metrics, width) {
  const idPos = []
  const hpPos = []
  const tsPos = []
  const heatPos = []
  const elecPos = []
  let text = ''
  for (const rec of tpl) {
    text += `${MEASUREMENT},installation_id=`
    idPos.push(text.length)
    text += `${ID_PLACEHOLDER},heat_pump_id=`
    hpPos.push(text.length)
    text += `${'0'.repeat(width)} `
    metrics.forEach((m, j) => {
      text += `${j === 0 ? '' : ','}${m}=`
      if (m === COUNTERS[0]) heatPos.push(text.length)
      if (m === COUNTERS[1]) elecPos.push(text.length)
      text += COUNTERS.includes(m) ? KWH_PLACEHOLDER : num(rec.values[m])
    })
    text += ' '
    tsPos.push(text.length)
    text += `${TS_PLACEHOLDER}\n`
  }
  return { buf: Buffer.from(text, 'latin1'), idPos, hpPos, tsPos: Uint32Array.from(tsPos), heatPos, elecPos, ...timeParts(tpl) }
}

/** JSON lines: one line per metric with the batch's values and timestamps (encodeJsonLines' layout). */
function jsonTemplate (tpl, metrics, width) {
  const idPos = []
  const hpPos = []
  const heatPos = []
  const elecPos = []
  const tsPos = new Uint32Array(tpl.length * metrics.length) // [record × metrics + metric index]
  let text = ''
  metrics.forEach((m, j) => {
    text += `{"metric":{"__name__":"${SERIES_PREFIX}${m}","installation_id":"`
    idPos.push(text.length)
    text += `${ID_PLACEHOLDER}","heat_pump_id":"`
    hpPos.push(text.length)
    text += `${'0'.repeat(width)}"},"values":[`
    tpl.forEach((rec, r) => {
      if (r > 0) text += ','
      if (m === COUNTERS[0]) heatPos.push(text.length)
      if (m === COUNTERS[1]) elecPos.push(text.length)
      text += COUNTERS.includes(m) ? KWH_PLACEHOLDER : num(rec.values[m])
    })
    text += '],"timestamps":['
    tpl.forEach((_, r) => {
      if (r > 0) text += ','
      tsPos[r * metrics.length + j] = text.length
      text += TS_PLACEHOLDER
    })
    text += ']}\n'
  })
  return { buf: Buffer.from(text, 'latin1'), idPos, hpPos, tsPos, heatPos, elecPos, ...timeParts(tpl) }
}

/** `name{installation_id,heat_pump_id}@ts` → value for every sample of a line-protocol body. */
function samplesOfLines (text) {
  const out = new Map()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const [tags, fields, ts] = line.split(' ')
    const [measurement, ...kv] = tags.split(',')
    const labels = Object.fromEntries(kv.map((p) => p.split('=')))
    for (const f of fields.split(',')) {
      const [k, v] = f.split('=')
      out.set(`${measurement}_${k}{${labels.installation_id},${labels.heat_pump_id}}@${ts}`, Number(v))
    }
  }
  return out
}

/** The same map for a JSON-lines body. */
function samplesOfJson (text) {
  const out = new Map()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const { metric, values, timestamps } = JSON.parse(line)
    if (Object.keys(metric).join() !== '__name__,installation_id,heat_pump_id') throw new Error(`unexpected labels ${JSON.stringify(metric)}`)
    timestamps.forEach((ts, i) => out.set(`${metric.__name__}{${metric.installation_id},${metric.heat_pump_id}}@${ts}`, values[i]))
  }
  return out
}

/** Differences between two sample maps (at most a few), or [] if they hold the same samples. */
function diffSamples (got, want) {
  const out = []
  for (const [k, v] of want) if (got.get(k) !== v) out.push(`${k}: ${got.get(k)} instead of ${v}`)
  for (const k of got.keys()) if (!want.has(k)) out.push(`${k}: not in the server's encoding`)
  return out.slice(0, 5)
}

/**
 * Checks that `factory` (vmBodyFactory) makes, for a few installations and batches, bodies with
 * exactly the samples heatpool's own encoder (series.ts) writes for the same v1 batch
 * (`v1.make`), normalised by the server's normaliser. Returns the problems found ([] if none).
 */
export function checkDirectBodies (factory, v1, installations) {
  const problems = []
  const picks = [[0, 0], [1, 3], [9, 17], [installations.length - 1, 250]].filter(([i]) => i < installations.length)
  for (const [inst, batch] of picks) {
    const id = installations[inst]
    const { records } = normalise(v1.make(inst, id, batch))
    const samples = records.map((r) => ({ heatPumpId: inst + 1, ts: r.ts, values: r.values }))
    const body = factory.make(inst, id, batch).toString('latin1')
    const got = factory.format === 'line' ? samplesOfLines(body) : samplesOfJson(body)
    const want = factory.format === 'line' ? samplesOfLines(encodeLineProtocol(id, samples)) : samplesOfJson(encodeJsonLines(id, samples))
    if (got.size !== factory.samplesPerBody) problems.push(`${factory.format} body of installation ${inst}, batch ${batch}: ${got.size} samples, expected ${factory.samplesPerBody}`)
    const diff = diffSamples(got, want)
    if (diff.length > 0) problems.push(`${factory.format} body of installation ${inst}, batch ${batch} differs from heatpool's encoding: ${diff.join('; ')}`)
  }
  return problems
}
