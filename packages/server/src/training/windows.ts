import { setImmediate as yieldToRequests } from 'node:timers/promises'
import type { MetricName } from '@heatpool/protocol'
import { WindowBuilder, type FeatureWindow } from '@heatpool/ml'
import type { SampleStore } from '../store/types.js'

/** The canonical metrics feature windows are built from (the rest is never read for training). */
export const TRAINING_METRICS: readonly MetricName[] = [
  'temp_outdoor', 'temp_flow', 'temp_return', 'temp_hot_water', 'power_electric', 'power_heat', 'operating_mode',
]

/** Samples per read: one heat pump is read a few days at a time, so memory stays flat. */
const READ_SPAN_MS = 7 * 86_400_000

export interface CollectedWindows {
  readonly windows: FeatureWindow[]
  /** Samples (instants) read. */
  readonly samples: number
  /** Installations and heat pumps that gave at least one window. */
  readonly installations: number
  readonly heatPumps: number
}

/**
 * Feature windows of every heat pump in `heatPumps` over [fromMs, toMs): each heat pump's samples
 * come from the sample store joined by timestamp (one row per instant with all its metrics), are
 * cut into windows in time order, and the windows of all heat pumps are pooled. Reads one heat
 * pump and one week at a time and yields to requests between reads.
 */
export async function collectWindows (
  samples: SampleStore,
  heatPumps: readonly { readonly id: number, readonly installationId: string }[],
  range: { readonly fromMs: number, readonly toMs: number },
  progress?: (done: number, total: number, samples: number) => Promise<void> | void,
): Promise<CollectedWindows> {
  const windows: FeatureWindow[] = []
  const installations = new Set<string>()
  let read = 0
  let contributing = 0
  for (const [i, hp] of heatPumps.entries()) {
    const builder = new WindowBuilder()
    const before = windows.length
    for (let from = range.fromMs; from < range.toMs; from += READ_SPAN_MS) {
      const rows = await samples.read(hp.id, from, Math.min(range.toMs, from + READ_SPAN_MS), TRAINING_METRICS)
      read += rows.length
      for (const row of rows) {
        const closed = builder.push(row)
        if (closed !== undefined) windows.push(closed)
      }
      await yieldToRequests()
    }
    const last = builder.flush()
    if (last !== undefined) windows.push(last)
    if (windows.length > before) {
      contributing++
      installations.add(hp.installationId)
    }
    await progress?.(i + 1, heatPumps.length, read)
  }
  return { windows, samples: read, installations: installations.size, heatPumps: contributing }
}
