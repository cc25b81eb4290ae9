/**
 * From window verdicts to alerts, as upstream's ML service decided (upstream.md §3.6): no alarm
 * counts until the scorer has seen `warmupSamples` samples, an alert needs `consecutive` windows
 * in a row above the threshold, and after an alert none follows for `cooldownMs`. Pure: the state
 * is a value and `step` returns the next one.
 */
import type { AlertRule } from './community-model.js'

export interface AlertState {
  /** Samples seen since the scorer started. */
  readonly samples: number
  /** Anomalous windows in a row, up to the latest. */
  readonly hits: number
  /** End of the window that raised the last alert, ms; null before the first. */
  readonly lastAlertMs: number | null
}

export const ALERT_START: AlertState = Object.freeze({ samples: 0, hits: 0, lastAlertMs: null })

export interface AlertStep {
  readonly state: AlertState
  /** True when this window raises an alert. */
  readonly alert: boolean
}

/**
 * The state after one scored window of `samples` samples ending at `endMs`. A window the model
 * could not score (no detector for its mode) breaks a run of hits, as a normal window does.
 */
export function stepAlert (rule: AlertRule, state: AlertState, window: { readonly endMs: number, readonly samples: number, readonly anomalous: boolean | undefined }): AlertStep {
  const samples = state.samples + window.samples
  const warm = state.samples >= rule.warmupSamples
  const hits = window.anomalous === true && warm ? state.hits + 1 : 0
  const cooled = state.lastAlertMs === null || window.endMs - state.lastAlertMs >= rule.cooldownMs
  if (hits >= rule.consecutive && cooled) {
    return { state: { samples, hits: 0, lastAlertMs: window.endMs }, alert: true }
  }
  return { state: { samples, hits, lastAlertMs: state.lastAlertMs }, alert: false }
}
