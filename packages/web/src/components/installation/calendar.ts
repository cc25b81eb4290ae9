import type { LedgerDay } from '../../me-api'

export type DayState = 'counted' | 'partial' | 'none'

export interface CalendarDay {
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string
  readonly state: DayState
  /** On-time samples of that day (0 when none arrived). */
  readonly samples: number
  /** Day of the week, 0 = Monday … 6 = Sunday (the calendar's row). */
  readonly weekday: number
}

const DAY_MS = 86_400_000

export function utcDay (ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/**
 * The last `span` UTC days up to `today`, oldest first, each marked as a contribution day
 * (`counted`), a day with samples that did not count (`partial`: too few, or too late), or a day
 * without any. The server lists only days with stored samples; every other day is `none`.
 */
export function calendarDays (recent: readonly LedgerDay[], today: string, span = 60): CalendarDay[] {
  const byDay = new Map(recent.map((d) => [d.day, d]))
  const end = Date.parse(`${today}T00:00:00Z`)
  const days: CalendarDay[] = []
  for (let i = span - 1; i >= 0; i--) {
    const ms = end - i * DAY_MS
    const day = utcDay(ms)
    const ledger = byDay.get(day)
    const state: DayState = ledger === undefined ? 'none' : ledger.counted ? 'counted' : ledger.stored > 0 ? 'partial' : 'none'
    days.push({ day, state, samples: ledger?.samples ?? 0, weekday: (new Date(ms).getUTCDay() + 6) % 7 })
  }
  return days
}
