/**
 * Scoring at home: a community model run on one installation's samples as they arrive. Each heat
 * pump gets its own window builder and alert state; every closed window is scored, and the alert
 * rule the model carries (warm-up, consecutive hits, cooldown) decides when a run of anomalous
 * windows becomes an alert. The model is never taught the home's data: a slowly developing fault
 * must not become the new normal.
 */
import { ALERT_START, stepAlert, type AlertState } from './alert-rule.js'
import type { CommunityModel, Contribution, WindowVerdict } from './community-model.js'
import { WindowBuilder, type FeatureWindow, type Sample, type WindowMode } from './heat-pump-windows.js'

export interface ScoredWindow extends WindowVerdict {
  readonly heatPump: string
  readonly startMs: number
  readonly endMs: number
}

/** An alert: the window that completed a run of anomalous windows. */
export interface AnomalyAlert {
  readonly heatPump: string
  /** End of the window, ms since the epoch. */
  readonly atMs: number
  readonly mode: WindowMode
  readonly score: number
  readonly threshold: number
  readonly top: readonly Contribution[]
}

export interface HeatPumpScoreState {
  readonly samples: number
  readonly windows: number
  readonly anomalous: number
  readonly alerts: number
  readonly last: ScoredWindow | null
}

interface Unit {
  builder: WindowBuilder
  alert: AlertState
  windows: number
  anomalous: number
  alerts: number
  last: ScoredWindow | null
}

export class Scorer {
  readonly model: CommunityModel
  readonly #units = new Map<string, Unit>()

  constructor (model: CommunityModel) {
    this.model = model
  }

  /** Adds one sample of `heatPump` (samples of one heat pump in time order); returns what it closed. */
  push (heatPump: string, sample: Sample): { readonly scored?: ScoredWindow, readonly alert?: AnomalyAlert } {
    const unit = this.#unit(heatPump)
    return this.#scored(heatPump, unit, unit.builder.push(sample))
  }

  /** Closes every open window (when the agent stops, or a heat pump went quiet). */
  flush (): { scored: ScoredWindow[], alerts: AnomalyAlert[] } {
    const scored: ScoredWindow[] = []
    const alerts: AnomalyAlert[] = []
    for (const [heatPump, unit] of this.#units) {
      const out = this.#scored(heatPump, unit, unit.builder.flush())
      if (out.scored !== undefined) scored.push(out.scored)
      if (out.alert !== undefined) alerts.push(out.alert)
    }
    return { scored, alerts }
  }

  /** Per heat pump: samples and windows seen, anomalous windows, alerts, the latest verdict. */
  get state (): Record<string, HeatPumpScoreState> {
    const out: Record<string, HeatPumpScoreState> = {}
    for (const [heatPump, u] of this.#units) out[heatPump] = { samples: u.alert.samples, windows: u.windows, anomalous: u.anomalous, alerts: u.alerts, last: u.last }
    return out
  }

  #unit (heatPump: string): Unit {
    let unit = this.#units.get(heatPump)
    if (unit === undefined) {
      unit = { builder: new WindowBuilder({ windowMs: this.model.windowMs, minSamples: this.model.minSamples }), alert: ALERT_START, windows: 0, anomalous: 0, alerts: 0, last: null }
      this.#units.set(heatPump, unit)
    }
    return unit
  }

  #scored (heatPump: string, unit: Unit, window: FeatureWindow | undefined): { scored?: ScoredWindow, alert?: AnomalyAlert } {
    if (window === undefined) return {}
    const endMs = window.startMs + this.model.windowMs
    const verdict = this.model.score(window)
    const step = stepAlert(this.model.alert, unit.alert, { endMs, samples: window.samples, anomalous: verdict?.anomalous })
    unit.alert = step.state
    if (verdict === undefined) return {}
    unit.windows++
    if (verdict.anomalous) unit.anomalous++
    const scored: ScoredWindow = { ...verdict, heatPump, startMs: window.startMs, endMs }
    unit.last = scored
    if (!step.alert) return { scored }
    unit.alerts++
    return { scored, alert: { heatPump, atMs: endMs, mode: verdict.mode, score: verdict.score, threshold: verdict.threshold, top: verdict.top } }
  }
}
