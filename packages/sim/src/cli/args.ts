import { parseArgs } from 'node:util'
import { CLIMATE_NAMES } from '../climate.js'
import { FAULT_SPEC_HELP, parseFaultSpec } from '../faults.js'
import type { ClimateChoice } from '../fleet.js'
import { findModel, MODELS, type HeatPumpModel } from '../models.js'
import { PAYLOAD_FORMATS, type PayloadFormat } from '../records.js'
import type { RunOptions } from '../run.js'

const modelTable = MODELS.map((m) =>
  `  ${m.key.padEnd(11)} "${m.name}"`.padEnd(28) +
  `${m.driver.id.padEnd(24)} ${m.source.padEnd(6)} ${(m.nominalW / 1000).toFixed(0)} kW, Carnot fraction ${m.carnotFraction.toFixed(2)}, ` +
  (m.minModulation >= 1 ? 'on/off' : `modulates down to ${Math.round(m.minModulation * 100)} %`)).join('\n')

export const HELP = `heatpool-sim: a fleet of simulated heat pumps posting telemetry to a heatpool server or agent.

Usage: heatpool-sim --target <url> [options]
       heatpool-sim --out <file> [options]        (write the payloads, post nothing)

  --target <url>          server or agent base URL, e.g. http://localhost:8000
  --target-kind <k>       auto (default: an agent answers GET /api/status), server or agent
  --installations <n>     installations, one heat pump each (default 10)
  --days <d>              simulated days (default 7)
  --seed <s>              integer seed; the same seed gives the same fleet and bytes (default 1)
  --format v1|v2          v1 flat records (upstream v1.0.2) or v2 nested records (default v2)
  --faults <spec>         inject faults, see below
  --labels <file>         write the faults' ground truth as JSON lines
  --admin-token <t>       afterwards, read the server's installation list and report it
  --interval <s>          seconds between records (default 60)
  --start <date|now>      first record (ISO 8601); default: the run ends now
  --speed <x|max>         simulated seconds per second, or max (default): as fast as answered
  --concurrency <n>       requests in flight (default 4)
  --climate <c>           ${CLIMATE_NAMES.join(', ')} or mixed (default continental)
  --models <list>         comma-separated model keys, taken in turn (default: all)
  --batch-size <n>        records per request (default 500)
  --max-retries <n>       retries of a request on 429/502/503/504 or no answer (default 8)
  --consent-version <v>   consent version registered (default 1)
  --out <file>            also write each request body as one JSON line
  --json                  print the summary as JSON
  --help                  this text

Models (installations take them in turn; with 4 models, 20+ installations give each the
K = 5 homes community figures need):
${modelTable}
Every record uses the raw sensor ids and units of the model's driver; quantities a driver does
not read (power, electricity) come as canonical names, as from the home's own meters. v1 names
no driver, so v1 records of non-iDM units use canonical names.

Against a server, each installation registers itself (POST /api/v2/installations) with an id
and token derived from the seed (a rerun is recognised); against an agent the records are
relayed and the agent registers. Requests carry an Idempotency-Key (a hash of the body) and
are retried honouring Retry-After. Exit status 1 when a batch could not be delivered.

${FAULT_SPEC_HELP}
`

export interface CliOptions extends RunOptions {
  readonly json: boolean
  readonly help: boolean
}

function positiveInt (name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min) throw new Error(`cannot read --${name} ${JSON.stringify(raw)}: expected an integer ≥ ${min}`)
  return n
}

function positiveNumber (name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`cannot read --${name} ${JSON.stringify(raw)}: expected a positive number`)
  return n
}

/** Reads the command line; throws `cannot read …` on a bad option. */
export function parseCli (argv: readonly string[], nowMs: number): CliOptions {
  const { values } = parseArgs({
    args: argv as string[],
    strict: true,
    allowPositionals: false,
    options: {
      target: { type: 'string' },
      'target-kind': { type: 'string' },
      installations: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
      format: { type: 'string' },
      faults: { type: 'string' },
      labels: { type: 'string' },
      'admin-token': { type: 'string' },
      interval: { type: 'string' },
      start: { type: 'string' },
      speed: { type: 'string' },
      concurrency: { type: 'string' },
      climate: { type: 'string' },
      models: { type: 'string' },
      'batch-size': { type: 'string' },
      'max-retries': { type: 'string' },
      'consent-version': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  const help = values.help === true
  if (!help && values.target === undefined && values.out === undefined) throw new Error('cannot run: --target <url> (or --out <file>) is required')
  if (values.target !== undefined && !URL.canParse(values.target)) throw new Error(`cannot read --target ${JSON.stringify(values.target)}: expected a URL such as http://localhost:8000`)

  const targetKind = values['target-kind'] ?? 'auto'
  if (!['auto', 'server', 'agent'].includes(targetKind)) throw new Error(`cannot read --target-kind ${JSON.stringify(targetKind)}: expected auto, server or agent`)
  const format = values.format ?? 'v2'
  if (!(PAYLOAD_FORMATS as readonly string[]).includes(format)) throw new Error(`cannot read --format ${JSON.stringify(format)}: expected v1 or v2`)
  const climate = values.climate ?? 'continental'
  if (!([...CLIMATE_NAMES, 'mixed'] as string[]).includes(climate)) throw new Error(`cannot read --climate ${JSON.stringify(climate)}: expected ${CLIMATE_NAMES.join(', ')} or mixed`)
  const seed = Number(values.seed ?? '1')
  if (!Number.isSafeInteger(seed)) throw new Error(`cannot read --seed ${JSON.stringify(values.seed)}: expected an integer`)

  let models: HeatPumpModel[] | undefined
  if (values.models !== undefined) {
    models = values.models.split(',').map((k) => k.trim()).filter((k) => k !== '').map((k) => {
      const m = findModel(k)
      if (m === undefined) throw new Error(`cannot read --models: unknown model ${JSON.stringify(k)} (one of ${MODELS.map((x) => x.key).join(', ')})`)
      return m
    })
    if (models.length === 0) throw new Error('cannot read --models: no model named')
  }

  let startMs: number | undefined
  if (values.start !== undefined) {
    startMs = values.start === 'now' ? nowMs : Date.parse(values.start)
    if (Number.isNaN(startMs)) throw new Error(`cannot read --start ${JSON.stringify(values.start)}: expected an ISO 8601 date or now`)
  }
  const speedRaw = values.speed ?? 'max'
  const speed = speedRaw === 'max' ? 'max' as const : positiveNumber('speed', speedRaw, 1)

  return {
    ...(values.target === undefined ? {} : { target: values.target }),
    targetKind: targetKind as CliOptions['targetKind'],
    installations: positiveInt('installations', values.installations, 10),
    days: positiveNumber('days', values.days, 7),
    seed,
    format: format as PayloadFormat,
    faults: values.faults === undefined ? [] : parseFaultSpec(values.faults),
    climate: climate as ClimateChoice,
    ...(models === undefined ? {} : { models }),
    intervalS: positiveInt('interval', values.interval, 60),
    ...(startMs === undefined ? {} : { startMs }),
    speed,
    ...(values.labels === undefined ? {} : { labelsPath: values.labels }),
    ...(values.out === undefined ? {} : { outPath: values.out }),
    concurrency: positiveInt('concurrency', values.concurrency, 4),
    batchSize: positiveInt('batch-size', values['batch-size'], 500),
    consentVersion: values['consent-version'] ?? '1',
    ...(values['admin-token'] === undefined ? {} : { adminToken: values['admin-token'] }),
    retry: { maxRetries: positiveInt('max-retries', values['max-retries'], 8, 0), maxWaitMs: 60_000, baseMs: 500 },
    json: values.json === true,
    help,
  }
}
