import { computed } from 'vue'
import { useI18n } from 'vue-i18n'

/** The page's formats beyond the shared ones (format.ts): days, ISO times, byte sizes. */
export function useMeFormat () {
  const { locale } = useI18n()
  const day = computed(() => new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeZone: 'UTC' }))
  const time = computed(() => new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short' }))
  const kib = computed(() => new Intl.NumberFormat(locale.value, { style: 'unit', unit: 'kilobyte', maximumFractionDigits: 1 }))
  const mib = computed(() => new Intl.NumberFormat(locale.value, { style: 'unit', unit: 'megabyte', maximumFractionDigits: 1 }))
  const bytes = computed(() => new Intl.NumberFormat(locale.value, { style: 'unit', unit: 'byte', maximumFractionDigits: 0 }))
  const decimals = computed(() => new Map<number, Intl.NumberFormat>())
  return {
    /** A number with exactly `digits` decimals in the page's language. */
    decimal: (value: number, digits = 2): string => {
      let nf = decimals.value.get(digits)
      if (nf === undefined) {
        nf = new Intl.NumberFormat(locale.value, { minimumFractionDigits: digits, maximumFractionDigits: digits })
        decimals.value.set(digits, nf)
      }
      return nf.format(value)
    },
    /** A UTC day (`YYYY-MM-DD`) as a date: the ledger counts UTC days. */
    day: (isoDay: string): string => day.value.format(new Date(`${isoDay}T00:00:00Z`)),
    /** An ISO 8601 time in the browser's time zone. */
    time: (iso: string): string => time.value.format(new Date(iso)),
    /** Bytes in B, kB or MB (1024-based, as the outbox cap is given). */
    size: (n: number): string => n < 1024 ? bytes.value.format(n) : n < 1024 * 1024 ? kib.value.format(n / 1024) : mib.value.format(n / 1024 / 1024),
  }
}
