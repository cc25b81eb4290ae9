import { monthOfDay } from './calendar.js'

/** One daily rollup of one heat pump, reduced to what the badge rules use. */
export interface DailyEnergy {
  readonly day: number
  readonly heatWh: number
  readonly electricWh: number
  /** Heat (Wh) delivered while the outdoor temperature was known, and Σ Wh × °C of it. */
  readonly outdoorH: number
  readonly outdoorHw: number
}

/** An installation's energy in one calendar month, all its heat pumps together. */
export interface MonthEnergy {
  readonly month: number
  readonly heatWh: number
  readonly electricWh: number
  readonly outdoorH: number
  readonly outdoorHw: number
  /** Distinct days of the month with electricity use recorded. */
  readonly energyDays: number
}

interface MutableMonth {
  month: number
  heatWh: number
  electricWh: number
  outdoorH: number
  outdoorHw: number
  energyDays: number
}

/** Sums daily rollups (any heat pumps, any order) into calendar months, oldest first. Pure. */
export function monthlyEnergy (rows: readonly DailyEnergy[]): MonthEnergy[] {
  const electricByDay = new Map<number, number>()
  const months = new Map<number, MutableMonth>()
  for (const r of rows) {
    const month = monthOfDay(r.day)
    let m = months.get(month)
    if (m === undefined) {
      m = { month, heatWh: 0, electricWh: 0, outdoorH: 0, outdoorHw: 0, energyDays: 0 }
      months.set(month, m)
    }
    m.heatWh += r.heatWh
    m.electricWh += r.electricWh
    m.outdoorH += r.outdoorH
    m.outdoorHw += r.outdoorHw
    electricByDay.set(r.day, (electricByDay.get(r.day) ?? 0) + r.electricWh)
  }
  for (const [day, wh] of electricByDay) {
    if (wh > 0) (months.get(monthOfDay(day)) as MutableMonth).energyDays++
  }
  return [...months.values()].sort((a, b) => a.month - b.month)
}

/** COP of a month (Σ heat ÷ Σ electricity), or undefined without electricity. */
export function monthCop (m: MonthEnergy): number | undefined {
  return m.electricWh > 0 ? m.heatWh / m.electricWh : undefined
}

/** Heat-weighted outdoor temperature of a month, or undefined when no heat had a temperature. */
export function monthOutdoor (m: MonthEnergy): number | undefined {
  return m.outdoorH > 0 ? m.outdoorHw / m.outdoorH : undefined
}
