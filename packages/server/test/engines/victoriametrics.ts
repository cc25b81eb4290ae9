import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll } from 'vitest'

/**
 * VictoriaMetrics for tests: Debian's `victoria-metrics` binary (found on PATH or as
 * `HEATPOOL_TEST_VM_BINARY`), started on a free loopback port with a temporary data directory and
 * the flags heatpool documents (`-dedup.minScrapeInterval=1ms`). Processes a test file started
 * are killed and their directories removed in an `afterAll` of that file.
 *
 * When the binary is missing the result is undefined (tests skip), unless
 * `HEATPOOL_REQUIRE_ENGINES=1` (CI): then it throws, because a missing engine must fail CI.
 */
export const VM_FLAGS = ['-dedup.minScrapeInterval=1ms', '-retentionPeriod=100y', '-loggerLevel=ERROR']

export function victoriaMetricsBinary (): string | undefined {
  const explicit = process.env.HEATPOOL_TEST_VM_BINARY
  if (explicit !== undefined && explicit !== '') return explicit
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/bin', '/usr/local/bin'])) {
    const candidate = join(dir, 'victoria-metrics')
    if (dir !== '' && existsSync(candidate)) return candidate
  }
  return undefined
}

export class VictoriaMetricsProcess {
  #child: ChildProcess | undefined
  #exited: Promise<void> = Promise.resolve()

  constructor (readonly binary: string, readonly port: number, readonly dataDir: string) {}

  get url (): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Starts (or restarts, on the same port and data) and waits until `/health` answers. */
  async start (): Promise<void> {
    const child = spawn(this.binary, [`-storageDataPath=${this.dataDir}`, `-httpListenAddr=127.0.0.1:${this.port}`, ...VM_FLAGS], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000) })
    this.#child = child
    this.#exited = new Promise((resolve) => child.once('exit', () => { resolve() }))
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`victoria-metrics exited with ${child.exitCode}: ${stderr}`)
      try {
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1000) })
        if (res.ok) return
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`victoria-metrics did not answer /health within 20 s: ${stderr}`)
  }

  /** SIGKILL: no flush, like a crash or power loss. */
  async kill (): Promise<void> {
    this.#child?.kill('SIGKILL')
    await this.#exited
  }

  /** SIGTERM: a clean shutdown. */
  async stop (): Promise<void> {
    this.#child?.kill('SIGTERM')
    await this.#exited
  }
}

const started: VictoriaMetricsProcess[] = []
afterAll(async () => {
  for (const vm of started.splice(0)) {
    await vm.kill()
    rmSync(vm.dataDir, { recursive: true, force: true })
  }
})

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A fresh VictoriaMetrics process; undefined when the binary is missing and not required. */
export async function startVictoriaMetrics (): Promise<VictoriaMetricsProcess | undefined> {
  const binary = victoriaMetricsBinary()
  if (binary === undefined) {
    if (process.env.HEATPOOL_REQUIRE_ENGINES === '1') {
      throw new Error('HEATPOOL_REQUIRE_ENGINES=1 but victoria-metrics is not installed (apt-get install victoria-metrics, or set HEATPOOL_TEST_VM_BINARY)')
    }
    return undefined
  }
  const vm = new VictoriaMetricsProcess(binary, await freePort(), mkdtempSync(join(tmpdir(), 'heatpool-vm-')))
  started.push(vm)
  await vm.start()
  return vm
}
