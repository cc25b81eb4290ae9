/**
 * Stable codes for why a value or a record was dropped at ingest. They appear in submit
 * responses and in the `heatpool_ingest_rejected_*_total{reason}` metrics: never rename one.
 */

export const VALUE_REJECT_REASONS = [
  /** The value cannot be read as a number (an object without `value`, an array, text). */
  'not_a_number',
  /** `null`: the logger could not read the sensor. */
  'missing_value',
  /** NaN or ±Infinity, as a number or as text. */
  'not_finite',
  /** Outside the metric's plausible range in the catalog. */
  'out_of_range',
] as const
export type ValueRejectReason = (typeof VALUE_REJECT_REASONS)[number]

export const RECORD_REJECT_REASONS = [
  /** The record is not a JSON object. */
  'not_an_object',
  /** No `timestamp`. */
  'missing_timestamp',
  /** `timestamp` is not a positive number of seconds since the epoch. */
  'invalid_timestamp',
  /** More than the tolerated time (1 h by default) in the future. */
  'future_timestamp',
  /** Older than the raw-sample retention. */
  'too_old',
  /** A v2 record whose `heatpumps` is not a list. */
  'invalid_heatpumps',
  /** A v2 heat-pump entry without a usable `id` or `values` object. */
  'invalid_heatpump',
  /** A heat-pump entry for a new heat pump beyond the per-installation limit (series cardinality). */
  'too_many_heatpumps',
] as const
export type RecordRejectReason = (typeof RECORD_REJECT_REASONS)[number]

export type RejectReason = ValueRejectReason | RecordRejectReason

/** Counts of what happened to the values of a batch; mutated in place by the normalisers. */
export interface ValueTally {
  /** Values mapped to a catalog metric and kept. */
  accepted: number
  /** Values that are not catalog metrics (not stored by design) or enum text (`*_str`). */
  ignored: number
  /** Values of catalog metrics that were dropped; the reasons add up to this. */
  rejected: number
  reasons: Partial<Record<ValueRejectReason, number>>
}

export function emptyValueTally (): ValueTally {
  return { accepted: 0, ignored: 0, rejected: 0, reasons: {} }
}

export function rejectValue (tally: ValueTally, reason: ValueRejectReason, count = 1): void {
  tally.rejected += count
  tally.reasons[reason] = (tally.reasons[reason] ?? 0) + count
}
