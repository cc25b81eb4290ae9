import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client'
import type { Outbox } from './outbox/outbox.js'

/** The agent's Prometheus metrics; outbox figures are read from the outbox at scrape time. */
export function createAgentMetrics (outbox: Outbox) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'heatpool_agent_' })
  const gauge = (name: string, help: string, read: () => number) => new Gauge({
    name,
    help,
    registers: [registry],
    collect () { this.set(read()) },
  })
  gauge('heatpool_agent_outbox_records', 'Records waiting in the outbox (quarantined ones included)', () => outbox.stats().records)
  gauge('heatpool_agent_outbox_bytes', 'Bytes of records waiting in the outbox', () => outbox.stats().bytes)
  gauge('heatpool_agent_outbox_dropped_records', 'Records dropped at the outbox byte cap since the outbox was created', () => outbox.stats().dropped)
  gauge('heatpool_agent_uploaded_records', 'Records acknowledged by the server since the outbox was created', () => outbox.stats().uploaded)
  gauge('heatpool_agent_quarantined_batches', 'Batches the server refused permanently, kept on disk', () => outbox.stats().quarantinedBatches)
  return {
    registry,
    uploads: new Counter({ name: 'heatpool_agent_uploaded_batches_total', help: 'Batches acknowledged by the server', registers: [registry] }),
    retries: new Counter({ name: 'heatpool_agent_upload_retries_total', help: 'Upload attempts that failed and will be retried', registers: [registry] }),
    quarantines: new Counter({ name: 'heatpool_agent_quarantined_batches_total', help: 'Batches quarantined by this process', registers: [registry] }),
    relayed: new Counter({ name: 'heatpool_agent_relayed_records_total', help: 'Records accepted by the relay into the outbox', registers: [registry] }),
  }
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>
