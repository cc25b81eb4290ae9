import { MIN_DATA } from './heat-pump-values.js'

/** The rules stated in every analytics answer (schema AnalyticsRulesSchema). */
export function analyticsRules (k: number) {
  return {
    k_anonymity: k,
    min_running_hours: MIN_DATA.runningHours,
    min_band_running_hours: MIN_DATA.bandRunningHours,
    min_electricity_kwh: MIN_DATA.electricWh / 1000,
    percentile: 'quantiles by nearest rank (always one heat pump\'s value, never interpolated), each with at least k installations at or beyond it; a position is the share of the other installations\' heat pumps with a lower value (ties half)',
  }
}

/** K for non-admin answers: the configured K_ANONYMITY, never below 3. */
export function effectiveK (configured: number): number {
  return Math.max(3, configured)
}
