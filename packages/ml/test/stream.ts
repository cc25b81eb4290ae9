/**
 * A labelled synthetic stream for detection tests: three correlated heat-pump features (outdoor
 * temperature, flow temperature, electrical power) from a seeded generator, with anomalies injected
 * after a warm-up — shifted clusters (the flow or power off the heating curve, within the usual
 * marginal ranges) and out-of-range points.
 */
import type { Features } from '../src/features.js'
import { Random } from '../src/random.js'

export interface LabelledPoint {
  readonly x: Features
  readonly anomaly: boolean
}

/** Ranges of the normal data, as `limits` for a detector without a scaler. */
export const STREAM_LIMITS = {
  temp_outdoor: [-10, 15],
  temp_flow: [28, 58],
  power: [1.2, 5.4],
} as const satisfies Record<string, readonly [number, number]>

function normal (random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next())
}

export function labelledStream (seed: number, length = 3000, warmUp = 500, anomalyRate = 0.03): LabelledPoint[] {
  const random = new Random(seed)
  const points: LabelledPoint[] = []
  for (let i = 0; i < length; i++) {
    const outdoor = -10 + 25 * random.next()
    let flow = 45 - 0.8 * outdoor + 1.5 * normal(random)
    let power = 3.5 - 0.1 * outdoor + 0.25 * normal(random)
    const anomaly = i >= warmUp && random.next() < anomalyRate
    if (anomaly) {
      const kind = random.below(4)
      if (kind === 0) flow += 12 // flow too hot for the weather
      else if (kind === 1) power += 1.8 // power too high for the weather
      else if (kind === 2) flow = 70 + 10 * random.next() // out of range
      else power = 8 + 2 * random.next() // out of range
    }
    points.push({ x: { temp_outdoor: outdoor, temp_flow: flow, power }, anomaly })
  }
  return points
}
