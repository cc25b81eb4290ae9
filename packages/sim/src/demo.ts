#!/usr/bin/env node
// `npm run demo`: a server on a fresh temporary data directory, populated by a simulated fleet,
// kept running until Ctrl-C (then stopped and its directory removed).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatSummary } from './cli/command.js'
import { isClimateName } from './climate.js'
import { demoConfigFromProcess } from './config.js'
import { parseFaultSpec } from './faults.js'
import { runSimulation } from './run.js'

const SERVER_ENTRY = fileURLToPath(new URL('../../server/dist/server.js', import.meta.url))
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
const say = (line: string) => process.stdout.write(`${line}\n`)

/** Community and status pages worth opening, shown when the server has them. */
const PAGES = [
  ['/docs', 'API documentation (OpenAPI UI)'],
  ['/api/v1/pool/status', 'data pool status'],
  ['/api/v2/community/models', 'community: models with n and median seasonal COP'],
  ['/api/v1/community/averages?model=AERO%20SLM', 'community averages of one model'],
  ['/api/v2/admin/installations', 'admin: installations and their ledger (admin token)'],
] as const

async function status (url: string, headers: Record<string, string> = {}): Promise<number | null> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) })
    await res.arrayBuffer()
    return res.status
  } catch {
    return null
  }
}

/** Whether the port is free, so that the health check below cannot reach someone else's server. */
function portFree (host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, host, () => probe.close(() => resolve(true)))
  })
}

async function main (): Promise<void> {
  const config = demoConfigFromProcess()
  if (!existsSync(SERVER_ENTRY)) throw new Error(`cannot start the demo: ${SERVER_ENTRY} is not built; run \`npm run build\` first`)
  const climate = config.DEMO_CLIMATE
  if (climate !== 'mixed' && !isClimateName(climate)) throw new Error(`cannot start the demo: DEMO_CLIMATE ${JSON.stringify(climate)} is not continental, maritime, alpine or mixed`)
  const faults = parseFaultSpec(config.DEMO_FAULTS)
  if (config.PORT !== 0 && !await portFree(config.HOST, config.PORT)) throw new Error(`cannot start the demo: port ${config.PORT} is in use; set PORT to another one`)
  if (config.PORT === 0) throw new Error('cannot start the demo on PORT=0: choose a port')

  const dataDir = mkdtempSync(join(tmpdir(), 'heatpool-demo-'))
  const adminToken = randomBytes(24).toString('base64url')
  const base = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`
  // The demo's own server: rate limits far above one client posting a fleet's history.
  const server = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: dataDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      HOST: config.HOST,
      PORT: String(config.PORT),
      DATA_DIR: dataDir,
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
      SQLITE_SYNCHRONOUS: 'normal',
      RATE_LIMIT_PER_MINUTE: '100000',
      RATE_LIMIT_IP_PER_MINUTE: '1000000',
      RATE_LIMIT_REGISTRATIONS_PER_HOUR: '1000000',
    },
  })
  let stopping = false
  const stop = async (code: number) => {
    if (stopping) return
    stopping = true
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM')
      await new Promise((resolve) => server.once('exit', resolve))
    }
    rmSync(dataDir, { recursive: true, force: true })
    process.exit(code)
  }
  server.once('exit', (code, signal) => {
    if (stopping) return
    stopping = true
    // Ctrl-C in a terminal reaches the server too, and it may stop first: that is a normal end.
    const interrupted = signal === 'SIGINT' || signal === 'SIGTERM' || code === 0
    if (!interrupted) process.stderr.write(`the demo server stopped (${code ?? signal}); see its output above\n`)
    rmSync(dataDir, { recursive: true, force: true })
    process.exit(interrupted ? 0 : 1)
  })
  process.once('SIGINT', () => { void stop(0) })
  process.once('SIGTERM', () => { void stop(0) })

  const deadline = Date.now() + 30_000
  while (await status(`${base}/health`) !== 200) {
    if (Date.now() > deadline) {
      process.stderr.write(`cannot start the demo: no answer from ${base}/health within 30 s\n`)
      await stop(1)
    }
    await sleep(100)
  }
  say(`heatpool demo server on ${base} (data in ${dataDir}, removed on exit)`)
  say(`admin token: ${adminToken}`)
  say(`simulating ${config.DEMO_INSTALLATIONS} installations over ${config.DEMO_DAYS} days (every ${config.DEMO_INTERVAL_SECONDS} s)…`)

  const labelsPath = join(dataDir, 'fault-labels.jsonl')
  const summary = await runSimulation({
    target: base,
    targetKind: 'server',
    installations: config.DEMO_INSTALLATIONS,
    days: config.DEMO_DAYS,
    seed: config.DEMO_SEED,
    format: 'v2',
    faults,
    climate,
    intervalS: config.DEMO_INTERVAL_SECONDS,
    speed: 'max',
    labelsPath,
    concurrency: 4,
    batchSize: 500,
    consentVersion: '1',
    adminToken,
    progress: (line) => process.stderr.write(`  ${line}\n`),
  })
  process.stdout.write(formatSummary(summary))

  say('\nWhere to look:')
  for (const [path, what] of PAGES) {
    const headers: Record<string, string> = path.includes('/admin/') ? { authorization: `Bearer ${adminToken}` } : {}
    if (await status(`${base}${path}`, headers) === 404) continue
    say(`  ${`${base}${path}`.padEnd(72)} ${what}`)
  }
  say(`  admin requests: curl -H 'Authorization: Bearer ${adminToken}' ${base}/api/v2/admin/installations`)
  say('\nThe server keeps running; Ctrl-C stops it and removes its data.')
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`)
  process.exit(1)
})
