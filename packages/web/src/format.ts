import { computed } from 'vue'
import { useI18n } from 'vue-i18n'

/** Number and date formats of the current language (Intl: "1.234,5" in German, "1,234.5" in English). */
export function useFormat () {
  const { locale } = useI18n()
  const integerFormat = computed(() => new Intl.NumberFormat(locale.value, { maximumFractionDigits: 0 }))
  const copFormat = computed(() => new Intl.NumberFormat(locale.value, { minimumFractionDigits: 2, maximumFractionDigits: 2 }))
  const compactFormat = computed(() => new Intl.NumberFormat(locale.value, { notation: 'compact', maximumFractionDigits: 1 }))
  const dateFormat = computed(() => new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short' }))
  return {
    integer: (value: number): string => integerFormat.value.format(value),
    cop: (value: number): string => copFormat.value.format(value),
    compact: (value: number): string => compactFormat.value.format(value),
    /** Epoch seconds as a local date and time. */
    dateTime: (epochSeconds: number): string => dateFormat.value.format(new Date(epochSeconds * 1000)),
  }
}
