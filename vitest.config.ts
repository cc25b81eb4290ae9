import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Tests import workspace packages from source, so `npm test` never runs against a stale build.
const alias = {
  '@heatpool/protocol': fileURLToPath(new URL('./packages/protocol/src/index.ts', import.meta.url)),
}

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'protocol',
          root: './packages/protocol',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'server',
          root: './packages/server',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
