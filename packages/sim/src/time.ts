export const HOUR_MS = 3_600_000
export const DAY_MS = 86_400_000
const YEAR_DAYS = 365.2425

/** Day of the year, fractional, 0 at 1 January 00:00 UTC (drifts < 1 day per century). */
export function dayOfYear (ms: number): number {
  const days = ms / DAY_MS
  return days - Math.floor(days / YEAR_DAYS) * YEAR_DAYS
}

/** Hour of the day, fractional, in local solar time of a site `utcOffsetHours` east of UTC. */
export function hourOfDay (ms: number, utcOffsetHours = 0): number {
  const h = (ms / HOUR_MS + utcOffsetHours) % 24
  return h < 0 ? h + 24 : h
}

export { YEAR_DAYS }
