import { describe, expect, it } from 'vitest'
import { CLIMATES, outdoorTemperature, Weather } from '../src/climate.js'
import { DEFROST_THRESHOLD } from '../src/heat-pump.js'
import { findModel, MODELS } from '../src/models.js'
import { DAY_MS } from '../src/time.js'
import { AUTUMN, cop, fleetFrom, normalised, simulate, WINTER } from './fixtures.js'

const YEAR_START = Date.UTC(2025, 6, 1)

describe('climate', () => {
  it('is colder in January than in July, and at night than in the afternoon', () => {
    const c = CLIMATES.continental
    const mean = (from: number, days: number) => {
      let sum = 0
      for (let h = 0; h < days * 24; h++) sum += outdoorTemperature(c, 1, from + h * 3_600_000)
      return sum / (days * 24)
    }
    expect(mean(Date.UTC(2026, 0, 1), 31)).toBeLessThan(mean(Date.UTC(2026, 6, 1), 31) - 12)
    let night = 0
    let afternoon = 0
    for (let d = 0; d < 60; d++) {
      night += outdoorTemperature(c, 1, Date.UTC(2026, 2, 1) + d * DAY_MS + 2 * 3_600_000)
      afternoon += outdoorTemperature(c, 1, Date.UTC(2026, 2, 1) + d * DAY_MS + 14 * 3_600_000)
    }
    expect(afternoon / 60).toBeGreaterThan(night / 60 + 4)
  })

  it('depends on time only, not on how it is sampled', () => {
    const w = new Weather(CLIMATES.alpine, 3)
    const t = Date.UTC(2026, 1, 3, 7, 30)
    for (let ms = t - 10 * DAY_MS; ms < t; ms += 3_600_000) w.temperature(ms)
    expect(w.temperature(t)).toBe(outdoorTemperature(CLIMATES.alpine, 3, t))
    expect(outdoorTemperature(CLIMATES.alpine, 4, t)).not.toBe(outdoorTemperature(CLIMATES.alpine, 3, t))
  })
})

describe('heat pumps', () => {
  // One unit of each model through a whole year (two-minute steps keep it fast).
  const year = fleetFrom(YEAR_START, 365, { installations: MODELS.length }).map((inst) => {
    const bands = new Map<number, { heatWh: number, electricWh: number }>()
    const totals = simulate(inst, YEAR_START, 365, 120_000, (s) => {
      if (s.mode !== 'heating') return
      const band = Math.floor(s.outdoor / 5) * 5
      const b = bands.get(band) ?? { heatWh: 0, electricWh: 0 }
      b.heatWh += s.powerHeat
      b.electricWh += s.powerElectric
      bands.set(band, b)
    })
    return { inst, totals, bands }
  })

  it('reach a seasonal COP between 2 and 6', () => {
    for (const { inst, totals } of year) {
      expect(cop(totals), inst.model.name).toBeGreaterThan(2)
      expect(cop(totals), inst.model.name).toBeLessThan(6)
      // 5–25 MWh of heat a year: a family home.
      expect(totals.heatWh / 1e6, inst.model.name).toBeGreaterThan(5)
      expect(totals.heatWh / 1e6, inst.model.name).toBeLessThan(25)
    }
  })

  it('have a lower COP at colder outdoor temperatures', () => {
    for (const { inst, bands } of year) {
      const c = (band: number) => cop(bands.get(band)!)
      expect(c(-10), inst.model.name).toBeLessThan(c(-5))
      expect(c(-5), inst.model.name).toBeLessThan(c(0))
      expect(c(0), inst.model.name).toBeLessThan(c(5))
    }
  })

  it('put a model with a higher Carnot fraction ahead of a lower one in the same homes and climate', () => {
    const better = findModel('AERO SLM')!
    const worse = findModel('LWD 70')!
    expect(better.carnotFraction).toBeGreaterThan(worse.carnotFraction)
    const homes = (model: typeof better) => fleetFrom(WINTER, 14, { installations: 6, models: [model] }).map((inst) => cop(simulate(inst, WINTER, 14, 120_000)))
    const a = homes(better)
    const b = homes(worse)
    for (let i = 0; i < a.length; i++) expect(a[i], `home ${i}`).toBeGreaterThan(b[i]!)
    const median = (xs: number[]) => xs.slice().sort((x, y) => x - y)[xs.length >> 1]!
    expect(median(a)).toBeGreaterThan(median(b) * 1.08)
  })

  it('defrost only air units, and only below about +5 °C', () => {
    for (const inst of fleetFrom(AUTUMN, 45, { installations: MODELS.length })) {
      let defrosts = 0
      let warmest = -Infinity
      simulate(inst, AUTUMN + 30 * DAY_MS, 30, 60_000, (s) => {
        if (s.mode !== 'defrost') return
        defrosts++
        warmest = Math.max(warmest, s.outdoor)
      })
      if (inst.model.source === 'ground') expect(defrosts, inst.model.name).toBe(0)
      else {
        expect(defrosts, inst.model.name).toBeGreaterThan(0)
        expect(warmest, inst.model.name).toBeLessThan(DEFROST_THRESHOLD + 0.5)
      }
    }
  })

  it('charge hot water daily at a higher flow temperature', () => {
    for (const inst of fleetFrom(WINTER, 7, { installations: MODELS.length })) {
      const flow = { hot_water: [0, 0], heating: [0, 0] }
      const chargeDays = new Set<number>()
      simulate(inst, WINTER, 7, 60_000, (s, ms) => {
        if (s.mode === 'hot_water' || s.mode === 'heating') {
          flow[s.mode][0]! += s.flow
          flow[s.mode][1]! += 1
        }
        if (s.mode === 'hot_water') chargeDays.add(Math.floor(ms / DAY_MS))
      })
      expect(chargeDays.size, inst.model.name).toBeGreaterThanOrEqual(7)
      expect(flow.hot_water[0]! / flow.hot_water[1]!, inst.model.name).toBeGreaterThan(flow.heating[0]! / flow.heating[1]! + 8)
    }
  })

  it('cycle on and off when the demand is below the lowest modulation (a mild May)', () => {
    const mild = Date.UTC(2026, 4, 5)
    for (const inst of fleetFrom(mild, 3, { installations: MODELS.length })) {
      let starts = 0
      let wasOn = false
      simulate(inst, mild, 3, 60_000, (s) => {
        const on = s.mode !== 'off'
        if (on && !wasOn) starts++
        wasOn = on
      })
      expect(starts, inst.model.name).toBeGreaterThan(6)
      expect(starts, inst.model.name).toBeLessThan(3 * 24 * 4)
    }
  })

  it('keep energy counters monotonic in what they send', () => {
    for (const inst of fleetFrom(WINTER, 2, { installations: MODELS.length })) {
      const { records } = normalised(inst, 'v2', WINTER, 2)
      let heat = -Infinity
      let electric = -Infinity
      let decreases = 0
      for (const r of records) {
        if (r.values.energy_heat_total! < heat || (r.values.energy_electric_total ?? Infinity) < electric) decreases++
        heat = r.values.energy_heat_total!
        electric = r.values.energy_electric_total ?? electric
      }
      expect(decreases, inst.model.name).toBe(0)
      expect(heat - records[0]!.values.energy_heat_total!, inst.model.name).toBeGreaterThan(10)
    }
  })
})
