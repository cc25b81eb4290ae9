import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// `npm run test:faults`: the whole fault-injection suite — the short tests CI runs in the e2e
// project and the long seeded run (soak.faults.ts), whose last results are in docs/RELIABILITY.md.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  test: {
    name: 'faults',
    root: here('.'),
    include: ['*.test.ts', '*.faults.ts'],
    globalSetup: [here('../global-setup.ts')],
    fileParallelism: false,
    testTimeout: 3_600_000,
    hookTimeout: 180_000,
  },
})
