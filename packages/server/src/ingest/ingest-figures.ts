import type { SubmitResponse } from '@heatpool/protocol'
import type { IngestFigures, ReasonCount } from '../store/ingest-stats.js'

/**
 * What a stored batch adds to the ingest statistics, read from its submit response, so the
 * dashboard shows exactly what the client was told. Record and value reasons have distinct
 * names (protocol reasons.ts); `invalid_heatpump` and `too_many_heatpumps` count heat-pump
 * entries inside accepted records.
 */
export function batchFigures (body: SubmitResponse): { figures: IngestFigures, rejections: ReasonCount[] } {
  const figures: IngestFigures = {
    batches: 1,
    records_received: body.records.received,
    records_accepted: body.records.accepted,
    records_rejected: body.records.rejected,
    values_accepted: body.values.accepted,
    values_stored: body.values.stored,
    values_duplicate: body.values.duplicate,
    values_rejected: body.values.rejected,
    values_ignored: body.values.ignored,
  }
  const byReason = new Map<string, { records: number, values: number }>()
  const add = (reason: string, records: number, values: number): void => {
    const r = byReason.get(reason) ?? { records: 0, values: 0 }
    byReason.set(reason, { records: r.records + records, values: r.values + values })
  }
  for (const [reason, n] of Object.entries(body.rejected_reasons.records)) if (n > 0) add(reason, n, 0)
  for (const [reason, n] of Object.entries(body.rejected_reasons.values)) if (n > 0) add(reason, 0, n)
  return { figures, rejections: [...byReason].map(([reason, r]) => ({ reason, ...r })) }
}
