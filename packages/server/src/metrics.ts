import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'

/** The server's Prometheus metrics, one registry per app instance (tests build many apps). */
export function createMetrics () {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'heatpool_' })
  return {
    registry,
    batches: new Counter({
      name: 'heatpool_ingest_batches_total',
      help: 'Submit batches by outcome: stored, replayed (idempotent retry) or refused (error answer)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    records: new Counter({
      name: 'heatpool_ingest_records_total',
      help: 'Records received in accepted batches, by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    samples: new Counter({
      name: 'heatpool_ingest_samples_total',
      help: 'Accepted catalog values, by result: stored (new) or duplicate (already stored)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    ignoredValues: new Counter({
      name: 'heatpool_ingest_ignored_values_total',
      help: 'Values outside the metric catalog, not stored by design',
      registers: [registry],
    }),
    rejectedValues: new Counter({
      name: 'heatpool_ingest_rejected_samples_total',
      help: 'Catalog values dropped at ingest, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    rejectedRecords: new Counter({
      name: 'heatpool_ingest_rejected_records_total',
      help: 'Records and heat-pump entries dropped at ingest, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    batchDuration: new Histogram({
      name: 'heatpool_ingest_batch_duration_seconds',
      help: 'Time to normalise and durably store one submit batch (after parsing)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'heatpool_http_request_duration_seconds',
      help: 'HTTP request latency by route and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
