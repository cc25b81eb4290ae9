import Type, { type Static } from 'typebox'

/**
 * `POST /api/v1/submit` body, in both shapes upstream clients send (upstream.md §1.2):
 * v1 flat records (v1.0.2) and v2 `data_version: "2.0"` records with `heatpumps`, with or
 * without `batch_index`/`total_records`. Records are checked one by one by the normaliser, so a
 * bad record never fails the batch; only the envelope is validated here.
 */
export const SubmitPayloadSchema = Type.Object({
  installation_id: Type.String({ maxLength: 64, description: 'Installation UUID (any spelling Python `uuid.UUID()` accepts)' }),
  heatpump_model: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'Free-text product name, e.g. "AERO SLM"; empty or null when unknown' })),
  version: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()], { description: 'Client version; informational, never stored as a label' })),
  data_version: Type.Optional(Type.String({ maxLength: 16, description: '"2.0" for nested records' })),
  batch_index: Type.Optional(Type.Integer({ minimum: 0, description: '1-based index of the first record of this chunk in the flush' })),
  total_records: Type.Optional(Type.Integer({ minimum: 0, description: 'Records in the whole flush' })),
  data: Type.Array(Type.Unknown(), { description: 'Records: v1 `{timestamp, <sensor>: value}` or v2 `{timestamp, heatpumps: [{id, manufacturer, model, values}]}`' }),
}, { additionalProperties: true })
export type SubmitPayload = Static<typeof SubmitPayloadSchema>

const Counts = Type.Record(Type.String(), Type.Integer({ minimum: 0 }))

/**
 * A superset of upstream's `{"status":"success","processed":N}`. `processed` counts accepted
 * records (upstream counted written lines, one per record).
 */
export const SubmitResponseSchema = Type.Object({
  status: Type.Literal('success'),
  processed: Type.Integer({ minimum: 0, description: 'Records accepted' }),
  installation_id: Type.String({ description: 'The installation the data was stored for, canonical form' }),
  records: Type.Object({
    received: Type.Integer({ minimum: 0 }),
    accepted: Type.Integer({ minimum: 0 }),
    rejected: Type.Integer({ minimum: 0 }),
  }),
  values: Type.Object({
    accepted: Type.Integer({ minimum: 0, description: 'Catalog values that passed validation' }),
    stored: Type.Integer({ minimum: 0, description: 'Accepted values that were new' }),
    duplicate: Type.Integer({ minimum: 0, description: 'Accepted values already stored (same heat pump, metric and timestamp)' }),
    rejected: Type.Integer({ minimum: 0, description: 'Catalog values dropped, see rejected_reasons' }),
    ignored: Type.Integer({ minimum: 0, description: 'Values outside the catalog, not stored by design' }),
  }),
  rejected_reasons: Type.Object({
    records: Counts,
    values: Counts,
  }, { description: 'Stable reason codes → counts' }),
})
export type SubmitResponse = Static<typeof SubmitResponseSchema>
