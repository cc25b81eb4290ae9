import { computed } from 'vue'
import { useI18n } from 'vue-i18n'
import { useFormat } from '../../format'

const UNITS = ['B', 'KiB', 'MiB', 'GiB'] as const

/**
 * The shared number and date formats plus the admin pages' own: UTC days of the ledger, hours
 * of the ingest chart, percentages, file sizes and durations, all per the page's language.
 */
export function useAdminFormat () {
  const { locale } = useI18n()
  const base = useFormat()
  const dayFormat = computed(() => new Intl.DateTimeFormat(locale.value, { day: 'numeric', month: 'short', timeZone: 'UTC' }))
  const fullDayFormat = computed(() => new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeZone: 'UTC' }))
  const hourFormat = computed(() => new Intl.DateTimeFormat(locale.value, { weekday: 'short', hour: '2-digit', minute: '2-digit' }))
  const localDayFormat = computed(() => new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium' }))
  const shortDateTimeFormat = computed(() => new Intl.DateTimeFormat(locale.value, { dateStyle: 'short', timeStyle: 'short' }))
  const percentFormat = computed(() => new Intl.NumberFormat(locale.value, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }))
  const oneDecimal = computed(() => new Intl.NumberFormat(locale.value, { maximumFractionDigits: 1 }))
  return {
    ...base,
    /** A `YYYY-MM-DD` UTC day, short ("27 Nov" / "27. Nov."). */
    day: (isoDay: string): string => dayFormat.value.format(new Date(`${isoDay}T00:00:00Z`)),
    /** A `YYYY-MM-DD` UTC day with its year. */
    fullDay: (isoDay: string): string => fullDayFormat.value.format(new Date(`${isoDay}T00:00:00Z`)),
    /** An ISO date-time as a local weekday and hour, for the last 48 h. */
    hour: (iso: string): string => hourFormat.value.format(new Date(iso)),
    /** An ISO date-time as its local day with the year, for a badge (the title can carry the time). */
    isoDate: (iso: string): string => localDayFormat.value.format(new Date(iso)),
    /** An ISO date-time as a local date and time, short enough for a table cell. */
    isoDateTime: (iso: string): string => shortDateTimeFormat.value.format(new Date(iso)),
    /** A ratio 0…1 as a percentage with one decimal. */
    percent: (ratio: number): string => percentFormat.value.format(ratio),
    /** Bytes in binary units (KiB, MiB …). */
    bytes: (n: number): string => {
      let value = n
      let unit = 0
      while (value >= 1024 && unit < UNITS.length - 1) {
        value /= 1024
        unit += 1
      }
      return `${unit === 0 ? base.integer(value) : oneDecimal.value.format(value)} ${UNITS[unit] ?? 'B'}`
    },
    /** Milliseconds as seconds or minutes ("850 ms", "12.3 s", "4.5 min"). */
    duration: (ms: number): string => {
      if (ms < 1000) return `${base.integer(ms)} ms`
      if (ms < 120_000) return `${oneDecimal.value.format(ms / 1000)} s`
      return `${oneDecimal.value.format(ms / 60_000)} min`
    },
  }
}
