import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createTcpServer, type AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ConfigSchema, loadConfig, usesPostgres, victoriaMetricsBaseUrl, type Config } from '../src/config.js'
import { VM_FLAGS } from './engines/victoriametrics.js'
import { build } from './helper.js'

/**
 * The deployment files (Dockerfile, docker-compose.yml, deploy/cluster/) cannot be run here: there
 * is no Docker engine. These checks keep them consistent with the code instead: the environment
 * they give the server loads with the real schema, the VictoriaMetrics flags are the ones the test
 * engine runs with, every VictoriaMetrics path the server calls is routed in the cluster, and the
 * image's HEALTHCHECK command works against a real server.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')
const DEFAULTS = loadConfig({})

// ---------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction { readonly keyword: string, readonly args: string }

/** The Dockerfile's stages as instruction lists (comments dropped, continuation lines joined). */
function dockerStages (text: string): Instruction[][] {
  const logical: string[] = []
  let current = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (current === '' && (line === '' || line.startsWith('#'))) continue
    if (line.startsWith('#')) continue
    current += (current === '' ? '' : ' ') + line.replace(/\\$/, '').trim()
    if (!line.endsWith('\\')) {
      logical.push(current)
      current = ''
    }
  }
  const stages: Instruction[][] = []
  for (const line of logical) {
    const match = /^(\w+)\s+(.*)$/s.exec(line)
    if (match === null) continue
    const instruction = { keyword: (match[1] as string).toUpperCase(), args: match[2] as string }
    if (instruction.keyword === 'FROM') stages.push([])
    stages.at(-1)?.push(instruction)
  }
  return stages
}

function only (stage: Instruction[], keyword: string): string {
  const found = stage.filter((i) => i.keyword === keyword)
  expect(found, `exactly one ${keyword}`).toHaveLength(1)
  return (found[0] as Instruction).args
}

/** `KEY=value KEY2=value2` of ENV instructions. */
function envOf (stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {}
  for (const i of stage.filter((s) => s.keyword === 'ENV')) {
    for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g)) env[m[1] as string] = (m[2] as string).replace(/^"|"$/g, '')
  }
  return env
}

const stages = dockerStages(read('Dockerfile'))
const buildStage = stages[0] as Instruction[]
const runtime = stages.at(-1) as Instruction[]

/** The HEALTHCHECK's exec-form command, exactly as written in the Dockerfile. */
function healthcheckCommand (): string[] {
  const args = only(runtime, 'HEALTHCHECK')
  const json = args.slice(args.indexOf('CMD [') + 'CMD '.length)
  const command = JSON.parse(json) as unknown
  expect(Array.isArray(command) && command.every((a) => typeof a === 'string')).toBe(true)
  return command as string[]
}

describe('Dockerfile', () => {
  it('is multi-stage and builds with the tools and the npm the project uses', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2)
    const run = buildStage.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n')
    for (const tool of ['python3', 'make', 'g++']) expect(run).toContain(` ${tool}`)
    const rootPackage = JSON.parse(read('package.json')) as { packageManager: string }
    expect(run).toContain(`npm install -g ${rootPackage.packageManager}`)
    expect(run).toMatch(/npm ci\b/)
    expect(run).toContain('npm run build')
    expect(run).toContain('npm prune --omit=dev')
  })

  it('runs the server entry file that `npm start` runs, as a non-root user', () => {
    expect(JSON.parse(only(runtime, 'CMD'))).toEqual(['node', 'packages/server/dist/server.js'])
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start
    expect(start).toMatch(/node packages\/server\/dist\/server\.js$/)
    // dist/server.js is compiled from src/server.ts (rootDir src, outDir dist).
    const tsconfig = JSON.parse(read('packages/server/tsconfig.json')) as { compilerOptions: { rootDir: string, outDir: string } }
    expect(tsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' })
    expect(existsSync(join(ROOT, 'packages/server/src/server.ts'))).toBe(true)

    const user = only(runtime, 'USER').split(':')[0]
    expect(user).not.toBe('root')
    expect(user).not.toBe('0')
    expect(only(runtime, 'STOPSIGNAL')).toBe('SIGTERM')
  })

  it('listens on the default PORT and keeps its data in the /data volume', () => {
    const env = envOf(runtime)
    expect(env.PORT).toBe(String(DEFAULTS.PORT))
    expect(only(runtime, 'EXPOSE')).toBe(String(DEFAULTS.PORT))
    expect(env.DATA_DIR).toBe('/data')
    expect(JSON.parse(only(runtime, 'VOLUME'))).toEqual(['/data'])
    // Every key the image sets is a configuration key or NODE_ENV.
    for (const key of Object.keys(env)) expect(key === 'NODE_ENV' || key in ConfigSchema.properties, key).toBe(true)
  })

  it('installs every workspace before `npm ci`, and the runtime holds every workspace package the server imports, and the web UI', () => {
    const copies = (stage: typeof runtime) => stage.filter((i) => i.keyword === 'COPY').map((i) => i.args)
    const root = JSON.parse(read('package.json')) as { workspaces: string[] }
    expect(root.workspaces.sort()).toEqual(readdirSync(join(ROOT, 'packages')).filter((d) => existsSync(join(ROOT, 'packages', d, 'package.json'))).map((d) => `packages/${d}`).sort())
    for (const w of root.workspaces) expect(copies(buildStage), w).toContain(`${w}/package.json ${w}/`)
    // The server's @heatpool dependencies, and theirs.
    const needed = new Set<string>()
    const visit = (pkg: string) => {
      const deps = Object.keys((JSON.parse(read(`packages/${pkg}/package.json`)) as { dependencies?: Record<string, string> }).dependencies ?? {})
      for (const d of deps.filter((x) => x.startsWith('@heatpool/')).map((x) => x.slice('@heatpool/'.length))) {
        if (!needed.has(d)) { needed.add(d); visit(d) }
      }
    }
    visit('server')
    expect([...needed].sort()).toEqual(['ml', 'protocol'])
    for (const d of [...needed, 'server']) {
      expect(copies(runtime), d).toContain(`--from=build /app/packages/${d}/package.json packages/${d}/`)
      expect(copies(runtime), d).toContain(`--from=build /app/packages/${d}/dist packages/${d}/dist`)
    }
    expect(copies(runtime)).toContain('--from=build /app/packages/web/dist packages/web/dist')
  })

  it('keeps secrets, data and build output out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim())
    for (const entry of ['**/node_modules', '**/dist', '.git', '.env', 'data', '*.db']) expect(ignored, entry).toContain(entry)
  })
})

// ---------------------------------------------------------------------------------------------
// The HEALTHCHECK command, run as written

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  while (closers.length > 0) await (closers.pop() as () => Promise<void>)()
})

/** Runs the HEALTHCHECK command with PORT set; resolves to its exit code. */
async function runHealthcheck (port: number): Promise<number> {
  const [program, ...args] = healthcheckCommand()
  expect(program).toBe('node')
  return new Promise((resolve) => {
    const child = execFile(process.execPath, args, { env: { PATH: process.env.PATH ?? '', PORT: String(port) }, timeout: 20_000 }, () => {})
    child.once('exit', (code) => { resolve(code ?? -1) })
  })
}

async function freePort (): Promise<number> {
  const server = createTcpServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('the image HEALTHCHECK', () => {
  it('exits 0 against a running server', async () => {
    const { app } = await build()
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    expect(await runHealthcheck(port)).toBe(0)
  })

  it('exits non-zero when nothing listens on PORT', async () => {
    expect(await runHealthcheck(await freePort())).not.toBe(0)
  })

  it('exits non-zero when /health does not answer 2xx', async () => {
    const server = createHttpServer((_req, res) => { res.writeHead(503).end() })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    closers.push(() => new Promise((resolve) => { server.close(() => { resolve() }) }))
    expect(await runHealthcheck((server.address() as AddressInfo).port)).not.toBe(0)
  })
})

// ---------------------------------------------------------------------------------------------
// Compose files

interface Service {
  readonly image?: string
  readonly build?: { context: string, dockerfile?: string }
  readonly command?: string[]
  readonly environment?: Record<string, string | number | boolean>
  readonly ports?: unknown[]
  readonly networks?: string[]
  readonly volumes?: string[]
  readonly profiles?: string[]
  readonly healthcheck?: { test: string[] }
  readonly depends_on?: Record<string, { condition: string }>
  readonly stop_grace_period?: string
}
interface Compose {
  readonly services: Record<string, Service>
  readonly networks: Record<string, { internal?: boolean } | null>
}

/** Compose's variable substitution: `${X}`, `${X:-default}`, `${X-default}`, `${X:?error}`. */
function interpolate (text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (_m, name: string, op: string | undefined, arg: string | undefined) => {
    const value = vars[name]
    const unset = op?.startsWith(':') === true ? value === undefined || value === '' : value === undefined
    if (op?.endsWith('?') === true && unset) throw new Error(`${name} is required: ${arg ?? ''}`)
    if (op?.endsWith('-') === true && unset) return arg ?? ''
    return value ?? ''
  })
}

const REQUIRED_VARS = { POSTGRES_PASSWORD: 'test-password' }

function loadCompose (path: string, vars: Record<string, string> = {}): Compose {
  return parse(interpolate(read(path), { ...REQUIRED_VARS, ...vars }), { merge: true }) as Compose
}

function serverEnv (service: Service): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]))
}

/** The value of `-name=value` in a command, or undefined. */
function flag (service: Service, name: string): string | undefined {
  const found = (service.command ?? []).find((a) => a.startsWith(`${name}=`))
  return found?.slice(name.length + 1)
}

const flagName = (f: string): string => f.slice(0, f.indexOf('='))
/** The test engine's flags that describe behaviour (its log level is test noise). */
const VM_BEHAVIOUR_FLAGS = VM_FLAGS.filter((f) => flagName(f) !== '-loggerLevel')
const DEDUP = VM_FLAGS.find((f) => f.startsWith('-dedup.minScrapeInterval=')) as string

function listenPort (service: Service, fallback: number): number {
  const addr = flag(service, '-httpListenAddr')
  return addr === undefined ? fallback : Number(addr.slice(addr.lastIndexOf(':') + 1))
}

/** Checks shared by both compose files (`dir`: the compose file's directory); returns the server's configuration. */
function checkServer (compose: Compose, name: string, dir: string): Config {
  const server = compose.services[name] as Service
  const env = serverEnv(server)
  for (const key of Object.keys(env)) expect(key in ConfigSchema.properties, `${name} sets ${key}, which is no configuration key`).toBe(true)
  const config = loadConfig(env)
  expect(config.SAMPLE_STORE).toBe('victoriametrics')
  expect(usesPostgres(config)).toBe(true)
  expect(config.REDIS_URL).not.toBe('')

  const database = new URL(config.DATABASE_URL)
  expect(compose.services).toHaveProperty(database.hostname)
  expect(database.port).toBe('5432')
  expect(compose.services).toHaveProperty(new URL(config.REDIS_URL).hostname)

  // The server waits for healthy engines, and each of them has a healthcheck.
  const dependencies = Object.entries(server.depends_on ?? {})
  expect(dependencies.length).toBeGreaterThan(0)
  for (const [dependency, { condition }] of dependencies) {
    expect(condition).toBe('service_healthy')
    expect(compose.services[dependency]?.healthcheck, `${dependency} has a healthcheck`).toBeDefined()
  }
  // Docker waits longer than the server's own shutdown grace before killing it.
  expect(Number.parseFloat(server.stop_grace_period ?? '10s') * 1000).toBeGreaterThan(config.SHUTDOWN_GRACE_MS)
  expect(server.networks).toContain('public')
  expect(server.networks).toContain('internal')
  // The image is built from this repository's Dockerfile.
  expect(resolve(ROOT, dir, server.build?.context ?? '')).toBe(resolve(ROOT))
  expect(server.build?.dockerfile ?? 'Dockerfile').toBe('Dockerfile')
  return config
}

/** Every service except the server(s) is unpublished and only on the internal network. */
function checkEnginesInternal (compose: Compose): void {
  expect(compose.networks.internal?.internal).toBe(true)
  for (const [name, service] of Object.entries(compose.services)) {
    if (name.startsWith('server')) continue
    expect(service.ports, `${name} publishes no port`).toBeUndefined()
    expect(service.networks, `${name} networks`).toEqual(['internal'])
  }
}

describe('docker-compose.yml (single-node VictoriaMetrics)', () => {
  const compose = loadCompose('docker-compose.yml')

  it('gives the server an environment the configuration schema accepts', () => {
    const config = checkServer(compose, 'server', '.')
    const vm = new URL(victoriaMetricsBaseUrl(config))
    expect(vm.hostname).toBe('victoriametrics')
    expect(Number(vm.port)).toBe(listenPort(compose.services.victoriametrics as Service, 8428))
  })

  it('runs VictoriaMetrics with the flags the tests use and RETENTION_DAYS as its retention', () => {
    const vm = compose.services.victoriametrics as Service
    expect(vm.command).toContain(DEDUP)
    for (const f of VM_BEHAVIOUR_FLAGS) expect(flag(vm, flagName(f)), `${flagName(f)} is set`).toBeDefined()
    for (const days of [undefined, '90']) {
      const c = loadCompose('docker-compose.yml', days === undefined ? {} : { HEATPOOL_RETENTION_DAYS: days })
      const retention = loadConfig(serverEnv(c.services.server as Service)).RETENTION_DAYS
      expect(retention).toBe(days === undefined ? DEFAULTS.RETENTION_DAYS : 90)
      expect(flag(c.services.victoriametrics as Service, '-retentionPeriod')).toBe(`${retention}d`)
    }
  })

  it('publishes only the server; the engines stay on the internal network', () => {
    checkEnginesInternal(compose)
    expect(compose.services.server?.ports?.length).toBe(1)
  })

  it('offers a second replica with the same environment, sharing rate limits through Redis, that leaves training to the first', () => {
    const second = compose.services['server-2'] as Service
    expect(second.profiles).toEqual(['replicas'])
    const { TRAINING_TIME, RUN_ON_STARTUP, ...rest } = serverEnv(second)
    expect({ TRAINING_TIME, RUN_ON_STARTUP }).toEqual({ TRAINING_TIME: '', RUN_ON_STARTUP: 'false' })
    expect(rest).toEqual(serverEnv(compose.services.server as Service))
    expect(serverEnv(compose.services.server as Service)).not.toHaveProperty('TRAINING_TIME')
    checkServer(compose, 'server-2', '.')
  })

  it('refuses to start without a database password', () => {
    expect(() => parse(interpolate(read('docker-compose.yml'), {}))).toThrow(/POSTGRES_PASSWORD/)
  })
})

// ---------------------------------------------------------------------------------------------
// Cluster variant

interface UrlMap { readonly src_paths: string[], readonly url_prefix: string | string[] }
interface VmAuth { readonly unauthorized_user: { readonly url_map: UrlMap[] } }

/** The backend URLs vmauth may send `path` to (first url_map entry whose src_paths match the whole path). */
function route (auth: VmAuth, path: string): string[] {
  for (const entry of auth.unauthorized_user.url_map) {
    if (entry.src_paths.some((p) => new RegExp(`^(?:${p})$`).test(path))) {
      const prefixes = Array.isArray(entry.url_prefix) ? entry.url_prefix : [entry.url_prefix]
      return prefixes.map((prefix) => prefix.replace(/\/$/, '') + path)
    }
  }
  return []
}

/** Every path the server's VictoriaMetrics client requests, read from its source. */
function clientPaths (): string[] {
  const dir = join(ROOT, 'packages/server/src/store/victoriametrics')
  const paths = new Set<string>()
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  // Path constants (`export const IMPORT_PATH = '/api/v1/import'`) count as literals.
  const constants = new Map<string, string>()
  for (const file of files) {
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/export const ([A-Z_]+_PATH) = '([^'?]+)/g)) constants.set(m[1] as string, m[2] as string)
  }
  for (const file of files) {
    const source = readFileSync(join(dir, file), 'utf8')
    const calls = [...source.matchAll(/#client\.(?:get|post|form)\(/g)].length
    const literal = [...source.matchAll(/#client\.(?:get|post|form)\(\s*(?:'([^'?]+)|([A-Z_]+_PATH)\b)/g)]
      .map((m) => m[1] ?? constants.get(m[2] as string))
      .filter((p): p is string => p !== undefined)
    expect(literal.length, `${file}: every VictoriaMetrics request path is a string literal`).toBe(calls)
    for (const p of literal) paths.add(p)
  }
  return [...paths].sort()
}

describe('deploy/cluster (VictoriaMetrics cluster behind vmauth)', () => {
  const compose = loadCompose('deploy/cluster/docker-compose.cluster.yml')
  const auth = parse(read('deploy/cluster/vmauth.yml')) as VmAuth
  const services = compose.services
  const storageNodes = Object.keys(services).filter((n) => services[n]?.image?.startsWith('victoriametrics/vmstorage:') === true)

  it('gives the server an environment the configuration schema accepts, pointing at vmauth', () => {
    const config = checkServer(compose, 'server', 'deploy/cluster')
    const vm = new URL(victoriaMetricsBaseUrl(config))
    expect(vm.hostname).toBe('vmauth')
    expect(Number(vm.port)).toBe(listenPort(services.vmauth as Service, 8427))
    const mounted = (services.vmauth?.volumes ?? []).find((v) => v.startsWith('./vmauth.yml:'))
    expect(mounted?.split(':')[1]).toBe(flag(services.vmauth as Service, '-auth.config'))
    // vmauth's own /health and /metrics must not shadow the routes below.
    expect(flag(services.vmauth as Service, '-httpInternalListenAddr')).toBeDefined()
    checkEnginesInternal(compose)
  })

  it('deduplicates on vmstorage and vmselect like the test engine, and keeps RETENTION_DAYS', () => {
    const retention = loadConfig(serverEnv(services.server as Service)).RETENTION_DAYS
    expect(storageNodes.length).toBeGreaterThanOrEqual(2)
    for (const name of storageNodes) {
      expect(services[name]?.command).toContain(DEDUP)
      expect(flag(services[name] as Service, '-retentionPeriod')).toBe(`${retention}d`)
    }
    expect(services.vmselect?.command).toContain(DEDUP)
    // Every sample on every node: a force_flush of any one node makes it visible (docs/DEPLOYMENT.md).
    expect(flag(services.vminsert as Service, '-replicationFactor')).toBe(String(storageNodes.length))
  })

  it('routes every path the server calls to the cluster component that serves it', () => {
    const paths = clientPaths()
    expect(paths).toContain('/api/v1/import')
    const expected: Record<string, (url: string) => boolean> = {
      '/write': (u) => u === 'http://vminsert:8480/insert/0/influx/write',
      '/api/v1/import': (u) => u === 'http://vminsert:8480/insert/0/prometheus/api/v1/import',
      '/api/v1/export': (u) => u === 'http://vmselect:8481/select/0/prometheus/api/v1/export',
      '/api/v1/admin/tsdb/delete_series': (u) => u === 'http://vmselect:8481/delete/0/prometheus/api/v1/admin/tsdb/delete_series',
      '/internal/force_flush': (u) => storageNodes.some((n) => u === `http://${n}:8482/internal/force_flush`),
      '/health': (u) => u === 'http://vminsert:8480/health' || u === 'http://vmselect:8481/health',
      '/metrics': (u) => storageNodes.some((n) => u === `http://${n}:8482/metrics`),
    }
    for (const path of paths) {
      const check = expected[path]
      expect(check, `the server calls ${path}: route it in deploy/cluster/vmauth.yml, then add it here`).toBeDefined()
      const targets = route(auth, path)
      expect(targets.length, `${path} is routed`).toBeGreaterThan(0)
      for (const target of targets) expect(check?.(target), `${path} -> ${target}`).toBe(true)
      for (const target of targets) expect(services).toHaveProperty(new URL(target).hostname)
    }
    // force_flush reaches every vmstorage node across calls.
    expect(route(auth, '/internal/force_flush').sort()).toEqual(storageNodes.map((n) => `http://${n}:8482/internal/force_flush`).sort())
  })
})
