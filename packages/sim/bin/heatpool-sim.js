#!/usr/bin/env node
// The installed command: a committed shim (npm links bins at install time, before anything is
// built), which runs the compiled entry point or says how to build it.
import { existsSync } from 'node:fs'

const entry = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(entry)) {
  process.stderr.write('cannot run heatpool-sim: it is not built yet; run `npm run build` first\n')
  process.exit(1)
}
await import(entry.href)
