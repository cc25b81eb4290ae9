#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072 MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=1 --expose-gc
// Memory settings of the long-running agent (docs/BENCHMARKS.md, "Agent"; the bench starts the
// agent with exactly this line): a 1 MiB young generation (Node 20 defaults to 16); gc() exposed
// so that the agent collects once after each burst of work (src/idle-gc.ts) instead of holding
// the grown heap until V8's memory reducer runs; glibc malloc with two arenas and fixed
// mmap/trim thresholds, so that freed request and upload buffers go back to the OS (the
// default dynamic threshold keeps them in the heap after the first large free).
// The installed command: a committed shim (npm links bins at install time, before anything is
// built), which runs the compiled entry point or says how to build it.
import { existsSync } from 'node:fs'

const entry = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(entry)) {
  process.stderr.write('cannot run heatpool-agent: it is not built yet; run `npm run build` (or `npm start`) first\n')
  process.exit(1)
}
await import(entry.href)
