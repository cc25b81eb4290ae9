import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const page = (path: string) => fileURLToPath(new URL(path, import.meta.url))

// Three pages: the community pages (index.html) and the admin dashboard (admin/) are served by
// the server, my installation (me/) by the agent at its `/`; `npm run dev` proxies the API to a local server on port 8000.
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
    rollupOptions: {
      input: { community: page('./index.html'), admin: page('./admin/index.html'), me: page('./me/index.html') },
    },
  },
  server: {
    proxy: { '/api': 'http://localhost:8000' },
  },
})
