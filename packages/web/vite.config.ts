import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// The server serves dist/ at `/`; `npm run dev` proxies the API to a local server on port 8000.
export default defineConfig({
  plugins: [vue()],
  base: '/',
  define: {
    // vue-i18n's esm-bundler feature flags: Composition API only, no devtools in production.
    __VUE_I18N_FULL_INSTALL__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/api': 'http://localhost:8000' },
  },
})
