import { createApp, type Component } from 'vue'
import { createAppI18n, initialLocale } from './i18n'
import PageShell from './components/PageShell.vue'
import './style.css'

/**
 * Mounts one page of the UI in the shared shell (heading, language and theme controls). Each
 * HTML entry (index.html, admin/, me/) calls this with its page.
 */
export function mountPage (page: Component, kind: 'community' | 'admin' | 'me'): void {
  const locale = initialLocale()
  document.documentElement.lang = locale
  createApp(PageShell, { page, kind }).use(createAppI18n(locale)).mount('#app')
}
