#!/usr/bin/env -S node --max-semi-space-size=1
// A 1 MiB young generation (Node 20 defaults to 16) keeps the long-running agent about 18 MB
// smaller (docs/BENCHMARKS.md, agent).
// The installed command: a committed shim (npm links bins at install time, before anything is
// built), which runs the compiled entry point or says how to build it.
import { existsSync } from 'node:fs'

const entry = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(entry)) {
  process.stderr.write('cannot run heatpool-agent: it is not built yet; run `npm run build` (or `npm start`) first\n')
  process.exit(1)
}
await import(entry.href)
