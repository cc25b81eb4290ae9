import { describe, expect, it } from 'vitest'
import { CommunityModel } from '../src/community-model.js'
import { windowsOf, type Sample } from '../src/heat-pump-windows.js'
import { Random } from '../src/random.js'
import { Scorer } from '../src/scorer.js'

const MIN = 60_000
const T0 = Date.UTC(2026, 0, 1)

/** A heat pump sampled every minute: on for `on` minutes, off for `off`, efficiency `eta`. */
function stream (days: number, seed: number, o: { on: number, off: number, eta?: number }): Sample[] {
  const r = new Random(seed)
  const out: Sample[] = []
  for (let i = 0; i < days * 1440; i++) {
    const outdoor = 3 + 5 * Math.sin(i / 1440 * 2 * Math.PI) + (r.next() - 0.5) * 0.4
    const running = i % (o.on + o.off) < o.on
    const flow = running ? 38 - 0.4 * outdoor + r.next() : 31
    const carnot = (flow + 275.15) / (flow + 8 - outdoor)
    const electric = running ? 1800 + r.next() * 200 : 15
    out.push({
      ts: T0 + i * MIN,
      values: {
        temp_outdoor: Math.round(outdoor * 10) / 10,
        temp_flow: Math.round(flow * 10) / 10,
        temp_return: Math.round((flow - (running ? 5 : 0.5)) * 10) / 10,
        power_electric: electric,
        power_heat: running ? electric * (o.eta ?? 0.5) * carnot * (0.98 + r.next() * 0.04) : 0,
        operating_mode: running ? 1 : 0,
      },
    })
  }
  return out
}

describe('scorer', () => {
  const training = [1, 2, 3, 4, 5].flatMap((seed) => windowsOf(stream(6, seed, { on: 50, off: 10 })))
  const model = CommunityModel.train(training, { seed: 3, nTrees: 30 })

  const alertsOf = (samples: Sample[]) => {
    const scorer = new Scorer(model)
    const alerts = []
    for (const s of samples) {
      const out = scorer.push('hp-1', s)
      if (out.alert !== undefined) alerts.push(out.alert)
    }
    return { alerts, state: scorer.state['hp-1'] }
  }

  it('raises alerts for a short-cycling unit, naming what moved, and none for a healthy one', () => {
    const healthy = alertsOf(stream(2, 11, { on: 50, off: 10 }))
    expect(healthy.state?.windows).toBeGreaterThan(180)
    expect(healthy.alerts).toEqual([])
    const cycling = alertsOf(stream(2, 12, { on: 3, off: 3 }))
    expect(cycling.alerts.length).toBeGreaterThan(0)
    const [first] = cycling.alerts
    // Not before the warm-up (120 samples) and three windows in a row.
    expect(first?.atMs).toBeGreaterThanOrEqual(T0 + 120 * MIN + 3 * 15 * MIN)
    // The explanation: features far from the model's normal (the on/off swings of short cycling).
    expect(first?.top).toHaveLength(3)
    expect(Math.abs(first?.top[0]?.z as number)).toBeGreaterThan(3)
    // At most one an hour.
    const gaps = cycling.alerts.slice(1).map((a, i) => a.atMs - (cycling.alerts[i]?.atMs as number))
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(3_600_000)
  })

  it('keeps heat pumps apart, and flushes open windows', () => {
    const scorer = new Scorer(model)
    const a = stream(1, 21, { on: 50, off: 10 })
    for (const [i, s] of a.entries()) {
      scorer.push('a', s)
      if (i % 2 === 0) scorer.push('b', s)
    }
    const { scored } = scorer.flush()
    expect(scored.map((w) => w.heatPump).sort()).toEqual(['a', 'b'])
    expect(scorer.state.a?.samples).toBe(1440)
    expect(scorer.state.b?.samples).toBe(720)
  })
})
