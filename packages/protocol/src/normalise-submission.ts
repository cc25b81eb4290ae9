import { resolveDriver } from './drivers/index.js'
import { idmNavigatorDriver } from './drivers/idm-navigator.js'
import { normaliseValues, type MetricValues } from './normalise-values.js'
import { emptyValueTally, type RecordRejectReason, type ValueTally } from './reasons.js'
import { sanitiseLabel } from './text.js'

/** Which heat pump of an installation a record belongs to, by the client's own names. */
export interface HeatPumpRef {
  /** The client's heat-pump id (`hp-legacy`, `hp-1a2b3c4d`, …). */
  readonly key: string
  /** Driver ids as the client's driver registry names them (`idm`, `navigator_2_0`), or `unknown`. */
  readonly manufacturer: string
  readonly model: string
}

/** One heat pump's canonical values at one instant. */
export interface NormalisedRecord {
  readonly heatPump: HeatPumpRef
  /** Milliseconds since the epoch. */
  readonly ts: number
  readonly values: MetricValues
}

export interface RecordTally {
  received: number
  accepted: number
  rejected: number
  /** Rejected records, and rejected heat-pump entries inside accepted v2 records, by reason. */
  reasons: Partial<Record<RecordRejectReason, number>>
}

export interface SubmissionTally {
  records: RecordTally
  values: ValueTally
}

export interface TimeWindow {
  /** Now, in ms since the epoch. */
  readonly nowMs: number
  /** Samples older than this (ms since the epoch) are dropped as `too_old`. */
  readonly oldestMs: number
  /** Samples later than `nowMs + futureToleranceMs` are dropped as `future_timestamp`. */
  readonly futureToleranceMs: number
}

/**
 * v1 flat records come only from iDM Navigator loggers (upstream v1.0.2, single heat pump).
 * Their heat pump is keyed `hp-legacy`, the id the upstream migration gave the same unit, so an
 * installation keeps one series across the client's v1 → v2 upgrade.
 */
export const V1_HEAT_PUMP: HeatPumpRef = {
  key: 'hp-legacy',
  manufacturer: idmNavigatorDriver.manufacturer,
  model: idmNavigatorDriver.model,
}

/** The longest heat-pump id, manufacturer or model driver id we accept. */
export const MAX_LABEL_LENGTH = 64

function reject (tally: RecordTally, reason: RecordRejectReason): void {
  tally.reasons[reason] = (tally.reasons[reason] ?? 0) + 1
}

function readTimestamp (record: Record<string, unknown>, window: TimeWindow): number | RecordRejectReason {
  const raw = record.timestamp
  if (raw === undefined || raw === null) return 'missing_timestamp'
  const seconds = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN
  if (!Number.isFinite(seconds) || seconds <= 0) return 'invalid_timestamp'
  const ms = Math.round(seconds * 1000)
  if (ms > window.nowMs + window.futureToleranceMs) return 'future_timestamp'
  if (ms < window.oldestMs) return 'too_old'
  return ms
}

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Normalises the `data` list of a submit payload, in either upstream shape, record by record:
 * a v1 flat record (`{timestamp, <sensor>: value, …}`) or a v2 record
 * (`{timestamp, heatpumps: [{id, manufacturer, model, values}]}`). Bad records, heat-pump entries
 * and values are dropped and counted; everything else is kept. Pure; never throws.
 */
export function normaliseSubmission (data: readonly unknown[], window: TimeWindow): { records: NormalisedRecord[], tally: SubmissionTally } {
  const records: NormalisedRecord[] = []
  const tally: SubmissionTally = {
    records: { received: data.length, accepted: 0, rejected: 0, reasons: {} },
    values: emptyValueTally(),
  }
  for (const record of data) {
    if (!isObject(record)) {
      tally.records.rejected++
      reject(tally.records, 'not_an_object')
      continue
    }
    const ts = readTimestamp(record, window)
    if (typeof ts === 'string') {
      tally.records.rejected++
      reject(tally.records, ts)
      continue
    }
    if (!Object.hasOwn(record, 'heatpumps')) {
      records.push({ heatPump: V1_HEAT_PUMP, ts, values: normaliseValues(idmNavigatorDriver, record, tally.values, 'timestamp') })
      tally.records.accepted++
      continue
    }
    const heatpumps = record.heatpumps
    if (!Array.isArray(heatpumps)) {
      tally.records.rejected++
      reject(tally.records, 'invalid_heatpumps')
      continue
    }
    tally.records.accepted++
    for (const entry of heatpumps) {
      const key = isObject(entry) ? sanitiseLabel(entry.id, MAX_LABEL_LENGTH) : null
      if (!isObject(entry) || key === null || !isObject(entry.values)) {
        reject(tally.records, 'invalid_heatpump')
        continue
      }
      const manufacturer = sanitiseLabel(entry.manufacturer, MAX_LABEL_LENGTH)?.toLowerCase() ?? 'unknown'
      const model = sanitiseLabel(entry.model, MAX_LABEL_LENGTH)?.toLowerCase() ?? 'unknown'
      const driver = resolveDriver(manufacturer, model)
      records.push({ heatPump: { key, manufacturer, model }, ts, values: normaliseValues(driver, entry.values, tally.values) })
    }
  }
  return { records, tally }
}
