import type { Readings } from '../record.js'

/** One raw value a message gave, under the key the decoder assembles by (topic-derived). */
export interface RawValue {
  readonly key: string
  readonly value: number
}

/**
 * What one message gave: values (none when the topic is not one the decoder maps), or the
 * reason it could not be used (malformed payload, sensor fault) — counted and logged, never thrown.
 */
export type DecodedMessage = { readonly values: readonly RawValue[] } | { readonly problem: string }

/**
 * An MQTT source's pure half: which topics to subscribe to, how a message becomes raw values,
 * and how the latest raw values of an interval become canonical readings (sums and states that
 * need several topics are derived there, from whatever arrived).
 */
export interface MqttDecoder {
  /** `heishamon`, `ebusd` or `mapping`. */
  readonly id: string
  /** The server label of the heat pump's manufacturer (`unknown` when the mapping does not say). */
  readonly manufacturer: string
  readonly subscriptions: readonly string[]
  decode (topic: string, payload: Buffer): DecodedMessage
  readings (latest: ReadonlyMap<string, number>): Readings
}
