import { ref, watchEffect } from 'vue'
import { readStorage, writeStorage } from './i18n'

const STORAGE_KEY = 'heatpool.theme'

function systemPrefersDark (): boolean {
  return typeof window !== 'undefined' && typeof window.matchMedia === 'function' && window.matchMedia('(prefers-color-scheme: dark)').matches
}

function initialDark (): boolean {
  const stored = readStorage(STORAGE_KEY)
  if (stored === 'dark') return true
  if (stored === 'light') return false
  return systemPrefersDark()
}

/** Dark or light for the whole page: the stored choice, else the system's `prefers-color-scheme`. */
export const isDark = ref(initialDark())

watchEffect(() => {
  if (typeof document !== 'undefined') document.documentElement.dataset.theme = isDark.value ? 'dark' : 'light'
})

export function toggleTheme (): void {
  isDark.value = !isDark.value
  writeStorage(STORAGE_KEY, isDark.value ? 'dark' : 'light')
}
