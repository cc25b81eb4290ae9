import { createApp } from 'vue'
import App from './App.vue'
import { createAppI18n, initialLocale } from './i18n'
import './style.css'

const locale = initialLocale()
document.documentElement.lang = locale
createApp(App).use(createAppI18n(locale)).mount('#app')
