import { METRIC_NAMES } from '../catalog.js'
import type { DriverMap, FieldRule } from './driver.js'

const identity: Record<string, FieldRule> = Object.fromEntries(METRIC_NAMES.map((metric) => [metric, { metric }]))

/**
 * Canonical names in catalog units pass through unchanged, so normalising normalised data is a
 * no-op. The upstream trainer's names (`telemetry_server/scripts/train_model.py`,
 * upstream.md §2.4) are aliases in their implied units: power in kW, `power_current` meaning
 * thermal output as on iDM. `cop_current` is derived from power, so it is not stored.
 */
export const canonicalDriver: DriverMap = {
  id: 'canonical',
  manufacturer: 'unknown',
  model: 'unknown',
  fields: {
    ...identity,
    temp_outside: { metric: 'temp_outdoor', priority: 1 },
    power_current: { metric: 'power_heat', scale: 1000, priority: 1 },
    power_compressor: { metric: 'power_electric', scale: 1000, priority: 1 },
    cop_current: null,
  },
}
