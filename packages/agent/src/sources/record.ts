import { isMetricName, isPlausible, type MetricName } from '@heatpool/protocol/catalog'
import type { Envelope } from '../outbox/outbox.js'

/** Canonical readings of one heat pump at one instant (catalog names and units). */
export type Readings = Partial<Record<MetricName, number>>

/**
 * Which heat pump a source reads, as a v2 record names it. `manufacturer` and `model` are the
 * server's driver labels: a record from a source carries canonical metric names only, which
 * every driver map passes through unchanged (`canonicalDriver`), so these are labels, not
 * instructions to normalise.
 */
export interface SourceHeatPump {
  /** Stable across restarts (one series on the server): `hp-<kind>-<driver>`. */
  readonly id: string
  readonly manufacturer: string
  readonly model: string
}

export interface SourceRecord {
  readonly timestamp: number
  readonly heatpumps: readonly [{ readonly id: string, readonly manufacturer: string, readonly model: string, readonly values: Readings }]
}

/** The identity of the heat pump behind a source (`kind` modbus or mqtt, `driver` its driver or source name). */
export function sourceHeatPump (kind: 'modbus' | 'mqtt', driver: string, manufacturer: string): SourceHeatPump {
  return { id: `hp-${kind}-${driver}`, manufacturer, model: `${kind}-${driver}` }
}

/**
 * The envelope of every record the agent's own sources write: the configured heat-pump model
 * (the server groups community figures by it) and the v2 data version. No `version`: it is
 * the logger's software version upstream, and the agent is not a logger.
 */
export function sourceEnvelope (heatpumpModel: string): Envelope {
  return { heatpump_model: heatpumpModel.trim() === '' ? null : heatpumpModel, version: null, data_version: '2.0' }
}

/**
 * One v2 record (the shape the server's submit route and the relay accept) from canonical
 * readings. Only catalog names with finite values are kept: JSON has no NaN, and a name the
 * server does not know would only be ignored there. Values outside the catalog's plausible
 * range are kept — the server drops and counts them (`out_of_range`) in one place — and
 * reported in `implausible` so a source can show them. Undefined when nothing is left.
 */
export function sourceRecord (heatPump: SourceHeatPump, timestampMs: number, readings: Readonly<Record<string, number | undefined>>): { record: SourceRecord, implausible: MetricName[] } | undefined {
  const values: Readings = {}
  const implausible: MetricName[] = []
  let n = 0
  for (const [name, value] of Object.entries(readings)) {
    if (!isMetricName(name) || typeof value !== 'number' || !Number.isFinite(value)) continue
    values[name] = value
    n++
    if (!isPlausible(name, value)) implausible.push(name)
  }
  if (n === 0) return undefined
  return {
    record: { timestamp: Math.round(timestampMs) / 1000, heatpumps: [{ id: heatPump.id, manufacturer: heatPump.manufacturer, model: heatPump.model, values }] },
    implausible,
  }
}
