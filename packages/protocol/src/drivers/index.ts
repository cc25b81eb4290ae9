import { canonicalDriver } from './canonical.js'
import { daikinAlthermaDriver } from './daikin-altherma.js'
import type { DriverMap } from './driver.js'
import { idmNavigatorDriver } from './idm-navigator.js'
import { luxtronikDriver } from './luxtronik.js'
import { nibeSSeriesDriver } from './nibe-s-series.js'

export type { DriverMap, FieldRule } from './driver.js'
export { canonicalDriver } from './canonical.js'
export { idmNavigatorDriver, idmOperatingMode } from './idm-navigator.js'
export { nibeSSeriesDriver } from './nibe-s-series.js'
export { daikinAlthermaDriver, daikinDefrostMode } from './daikin-altherma.js'
export { luxtronikDriver } from './luxtronik.js'

/** Every driver map, canonical first. */
export const DRIVERS: readonly DriverMap[] = [
  canonicalDriver,
  idmNavigatorDriver,
  nibeSSeriesDriver,
  daikinAlthermaDriver,
  luxtronikDriver,
]

const byId = new Map<string, DriverMap>(DRIVERS.map((d) => [d.id, d]))
const byManufacturer = new Map<string, DriverMap>()
for (const d of DRIVERS) if (d !== canonicalDriver && !byManufacturer.has(d.manufacturer)) byManufacturer.set(d.manufacturer, d)

/**
 * The driver map for a heat pump as a v2 payload names it (`manufacturer`, `model` driver ids).
 * An unknown model of a known manufacturer uses that manufacturer's map; anything else, and
 * `unknown`/`unknown`, is read by canonical names and upstream aliases only.
 */
export function resolveDriver (manufacturer: string | undefined, model: string | undefined): DriverMap {
  const m = (manufacturer ?? '').trim().toLowerCase()
  const exact = byId.get(`${m}/${(model ?? '').trim().toLowerCase()}`)
  return exact ?? byManufacturer.get(m) ?? canonicalDriver
}
