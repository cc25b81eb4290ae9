/**
 * The canonical metric catalog: the only metrics heatpool stores. Every driver's raw sensor ids
 * are normalised into these names and units; anything else is not stored (data minimisation,
 * design brief "Canonical metrics").
 *
 * The order of `METRIC_NAMES` is part of the storage layout (one column per metric in the
 * embedded store): append new metrics, never reorder.
 */

export type MetricKind = 'gauge' | 'counter' | 'enum' | 'derived'

export interface MetricDefinition {
  readonly name: MetricName
  readonly unit: string
  /** Plausible range, inclusive. A value outside it is dropped and counted as `out_of_range`. */
  readonly min: number
  readonly max: number
  readonly kind: MetricKind
  /** Values are whole numbers (enum codes). */
  readonly integer?: boolean
  readonly description: { readonly en: string, readonly de: string }
}

export const METRIC_NAMES = [
  'temp_outdoor',
  'temp_flow',
  'temp_return',
  'temp_hot_water',
  'power_electric',
  'power_heat',
  'energy_electric_total',
  'energy_heat_total',
  'compressor_frequency',
  'pressure_high',
  'pressure_low',
  'fan_speed',
  'flow_rate',
  'operating_mode',
] as const

/** A stored canonical metric. */
export type MetricName = (typeof METRIC_NAMES)[number]

/** Metrics computed from stored ones, never stored themselves. */
export const DERIVED_METRIC_NAMES = ['cop'] as const
export type DerivedMetricName = (typeof DERIVED_METRIC_NAMES)[number]

/** `operating_mode` codes, in the order the catalog stores them. */
export const OPERATING_MODES = ['off', 'heating', 'cooling', 'hot_water', 'defrost'] as const
export type OperatingMode = (typeof OPERATING_MODES)[number]
export const OperatingModeCode: Readonly<Record<OperatingMode, number>> = {
  off: 0,
  heating: 1,
  cooling: 2,
  hot_water: 3,
  defrost: 4,
}

const temperature = (min: number, max: number, en: string, de: string): Omit<MetricDefinition, 'name'> =>
  ({ unit: '°C', min, max, kind: 'gauge', description: { en, de } })

export const METRICS: Readonly<Record<MetricName, MetricDefinition>> = {
  temp_outdoor: { name: 'temp_outdoor', ...temperature(-50, 60, 'Outdoor air temperature', 'Außentemperatur') },
  temp_flow: { name: 'temp_flow', ...temperature(-30, 110, 'Heat pump flow (supply) temperature', 'Vorlauftemperatur der Wärmepumpe') },
  temp_return: { name: 'temp_return', ...temperature(-30, 110, 'Heat pump return temperature', 'Rücklauftemperatur der Wärmepumpe') },
  temp_hot_water: { name: 'temp_hot_water', ...temperature(0, 100, 'Domestic hot water temperature', 'Warmwassertemperatur') },
  power_electric: {
    name: 'power_electric', unit: 'W', min: 0, max: 100_000, kind: 'gauge',
    description: { en: 'Electrical input power of the heat pump', de: 'Elektrische Leistungsaufnahme der Wärmepumpe' },
  },
  power_heat: {
    // Negative values occur in cooling on some controllers (heat extracted from the building).
    name: 'power_heat', unit: 'W', min: -100_000, max: 200_000, kind: 'gauge',
    description: { en: 'Thermal output power of the heat pump', de: 'Thermische Leistung der Wärmepumpe' },
  },
  energy_electric_total: {
    name: 'energy_electric_total', unit: 'kWh', min: 0, max: 100_000_000, kind: 'counter',
    description: { en: 'Electrical energy consumed, lifetime counter', de: 'Aufgenommene elektrische Energie, Gesamtzähler' },
  },
  energy_heat_total: {
    name: 'energy_heat_total', unit: 'kWh', min: 0, max: 100_000_000, kind: 'counter',
    description: { en: 'Heat energy delivered, lifetime counter', de: 'Abgegebene Wärmemenge, Gesamtzähler' },
  },
  compressor_frequency: {
    name: 'compressor_frequency', unit: 'Hz', min: 0, max: 300, kind: 'gauge',
    description: { en: 'Compressor speed as inverter frequency', de: 'Verdichterdrehzahl als Inverterfrequenz' },
  },
  pressure_high: {
    // CO2 (R744) machines run their high side above 100 bar.
    name: 'pressure_high', unit: 'bar', min: 0, max: 160, kind: 'gauge',
    description: { en: 'Refrigerant high-side pressure', de: 'Kältemittel-Hochdruck' },
  },
  pressure_low: {
    name: 'pressure_low', unit: 'bar', min: 0, max: 80, kind: 'gauge',
    description: { en: 'Refrigerant low-side pressure', de: 'Kältemittel-Niederdruck' },
  },
  fan_speed: {
    name: 'fan_speed', unit: 'rpm', min: 0, max: 10_000, kind: 'gauge',
    description: { en: 'Outdoor unit fan speed', de: 'Lüfterdrehzahl der Außeneinheit' },
  },
  flow_rate: {
    name: 'flow_rate', unit: 'l/min', min: 0, max: 1_000, kind: 'gauge',
    description: { en: 'Water flow rate through the heat pump', de: 'Volumenstrom durch die Wärmepumpe' },
  },
  operating_mode: {
    name: 'operating_mode', unit: '', min: 0, max: OPERATING_MODES.length - 1, kind: 'enum', integer: true,
    description: {
      en: 'Operating mode: 0 off, 1 heating, 2 cooling, 3 hot water, 4 defrost',
      de: 'Betriebsart: 0 aus, 1 Heizen, 2 Kühlen, 3 Warmwasser, 4 Abtauen',
    },
  },
}

export const DERIVED_METRICS: Readonly<Record<DerivedMetricName, Omit<MetricDefinition, 'name'> & { name: DerivedMetricName }>> = {
  cop: {
    // Per the design brief, a COP above 10 is implausible for a compression heat pump.
    name: 'cop', unit: '', min: 0, max: 10, kind: 'derived',
    description: {
      en: 'Coefficient of performance: heat delivered ÷ electricity used over the same period',
      de: 'Leistungszahl: abgegebene Wärme ÷ aufgenommener Strom im selben Zeitraum',
    },
  },
}

const metricSet: ReadonlySet<string> = new Set(METRIC_NAMES)

export function isMetricName (name: string): name is MetricName {
  return metricSet.has(name)
}

/** True when `value` is a finite number inside the metric's plausible range (and whole, for enums). */
export function isPlausible (metric: MetricName, value: number): boolean {
  const def = METRICS[metric]
  return value >= def.min && value <= def.max && (!def.integer || Number.isInteger(value))
}
