// Real server and agent processes for the cross-process tests: spawned from the built `dist`
// (what `npm start` and `npx heatpool-agent run` run), on loopback only, each tracked so that a
// failing test still kills every child it started and removes every temp dir it made.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { OutboxStats } from '../packages/agent/src/outbox/outbox.js'

export const REPO = fileURLToPath(new URL('../', import.meta.url))
export const SERVER_ENTRY = join(REPO, 'packages/server/dist/server.js')
export const AGENT_ENTRY = join(REPO, 'packages/agent/dist/cli/main.js')
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef'
export const HOST = '127.0.0.1'

const children = new Set<ChildProcess>()
const dirs = new Set<string>()

/** Kills (SIGKILL) every child still running and removes every temp dir: for afterAll and exit. */
export function cleanupAll (): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try { child.kill('SIGKILL') } catch { /* already gone */ }
    }
  }
  children.clear()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  dirs.clear()
}
process.once('exit', cleanupAll)

export function tempDir (prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.add(dir)
  return dir
}

/** A free TCP port on loopback (bound and released). */
export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** One spawned `node <entry>` process. */
export class NodeProcess {
  readonly #child: ChildProcess
  readonly exited: Promise<Exit>
  #output = ''

  private constructor (readonly name: string, child: ChildProcess) {
    this.#child = child
    children.add(child)
    const keep = (chunk: Buffer) => { this.#output = (this.#output + String(chunk)).slice(-20_000) }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      children.delete(child)
      resolve({ code, signal })
    }))
  }

  /** Spawns and waits (at most 20 s) until GET <healthUrl> answers 200. */
  static async start (name: string, args: string[], env: Record<string, string>, healthUrl: string, cwd: string): Promise<NodeProcess> {
    // No inherited environment: a developer's HEATPOOL_* or AGENT_* variables must not leak in.
    const p = new NodeProcess(name, spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] }))
    const deadline = Date.now() + 20_000
    for (;;) {
      if (p.#child.exitCode !== null || p.#child.signalCode !== null) throw new Error(`cannot start ${name}: it exited (${p.#child.exitCode ?? p.#child.signalCode}): ${p.output()}`)
      if ((await httpRequest('GET', healthUrl, undefined, {}, 1000)).status === 200) return p
      if (Date.now() > deadline) {
        p.#child.kill('SIGKILL')
        throw new Error(`cannot start ${name}: no 200 from ${healthUrl} within 20 s: ${p.output()}`)
      }
      await sleep(25)
    }
  }

  get pid (): number {
    return this.#child.pid as number
  }

  get running (): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null
  }

  output (): string {
    return this.#output
  }

  /** `kill -9`: no handler runs, nothing is flushed. */
  async kill9 (): Promise<Exit> {
    if (this.running) this.#child.kill('SIGKILL')
    return this.exited
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop (graceMs = 15_000): Promise<Exit> {
    if (this.running) this.#child.kill('SIGTERM')
    const timer = setTimeout(() => { if (this.running) this.#child.kill('SIGKILL') }, graceMs)
    const exit = await this.exited
    clearTimeout(timer)
    return exit
  }
}

export interface ServerOptions {
  readonly port: number
  readonly dataDir: string
  readonly env?: Record<string, string>
}

/** `node packages/server/dist/server.js` on 127.0.0.1:<port> with its store in `dataDir`. */
export async function startServer (o: ServerOptions): Promise<NodeProcess> {
  const env = {
    HOST,
    PORT: String(o.port),
    DATA_DIR: o.dataDir,
    ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    RETENTION_SCHEDULE: '',
    ...o.env,
  }
  // cwd = the data dir, so a .env in the repository cannot change the server under test.
  return NodeProcess.start('server', [SERVER_ENTRY], env, `http://${HOST}:${o.port}/health`, o.dataDir)
}

export interface AgentOptions {
  readonly port: number
  readonly dataDir: string
  readonly serverUrl: string
  readonly env?: Record<string, string>
}

/** `node packages/agent/dist/cli/main.js run` on 127.0.0.1:<port> with its outbox in `dataDir`. */
export async function startAgent (o: AgentOptions): Promise<NodeProcess> {
  const env = {
    HEATPOOL_SERVER_URL: o.serverUrl,
    AGENT_PORT: String(o.port),
    AGENT_HOST: HOST,
    AGENT_DATA_DIR: o.dataDir,
    AGENT_CONSENT: 'true',
    AGENT_UPLOAD_INTERVAL: '2',
    AGENT_RETRY_MIN_MS: '200',
    AGENT_RETRY_MAX_MS: '2000',
    AGENT_REQUEST_TIMEOUT_MS: '15000',
    AGENT_MODEL_CHECK_INTERVAL: '0',
    AGENT_HEATPUMP_MODEL: 'AERO SLM',
    LOG_LEVEL: 'warn',
    ...o.env,
  }
  return NodeProcess.start('agent', [AGENT_ENTRY, 'run'], env, `http://${HOST}:${o.port}/health`, o.dataDir)
}

export interface HttpAnswer {
  /** null: no answer (connection refused, reset, timeout). */
  readonly status: number | null
  readonly body: string
  /** The network error code when `status` is null (ECONNREFUSED, ECONNRESET, …). */
  readonly error?: string
}

/**
 * One request on a fresh connection (no keep-alive: after a `kill -9` a pooled socket would blur
 * "never sent" and "sent, no answer"). Never rejects.
 */
export function httpRequest (method: string, url: string, body: string | Buffer | undefined, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const u = new URL(url)
    const req = http.request({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method, agent: false, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? null, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ status: null, body: '', error: err.code ?? err.message }))
    })
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })))
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: null, body: '', error: err.code ?? err.message }))
    req.end(body)
  })
}

export async function getJson<T> (url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await httpRequest('GET', url, undefined, headers)
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status ?? res.error} ${res.body.slice(0, 300)}`)
  return JSON.parse(res.body) as T
}

export async function postJson<T> (url: string, body: unknown = undefined): Promise<T> {
  const res = await httpRequest('POST', url, body === undefined ? undefined : JSON.stringify(body), body === undefined ? {} : { 'content-type': 'application/json' })
  if (res.status !== 200) throw new Error(`POST ${url}: ${res.status ?? res.error} ${res.body.slice(0, 300)}`)
  return JSON.parse(res.body) as T
}

/** The agent's GET /api/status (the parts these tests read). */
export interface AgentStatus {
  readonly outbox: OutboxStats
  readonly last_upload: { readonly outcome: string, readonly status: number | null, readonly detail?: string } | null
  readonly uploads: { readonly installationId: string, readonly problem: string | null, readonly attempts: number }[]
  readonly quarantined: { readonly batch: number, readonly status: number | null }[]
}

export const agentStatus = (agentUrl: string) => getJson<AgentStatus>(`${agentUrl}/api/status`)

/**
 * POST /api/flush until the outbox holds nothing outside quarantine, at most `timeoutMs`
 * (a flush skips an installation that is backing off, so one flush is not always enough).
 */
export async function flushUntilEmpty (agentUrl: string, timeoutMs = 60_000): Promise<AgentStatus> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    await httpRequest('POST', `${agentUrl}/api/flush`, undefined, {}, timeoutMs)
    const status = await agentStatus(agentUrl)
    if (status.outbox.records === status.outbox.quarantinedRecords) return status
    if (Date.now() > deadline) throw new Error(`the agent's outbox did not empty within ${timeoutMs} ms: ${JSON.stringify(status)}`)
    await sleep(200)
  }
}
