import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Tests import workspace packages from source, so `npm test` never runs against a stale build.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const alias = [
  { find: /^@heatpool\/protocol\/catalog$/, replacement: fileURLToPath(new URL('./packages/protocol/src/catalog.ts', import.meta.url)) },
  { find: /^@heatpool\/protocol\/identifiers$/, replacement: fileURLToPath(new URL('./packages/protocol/src/identifiers.ts', import.meta.url)) },
  { find: /^@heatpool\/protocol\/model-manifest$/, replacement: fileURLToPath(new URL('./packages/protocol/src/model-manifest.ts', import.meta.url)) },
  { find: /^@heatpool\/protocol\/legacy-envelope$/, replacement: fileURLToPath(new URL('./packages/protocol/src/legacy-envelope.ts', import.meta.url)) },
  { find: /^@heatpool\/protocol\/normalise$/, replacement: fileURLToPath(new URL('./packages/protocol/src/normalise-submission.ts', import.meta.url)) },
  { find: /^@heatpool\/ml$/, replacement: fileURLToPath(new URL('./packages/ml/src/index.ts', import.meta.url)) },
  { find: /^@heatpool\/protocol$/, replacement: fileURLToPath(new URL('./packages/protocol/src/index.ts', import.meta.url)) },
]

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'protocol',
          root: here('./packages/protocol'),
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'agent',
          root: here('./packages/agent'),
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'server',
          root: here('./packages/server'),
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'sim',
          root: here('./packages/sim'),
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'ml',
          root: here('./packages/ml'),
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        // The web UI's components in happy-dom, with the web package's own Vite config (Vue plugin).
        extends: here('./packages/web/vite.config.ts'),
        test: {
          name: 'web',
          root: here('./packages/web'),
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          environment: 'happy-dom',
          unstubGlobals: true,
        },
      },
      {
        // Real server and agent processes from the built dist, on loopback (e2e/processes.ts).
        test: {
          name: 'e2e',
          root: here('./e2e'),
          include: ['**/*.test.ts'],
          globalSetup: [here('./e2e/global-setup.ts')],
          // One file at a time: each starts several processes and times their behaviour.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
