#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { configFromProcess, loadDotEnv } from '../config.js'
import { runMigrateLegacy } from '../legacy/command.js'
import { runVerifyModel } from './verify-model.js'

/**
 * `heatpool-admin`: the operator's command line against a running server (upstream's
 * `manage.py`). `status` and `models` only speak HTTP with the admin token, so they work against
 * a remote server as well as a local one; `migrate-legacy` works on the store and
 * VictoriaMetrics directly, with the server's configuration (legacy/command.ts).
 *
 * Exit codes: 0 done, 1 the server answered an error or could not be reached, 2 usage error.
 */

const USAGE = `Usage: heatpool-admin <command> [options]

Commands:
  status    server status and installations active in the last 30 days (GET /api/v1/status)
  models    community model files (GET /api/v1/models)
  train     train community models now and wait for the result (POST /api/v2/admin/training);
            --model M trains only heat-pump model M ("AERO SLM"); exit 1 when a run failed,
            or when M was asked for and no model was published
  training  the latest training runs and the signing key fingerprint (GET /api/v2/admin/training)
  verify-model FILE [--key K]
            check a model file offline: a signed heatpool bundle against the server's key
            (or --key), an upstream legacy envelope only against an explicit --key
            (see verify-model --help); exit 0 only when valid
  migrate-legacy
            move the upstream server's history from VictoriaMetrics into heatpool
            (runs on the store with the server's configuration; see migrate-legacy --help)

Options:
  --url URL       server base URL (default: $HEATPOOL_URL, else http://127.0.0.1:8000)
  --token TOKEN   admin token (default: $ADMIN_TOKEN; prefer the variable, arguments show in ps)
  --model M       (train) only this heat-pump model
  --json          print the server's JSON answer instead of a summary
  -h, --help      show this help
`

const DEFAULT_URL = 'http://127.0.0.1:8000'
const TIMEOUT_MS = 10_000

/** A training can read a month of a large pool: wait this long for it. */
const TRAIN_TIMEOUT_MS = 60 * 60_000

interface Command {
  readonly path: (options: { model?: string }) => string
  readonly method?: 'POST'
  readonly timeoutMs?: number
  /** `<verb> <object>` of the error message. */
  readonly action: string
  readonly summarise: (body: unknown) => string
  /** Exit code of a 2xx answer (default 0). */
  readonly exitCode?: (body: unknown, options: { model?: string }) => number
}

const COMMANDS: Record<string, Command> = {
  status: { path: () => '/api/v1/status', action: 'get server status', summarise: summariseStatus },
  models: { path: () => '/api/v1/models', action: 'list models', summarise: summariseModels },
  train: {
    path: (o) => `/api/v2/admin/training${o.model === undefined ? '' : `?heatpump_model=${encodeURIComponent(o.model)}`}`,
    method: 'POST',
    timeoutMs: TRAIN_TIMEOUT_MS,
    action: 'train community models',
    summarise: summariseTraining,
    exitCode: trainingExitCode,
  },
  training: { path: () => '/api/v2/admin/training?limit=20', action: 'list training runs', summarise: summariseTraining },
}

class UsageError extends Error {}

interface Io {
  out (text: string): void
  err (text: string): void
}

/** Runs one command; returns the exit code. */
async function main (argv: string[], env: Readonly<Record<string, string | undefined>>, io: Io): Promise<number> {
  let command: Command
  let options: { url: string, token: string, json: boolean, model?: string }
  try {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        json: { type: 'boolean', default: false },
        model: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
    if (parsed.values.help) {
      io.out(USAGE)
      return 0
    }
    const [name, ...rest] = parsed.positionals
    if (name === undefined) throw new UsageError('cannot run heatpool-admin: no command given')
    const found = COMMANDS[name]
    if (found === undefined) throw new UsageError(`cannot run command ${JSON.stringify(name)}: unknown command`)
    if (rest.length > 0) throw new UsageError(`cannot run command ${name}: unexpected argument ${JSON.stringify(rest[0])}`)
    command = found
    const url = parsed.values.url ?? (env.HEATPOOL_URL || DEFAULT_URL)
    if (!/^https?:\/\/[^/]/i.test(url)) throw new UsageError(`cannot use --url ${JSON.stringify(url)}: it must be an http(s) URL`)
    const token = parsed.values.token ?? env.ADMIN_TOKEN ?? ''
    if (token === '') throw new UsageError(`cannot ${command.action}: no admin token, set ADMIN_TOKEN or pass --token`)
    const model = parsed.values.model
    if (model !== undefined && name !== 'train') throw new UsageError(`cannot run command ${name}: --model is an option of train`)
    if (model !== undefined && model.trim() === '') throw new UsageError('cannot train: --model needs a heat-pump model name')
    options = { url: url.replace(/\/+$/, ''), token, json: parsed.values.json, ...(model === undefined ? {} : { model }) }
  } catch (err) {
    const message = err instanceof UsageError ? err.message : `cannot read arguments: ${(err as Error).message}`
    io.err(`${message}\n\n${USAGE}`)
    return 2
  }

  const target = `${options.url}${command.path(options)}`
  let response: Response
  try {
    response = await fetch(target, {
      method: command.method ?? 'GET',
      headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(command.timeoutMs ?? TIMEOUT_MS),
    })
  } catch (err) {
    io.err(`cannot ${command.action}: ${connectionFailure(err, options.url)}\n`)
    return 1
  }
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  if (!response.ok) {
    io.err(`cannot ${command.action}: ${options.url} answered ${response.status}${errorDetail(body, text)}\n`)
    return 1
  }
  if (body === undefined) {
    io.err(`cannot ${command.action}: ${options.url} answered ${response.status} with a body that is not JSON\n`)
    return 1
  }
  io.out(options.json ? `${JSON.stringify(body, null, 2)}\n` : command.summarise(body))
  return command.exitCode?.(body, options) ?? 0
}

/** The cause of a failed fetch in words (undici wraps the socket error as `cause`). */
function connectionFailure (err: unknown, url: string): string {
  const e = err as Error & { cause?: { code?: string, message?: string } }
  if (e.name === 'TimeoutError') return `no answer from ${url} within ${TIMEOUT_MS / 1000} s`
  const cause = e.cause?.code ?? e.cause?.message ?? e.message
  return `cannot connect to ${url} (${cause})`
}

/** ` <detail>` from our `{code, detail}` errors, upstream's `{detail}` or `{status:"error", message}`. */
function errorDetail (body: unknown, text: string): string {
  if (typeof body === 'object' && body !== null) {
    const b = body as { detail?: unknown, message?: unknown, code?: unknown }
    const detail = typeof b.detail === 'string' ? b.detail : typeof b.message === 'string' ? b.message : undefined
    if (detail !== undefined) return `: ${detail}${typeof b.code === 'string' ? ` (${b.code})` : ''}`
  }
  const snippet = text.trim().slice(0, 200)
  return snippet === '' ? '' : `: ${snippet}`
}

function summariseStatus (body: unknown): string {
  const s = body as { status?: unknown, active_installations_30d?: unknown, timestamp?: unknown }
  const time = typeof s.timestamp === 'number' ? new Date(s.timestamp * 1000).toISOString() : 'unknown'
  return [
    `status: ${String(s.status)}`,
    `active installations (30 days): ${String(s.active_installations_30d)}`,
    `server time: ${time}`,
  ].join('\n') + '\n'
}

interface ListedModel {
  readonly name: string
  readonly filename: string
  readonly size_bytes: number
  readonly hash: string
  readonly modified: number
  readonly version?: number
}

function summariseModels (body: unknown): string {
  const list = body as { models?: ListedModel[], total?: number }
  const models = list.models ?? []
  if (models.length === 0) return 'no models\n'
  const rows = models.map((m) => [
    m.filename,
    m.version === undefined ? '' : `v${m.version}`,
    formatBytes(m.size_bytes),
    new Date(m.modified * 1000).toISOString(),
    `sha256:${m.hash.slice(0, 12)}`,
    m.name,
  ])
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length))) ?? []
  const lines = rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] as number))).join('  '))
  const total = list.total ?? models.length
  return `${total} model${total === 1 ? '' : 's'}\n${lines.join('\n')}\n`
}

interface ListedRun {
  readonly id: number
  readonly heatpump_model: string
  readonly trigger: string
  readonly status: string
  readonly started: string
  readonly progress: Record<string, unknown> | null
  readonly summary: {
    readonly samples: number
    readonly windows: number
    readonly installations: number
    readonly duration_ms: number
    readonly features?: string[]
    readonly modes?: Record<string, { windows: number, threshold: number }>
    readonly model?: { name: string, version: number, size_bytes: number, expires: string, encrypted: boolean }
    readonly reason?: string
  } | null
  readonly error: string | null
}

function summariseTraining (body: unknown): string {
  const b = body as { signing_key_fingerprint?: string, training_time?: string, busy?: boolean, runs?: ListedRun[] }
  const lines = [`signing key ${b.signing_key_fingerprint ?? '?'}; daily training ${b.training_time === '' || b.training_time === undefined ? 'off' : `at ${b.training_time} UTC`}${b.busy === true ? '; a training is going' : ''}`]
  const runs = b.runs ?? []
  if (runs.length === 0) lines.push('no training runs')
  for (const r of runs) {
    const s = r.summary
    const head = `#${r.id} ${r.heatpump_model}: ${r.status} (${r.trigger}, ${r.started})`
    if (r.status === 'running') lines.push(`${head} ${JSON.stringify(r.progress ?? {})}`)
    else if (r.status === 'failed') lines.push(`${head}: ${r.error ?? 'no reason recorded'}`)
    else if (s === null) lines.push(head)
    else if (s.model === undefined) lines.push(`${head}: ${s.reason ?? ''}`)
    else {
      const modes = Object.entries(s.modes ?? {}).map(([mode, m]) => `${mode} ${m.windows} windows, threshold ${m.threshold.toFixed(4)}`).join('; ')
      lines.push(`${head}: ${s.model.name} v${s.model.version}, ${formatBytes(s.model.size_bytes)}${s.model.encrypted ? ' encrypted' : ''}, expires ${s.model.expires}`)
      lines.push(`    ${s.samples} samples, ${s.windows} windows from ${s.installations} installations in ${(s.duration_ms / 1000).toFixed(1)} s; ${modes}`)
    }
  }
  return `${lines.join('\n')}\n`
}

/** 1 when a run failed, or when one heat-pump model was asked for and nothing was published. */
function trainingExitCode (body: unknown, options: { model?: string }): number {
  const runs = (body as { runs?: ListedRun[] }).runs ?? []
  if (runs.some((r) => r.status === 'failed')) return 1
  if (options.model !== undefined && !runs.some((r) => r.status === 'succeeded')) return 1
  return 0
}

function formatBytes (n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

// The environment is this program's configuration (HEATPOOL_URL, ADMIN_TOKEN), read once here.
// eslint-disable-next-line no-restricted-syntax
const env = process.env
const io: Io = {
  out: (text) => { process.stdout.write(text) },
  err: (text) => { process.stderr.write(text) },
}
const argv = process.argv.slice(2)

/** verify-model reads the server's configuration (for its key), `.env` included, as the server does. */
async function verifyModel (args: string[]): Promise<number> {
  loadDotEnv()
  return runVerifyModel(args, env, io)
}

process.exitCode = argv[0] === 'migrate-legacy'
  ? await runMigrateLegacy(argv.slice(1), { config: configFromProcess, io })
  : argv[0] === 'verify-model'
    ? await verifyModel(argv.slice(1))
    : await main(argv, env, io)
