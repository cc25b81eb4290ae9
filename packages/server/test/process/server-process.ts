import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = fileURLToPath(new URL('../../../../', import.meta.url))
export const SERVER_ENTRY = join(repo, 'packages/server/dist/server.js')

/** Builds the server and the agent once if the test run started without `npm run build`. */
export function ensureBuilt (): void {
  if (!existsSync(SERVER_ENTRY) || !existsSync(join(repo, 'packages/agent/dist/cli/main.js'))) {
    execFileSync('npx', ['tsc', '-b', 'packages/server', 'packages/agent'], { cwd: repo, stdio: 'inherit' })
  }
}

export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

export interface ServerProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** Starts `node dist/server.js` (the same thing `npm start` runs) and waits for /health. */
export async function startServer (env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort()
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', RETENTION_SCHEDULE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout?.on('data', (d) => { out += String(d) })
  child.stderr?.on('data', (d) => { err += String(d) })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`cannot start server: exited ${child.exitCode}: ${err}`)
    try {
      const res = await fetch(`${url}/health`)
      if (res.ok) break
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`cannot start server: no /health within 20 s: ${err}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return { child, url, stdout: () => out, stderr: () => err, exited }
}

export function tempDir (): { path: string, remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'heatpool-proc-'))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}
