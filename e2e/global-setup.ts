// Builds the server and the agent before the cross-process tests: they run the built `dist`
// (what `npm start` and `npx heatpool-agent run` run), which must not be stale. Incremental, so
// it costs well under a second when `npm test` has just built.
import { execFileSync } from 'node:child_process'
import { REPO } from './processes.js'

export default function setup (): void {
  execFileSync(process.execPath, [`${REPO}node_modules/typescript/bin/tsc`, '-b', 'packages/server', 'packages/agent'], { cwd: REPO, stdio: 'inherit' })
}
