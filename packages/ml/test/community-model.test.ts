import { describe, expect, it } from 'vitest'
import { ALERT_START, stepAlert } from '../src/alert-rule.js'
import { CommunityModel, DEFAULT_ALERT_RULE } from '../src/community-model.js'
import type { FeatureWindow } from '../src/heat-pump-windows.js'
import { Random } from '../src/random.js'

/** Normal heating windows: efficiency ~0.5, a start or two per hour, mostly running. */
function normalWindows (n: number, seed: number): FeatureWindow[] {
  const r = new Random(seed)
  return Array.from({ length: n }, (_, i) => ({
    startMs: i * 900_000,
    mode: i % 10 === 0 ? 'hot_water' : 'heating',
    samples: 15,
    features: {
      carnot_efficiency: 0.5 + (r.next() - 0.5) * 0.04,
      starts_per_hour: r.next() < 0.3 ? 4 : 0,
      running_fraction: 0.8 + r.next() * 0.2,
      defrost_fraction: 0,
      spread: 4 + r.next(),
      temp_outdoor: -5 + r.next() * 15,
      power_electric: 1500 + r.next() * 500,
      temp_flow_range: r.next() * 2,
      temp_return_range: r.next() * 2,
    },
  }))
}

describe('community model', () => {
  const training = normalWindows(3000, 1)
  const model = CommunityModel.train(training, { seed: 7, nTrees: 25 })

  it('trains one detector per mode with enough windows, with a threshold that runs of 3 normal windows exceed at the false-alarm rate', () => {
    expect(Object.keys(model.modes).sort()).toEqual(['heating', 'hot_water'])
    const heating = model.modes.heating
    expect(heating?.windows).toBe(2700)
    expect(heating?.features).toContain('carnot_efficiency')
    const above = training.map((w) => w.mode === 'heating' && (model.score(w)?.score ?? 0) > (heating?.threshold ?? 1))
    // Runs of three heating windows back to back (every 10th window is hot water and breaks them).
    let runs = 0
    let alerting = 0
    for (let i = 2; i < training.length; i++) {
      if (![i - 2, i - 1, i].every((j) => training[j]?.mode === 'heating')) continue
      runs++
      if (above[i - 2] === true && above[i - 1] === true && above[i] === true) alerting++
    }
    expect(runs).toBeGreaterThan(1500)
    expect(alerting / runs).toBeLessThanOrEqual(0.0005)
    // Single windows are above it more often: the rule's three in a row make the alerts rare.
    expect(above.filter(Boolean).length / 2700).toBeGreaterThan(0.01)
  })

  it('scores faults above normal operation and names the feature that moved', () => {
    const normal = normalWindows(200, 2).filter((w) => w.mode === 'heating')
    const leaking = normal.map((w) => ({ ...w, features: { ...w.features, carnot_efficiency: 0.35 } }))
    const mean = (ws: FeatureWindow[]) => ws.reduce((a, w) => a + (model.score(w)?.score ?? 0), 0) / ws.length
    expect(mean(leaking)).toBeGreaterThan(mean(normal))
    const flagged = (ws: FeatureWindow[]) => ws.filter((w) => model.score(w)?.anomalous === true).length / ws.length
    expect(flagged(leaking)).toBeGreaterThan(0.8)
    expect(flagged(leaking)).toBeGreaterThan(3 * flagged(normal))
    const verdict = model.score(leaking[0] as FeatureWindow)
    expect(verdict?.top[0]).toMatchObject({ feature: 'carnot_efficiency', value: 0.35 })
    expect(verdict?.top[0]?.z).toBeLessThan(-5)
  })

  it('has no verdict for a mode it has no detector for', () => {
    expect(model.score({ mode: 'cooling', features: { carnot_efficiency: 0.5 } })).toBeUndefined()
  })

  it('round-trips through JSON exactly', () => {
    const back = CommunityModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())))
    expect(back.toJSON()).toEqual(model.toJSON())
    for (const w of normalWindows(50, 3)) expect(back.score(w)).toEqual(model.score(w))
    expect(() => CommunityModel.fromJSON({ format: 'pickle' })).toThrow(/not a heatpool-anomaly\/1/)
    expect(() => CommunityModel.fromJSON({ ...model.toJSON(), modes: { sauna: {} } })).toThrow(/unknown mode/)
  })

  it('is deterministic by seed and refuses to train without enough windows', () => {
    expect(CommunityModel.train(training, { seed: 7, nTrees: 25 }).toJSON()).toEqual(model.toJSON())
    expect(() => CommunityModel.train(normalWindows(100, 1))).toThrow(/no operating mode has 200 windows/)
  })
})

describe('alert rule', () => {
  const rule = DEFAULT_ALERT_RULE
  const run = (windows: { endMs: number, samples: number, anomalous: boolean | undefined }[]) => {
    let state = ALERT_START
    const alerts: number[] = []
    for (const w of windows) {
      const step = stepAlert(rule, state, w)
      state = step.state
      if (step.alert) alerts.push(w.endMs)
    }
    return alerts
  }
  const every15 = (count: number, anomalous: (i: number) => boolean | undefined, from = 0) =>
    Array.from({ length: count }, (_, i) => ({ endMs: from + (i + 1) * 900_000, samples: 15, anomalous: anomalous(i) }))

  it('follows upstream: 120 samples of warm-up, 3 consecutive hits, then an hour of quiet', () => {
    expect(rule).toEqual({ warmupSamples: 120, consecutive: 3, cooldownMs: 3_600_000 })
    // Anomalous from the start: the first 8 windows (120 samples) are warm-up, windows 9–11 alert.
    const alerts = run(every15(24, () => true))
    expect(alerts[0]).toBe(11 * 900_000)
    // Then one alert an hour at most while it lasts.
    expect(alerts.slice(1).map((t, i) => t - (alerts[i] as number)).every((d) => d >= 3_600_000)).toBe(true)
  })

  it('needs the hits in a row: a normal or unscorable window in between resets the count', () => {
    expect(run(every15(40, (i) => i < 8 ? false : i % 3 !== 2))).toEqual([])
    expect(run(every15(40, (i) => i < 8 ? false : (i % 3 === 2 ? undefined : true)))).toEqual([])
    expect(run(every15(12, (i) => i >= 8 && i < 11))).toEqual([11 * 900_000])
  })
})
