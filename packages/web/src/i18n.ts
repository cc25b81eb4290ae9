import { createI18n } from 'vue-i18n'
import adminDe from './locales/admin.de.json'
import adminEn from './locales/admin.en.json'
import de from './locales/de.json'
import en from './locales/en.json'
import meDe from './locales/me.de.json'
import meEn from './locales/me.en.json'

export const LOCALES = ['en', 'de'] as const
export type Locale = typeof LOCALES[number]

/**
 * All messages per language: the shared and community strings (en.json, de.json) and one file
 * per page area (admin.*.json, me.*.json), each under its own top-level key.
 */
export const MESSAGES = {
  en: { ...en, ...adminEn, ...meEn },
  de: { ...de, ...adminDe, ...meDe },
}

const STORAGE_KEY = 'heatpool.locale'

export function isLocale (value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

/** The stored choice, else the browser's language (German for any `de-*`), else English. */
export function initialLocale (): Locale {
  const stored = readStorage(STORAGE_KEY)
  if (isLocale(stored)) return stored
  const preferred = typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language]
  return preferred.some((l) => l.toLowerCase().startsWith('de')) ? 'de' : 'en'
}

export function createAppI18n (locale: Locale = initialLocale()) {
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages: MESSAGES,
  })
}

/** Remembers the choice and keeps `<html lang>` in step (screen readers pick the voice from it). */
export function rememberLocale (locale: Locale): void {
  if (typeof document !== 'undefined') document.documentElement.lang = locale
  writeStorage(STORAGE_KEY, locale)
}

export function readStorage (key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null
  } catch {
    return null // storage disabled (private mode, sandboxed frame)
  }
}

export function writeStorage (key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value)
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}
