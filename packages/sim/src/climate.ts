import { hash32, hashNormal } from './random.js'
import { dayOfYear, hourOfDay, HOUR_MS, YEAR_DAYS } from './time.js'

export const CLIMATE_NAMES = ['continental', 'maritime', 'alpine'] as const
export type ClimateName = (typeof CLIMATE_NAMES)[number]

/** Outdoor air temperature of a region, as season + day cycle + weather. */
export interface Climate {
  readonly name: ClimateName
  /** Annual mean, °C. */
  readonly mean: number
  /** Half the difference between the warmest and the coldest month, K. */
  readonly seasonAmplitude: number
  /** Day of the year of the coldest days (mid/late January in central Europe). */
  readonly coldestDay: number
  /** Half the difference between the afternoon maximum and the early-morning minimum, K. */
  readonly dayAmplitude: number
  /** Standard deviation of weather lasting days (fronts, cold spells), K. */
  readonly weatherSd: number
  /** Standard deviation of weather lasting hours (cloud, showers), K. */
  readonly showerSd: number
  /** The standard outdoor design temperature buildings are sized for (EN 12831), °C. */
  readonly designTemp: number
  /** Solar time offset from UTC, h. */
  readonly utcOffsetHours: number
}

/**
 * Loosely after Munich (continental), Amsterdam (maritime) and an Alpine valley at 1,000 m:
 * monthly means from about −1/4/−4 °C in January to 19/17/16 °C in July.
 */
export const CLIMATES: Readonly<Record<ClimateName, Climate>> = {
  continental: { name: 'continental', mean: 9, seasonAmplitude: 10, coldestDay: 20, dayAmplitude: 4, weatherSd: 4, showerSd: 1.2, designTemp: -14, utcOffsetHours: 1 },
  maritime: { name: 'maritime', mean: 10.5, seasonAmplitude: 6.5, coldestDay: 25, dayAmplitude: 3, weatherSd: 3, showerSd: 1, designTemp: -7, utcOffsetHours: 0.5 },
  alpine: { name: 'alpine', mean: 6, seasonAmplitude: 10, coldestDay: 18, dayAmplitude: 5.5, weatherSd: 4.5, showerSd: 1.3, designTemp: -18, utcOffsetHours: 1 },
}

export function isClimateName (name: string): name is ClimateName {
  return (CLIMATE_NAMES as readonly string[]).includes(name)
}

/** Knot spacing of slow weather (fronts) and of short weather (showers). */
const FRONT_MS = 3 * 24 * HOUR_MS
const SHOWER_MS = 8 * HOUR_MS

/**
 * Smooth (cosine) interpolation between hashed normal values at evenly spaced knots: a pure
 * function of time. Keeps the two current knots, which change once per spacing.
 */
class SmoothNoise {
  readonly #key: number
  readonly #spacingMs: number
  #knot = Number.NaN
  #a = 0
  #b = 0

  constructor (spacingMs: number, ...key: readonly (number | string)[]) {
    this.#spacingMs = spacingMs
    this.#key = hash32(...key)
  }

  at (ms: number): number {
    const x = ms / this.#spacingMs
    const k = Math.floor(x)
    if (k !== this.#knot) {
      this.#a = k === this.#knot + 1 ? this.#b : hashNormal(this.#key, k)
      this.#b = hashNormal(this.#key, k + 1)
      this.#knot = k
    }
    const f = (1 - Math.cos(Math.PI * (x - k))) / 2
    return this.#a * (1 - f) + this.#b * f
  }
}

/** Season and day cycle without weather, °C. */
export function normalTemperature (climate: Climate, ms: number): number {
  const season = -climate.seasonAmplitude * Math.cos(2 * Math.PI * (dayOfYear(ms) - climate.coldestDay) / YEAR_DAYS)
  // Warmest at 15:00, coldest at 03:00 solar time.
  const day = climate.dayAmplitude * Math.cos(2 * Math.PI * (hourOfDay(ms, climate.utcOffsetHours) - 15) / 24)
  return climate.mean + season + day
}

/**
 * The outdoor temperature of a region: the same for every home of one climate and seed (a
 * pool's homes share the weather), and a pure function of time, so any sampling interval sees
 * the same weather.
 */
export class Weather {
  readonly climate: Climate
  readonly #fronts: SmoothNoise
  readonly #showers: SmoothNoise

  constructor (climate: Climate, seed: number) {
    this.climate = climate
    this.#fronts = new SmoothNoise(FRONT_MS, seed, climate.name, 'front')
    this.#showers = new SmoothNoise(SHOWER_MS, seed, climate.name, 'shower')
  }

  /** Outdoor temperature at `ms`, °C. */
  temperature (ms: number): number {
    return normalTemperature(this.climate, ms) + this.climate.weatherSd * this.#fronts.at(ms) + this.climate.showerSd * this.#showers.at(ms)
  }
}

/** One reading of a region's outdoor temperature (a fresh Weather; units keep theirs). */
export function outdoorTemperature (climate: Climate, seed: number, ms: number): number {
  return new Weather(climate, seed).temperature(ms)
}

/**
 * Ground (brine) temperature of a ground-source collector at about 1.5 m: the annual mean with
 * a damped season that lags the air by about six weeks.
 */
export function groundTemperature (climate: Climate, ms: number): number {
  return climate.mean - 0.45 * climate.seasonAmplitude * Math.cos(2 * Math.PI * (dayOfYear(ms) - climate.coldestDay - 42) / YEAR_DAYS)
}
