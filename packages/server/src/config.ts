import { existsSync } from 'node:fs'
import Type, { type Static } from 'typebox'
import { ConfigurationError, readConfiguration } from '@heatpool/protocol'
import { payloadKeyFrom } from '@heatpool/protocol/model-manifest'

/**
 * The server's one configuration schema. Every key is an environment variable with a default
 * and help text; the upstream server's names (`AUTH_TOKEN`, …) keep their meaning.
 * `.env.example` and the README table list the same keys (a test checks both).
 */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000, description: 'TCP port to listen on' }),
  HOST: Type.String({ default: '0.0.0.0', description: 'Address to listen on' }),
  DATA_DIR: Type.String({ minLength: 1, default: './data', description: 'Directory of the embedded SQLite store (heatpool.db)' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info', description: 'pino log level' }),
  AUTH_TOKEN: Type.String({ default: '', description: 'Upstream shared bearer token accepted from legacy loggers; empty = shared-token mode off (not "open")' }),
  LEGACY_OPEN_INGEST: Type.Boolean({ default: false, description: 'Accept submissions without any token for unregistered installations (upstream loggers that send no token)' }),
  ADMIN_TOKEN: Type.String({ default: '', description: 'Admin bearer token; when empty, one is generated on first start, printed once and kept hashed in the store' }),
  TRUST_PROXY: Type.String({ default: '', description: 'Trust X-Forwarded-For from these proxies: "true", a hop count, or a comma-separated list of addresses/CIDRs; empty = trust none' }),
  BODY_LIMIT_MB: Type.Number({ exclusiveMinimum: 0, maximum: 256, default: 16, description: 'Largest accepted request body in MiB, after gzip decompression' }),
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 120_000, description: 'A request whose head and body have not fully arrived after this long is closed with 408 (slow or stalled uploads, slowloris)' }),
  RETENTION_DAYS: Type.Integer({ minimum: 1, default: 365, description: 'Raw samples older than this many days are dropped at ingest and deleted by the retention job' }),
  FUTURE_TOLERANCE_SECONDS: Type.Integer({ minimum: 0, default: 3600, description: 'Samples timestamped further than this in the future are dropped' }),
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 120, description: 'Submissions per minute per installation' }),
  RATE_LIMIT_IP_PER_MINUTE: Type.Integer({ minimum: 1, default: 600, description: 'Requests per minute per client address, before authentication' }),
  RATE_LIMIT_REGISTRATIONS_PER_HOUR: Type.Integer({ minimum: 1, default: 100, description: 'Registrations (and token rotations) per hour per client address, which bounds how many fake installations one address can create' }),
  RATE_LIMIT_MAX_KEYS: Type.Integer({ minimum: 100, default: 10_000, description: 'Most keys each rate limiter remembers (least recently used are forgotten), bounding its memory' }),
  IDEMPOTENCY_TTL_HOURS: Type.Integer({ minimum: 1, default: 168, description: 'How long a submit response is kept for replay to a retried batch' }),
  MAX_HEAT_PUMPS_PER_INSTALLATION: Type.Integer({ minimum: 1, maximum: 1000, default: 8, description: 'Most heat pumps one installation may create; entries for further new heat pumps are dropped and counted' }),
  CONTRIBUTION_MIN_SAMPLES: Type.Integer({ minimum: 1, default: 100, description: 'Valid samples in a UTC day (received by the end of the day after next) that make it a contribution day' }),
  CONTRIBUTION_GRACE_DAYS: Type.Integer({ minimum: 0, default: 2, description: 'Samples of day D count towards D only when received before the end of day D + this' }),
  ELIGIBILITY_DAYS: Type.Integer({ minimum: 1, default: 30, description: 'Contribution days an installation needs before it may download community models' }),
  ELIGIBILITY_RECENT_DAYS: Type.Integer({ minimum: 1, default: 30, description: 'An eligible installation stays eligible while its latest contribution day is at most this many days ago' }),
  MIN_INSTALLATIONS: Type.Integer({ minimum: 1, default: 5, description: 'Upstream meaning: installations active in the last 30 days before the data pool counts as sufficient' }),
  MIN_DATA_POINTS: Type.Integer({ minimum: 0, default: 10_000, description: 'Upstream meaning: samples in the last 30 days before the data pool counts as sufficient' }),
  K_ANONYMITY: Type.Integer({ minimum: 3, default: 5, description: 'No community figure is published over fewer distinct installations than this' }),
  MODEL_DIR: Type.String({ default: '', description: 'Directory of the community model files (*.enc); empty = <DATA_DIR>/models' }),
  MODEL_SIGNING_KEY: Type.String({ default: '', description: 'Ed25519 private key (PKCS#8 PEM) that signs community models; empty = the key file' }),
  MODEL_SIGNING_KEY_FILE: Type.String({ default: '', description: 'File of the model signing key, created (mode 0600) on first start; empty = <DATA_DIR>/keys/model-signing.pem' }),
  MODEL_ENCRYPTION_KEY: Type.String({ default: '', description: 'AES-256 key (32 bytes, base64 or hex) that encrypts trained model payloads; agents need the same key; empty = payloads in the clear (still signed)' }),
  MODEL_EXPIRY_DAYS: Type.Integer({ minimum: 1, default: 30, description: 'A trained model\'s manifest expires this many days after training; agents stop using expired models' }),
  TRAINING_TIME: Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9])?$', default: '03:00', description: 'Upstream meaning: daily community-model training at this UTC time (HH:MM); empty disables the schedule' }),
  RUN_ON_STARTUP: Type.Boolean({ default: false, description: 'Upstream meaning: also train once when the server starts' }),
  TARGET_MODELS: Type.String({ default: '', description: 'Upstream meaning: comma-separated heat-pump models to train; empty = every model with enough data' }),
  TRAINING_LOOKBACK_DAYS: Type.Integer({ minimum: 1, default: 30, description: 'Days of samples a training reads (upstream: 30)' }),
  TRAINING_MIN_INSTALLATIONS: Type.Integer({ minimum: 1, default: 3, description: 'Installations a heat-pump model needs before it is trained (upstream: 3); never fewer than K_ANONYMITY' }),
  TRAINING_MIN_DATA_POINTS: Type.Integer({ minimum: 1, default: 5000, description: 'Samples a heat-pump model needs in the lookback before it is trained (upstream: 5000)' }),
  ROLLUP_MAX_GAP_SECONDS: Type.Integer({ minimum: 1, default: 900, description: 'Power is integrated and running time counted only between samples at most this far apart' }),
  PUBLIC_CACHE_SECONDS: Type.Integer({ minimum: 0, default: 10, description: 'How long pool status and community averages are served from memory before being recomputed' }),
  DOCS_ENABLED: Type.Boolean({ default: true, description: 'Serve the OpenAPI document and UI at /docs' }),
  DATABASE_URL: Type.String({ default: '', description: 'A postgres:// URL selects PostgreSQL for installations, tokens, ledger, rollups and models; empty = SQLite under DATA_DIR' }),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 10, description: 'Most PostgreSQL connections this process opens' }),
  SAMPLE_STORE: Type.Union([Type.Literal('sqlite'), Type.Literal('victoriametrics')], { default: 'sqlite', description: 'Where raw samples go: sqlite (the embedded store; needs DATABASE_URL empty) or victoriametrics (VM_URL)' }),
  VM_URL: Type.String({ default: '', description: 'VictoriaMetrics base URL (http://host:8428); empty = derived from VM_WRITE_URL or VM_QUERY_URL' }),
  VM_WRITE_URL: Type.String({ default: '', description: 'Upstream name: VictoriaMetrics write URL (…/write); only its base URL is used' }),
  VM_QUERY_URL: Type.String({ default: '', description: 'Upstream name: VictoriaMetrics query URL (…/api/v1/query); only its base URL is used' }),
  VM_POOL: Type.String({ pattern: '^[A-Za-z0-9_-]{0,64}$', default: '', description: 'When set, every series carries pool="<this>" and reads and erasure see only it, so several heatpool deployments (or test runs) can share one VictoriaMetrics' }),
  VM_REPLAY_SECONDS: Type.Integer({ minimum: 0, default: 30, description: 'Each batch written to VictoriaMetrics is also kept this long in the relational store and re-sent if VictoriaMetrics restarts before flushing it to disk; 0 = trust VictoriaMetrics' }),
  VM_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000, description: 'A VictoriaMetrics request slower than this fails; ingest then answers 503 with Retry-After' }),
  REDIS_URL: Type.String({ default: '', description: 'redis:// URL of a Redis shared by all server replicas for rate limits; empty = limits kept in this process' }),
  SQLITE_SYNCHRONOUS: Type.Union([Type.Literal('full'), Type.Literal('normal')], { default: 'full', description: 'SQLite synchronous mode: full survives power loss, normal survives process crashes only' }),
  RETENTION_SCHEDULE: Type.String({ default: '17 * * * *', description: 'Cron pattern (UTC) of the retention job; empty disables it' }),
  BADGES_SCHEDULE: Type.String({ default: '23 3 * * *', description: 'Cron pattern (UTC) of the daily badge computation (docs/BADGES.md); empty disables it' }),
  SHUTDOWN_GRACE_MS: Type.Integer({ minimum: 0, default: 10_000, description: 'On SIGTERM/SIGINT, time allowed for in-flight requests to finish' }),
}, { additionalProperties: false })

export type Config = Static<typeof ConfigSchema>

export { ConfigurationError as ConfigError } from '@heatpool/protocol'

/**
 * Reads the configuration from `env` (unknown variables are ignored), converts strings to their
 * types, applies defaults and validates. Throws `ConfigError` listing every bad key: a server
 * with a bad configuration must not start.
 */
export function loadConfig (env: Readonly<Record<string, string | undefined>>): Config {
  const config = readConfiguration(ConfigSchema, [env], 'configuration')
  const problems = storeProblems(config)
  if (problems.length > 0) throw new ConfigurationError(`invalid configuration: ${problems.join('; ')}`)
  return config
}

/** Whether the DATABASE_URL selects PostgreSQL (`postgres://` or `postgresql://`). */
export function usesPostgres (config: Pick<Config, 'DATABASE_URL'>): boolean {
  return config.DATABASE_URL !== ''
}

/**
 * VictoriaMetrics' base URL from `VM_URL`, or from the upstream `VM_WRITE_URL` / `VM_QUERY_URL`
 * (their path is dropped: `http://vm:8428/write` → `http://vm:8428`); '' when none is set.
 */
export function victoriaMetricsBaseUrl (config: Pick<Config, 'VM_URL' | 'VM_WRITE_URL' | 'VM_QUERY_URL'>): string {
  const raw = [config.VM_URL, config.VM_WRITE_URL, config.VM_QUERY_URL].find((u) => u.trim() !== '')
  if (raw === undefined) return ''
  const url = new URL(raw.trim())
  if (config.VM_URL.trim() !== '') return url.href.replace(/\/+$/, '')
  return url.origin
}

/** Combinations of store keys that cannot work, as messages naming the keys. */
function storeProblems (config: Config): string[] {
  const problems: string[] = []
  if (config.DATABASE_URL !== '' && !/^postgres(ql)?:\/\//i.test(config.DATABASE_URL)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL, or empty for SQLite')
  }
  if (config.SAMPLE_STORE === 'sqlite' && config.DATABASE_URL !== '') {
    problems.push('SAMPLE_STORE=sqlite keeps samples in the embedded store, which DATABASE_URL replaces: set SAMPLE_STORE=victoriametrics')
  }
  for (const key of ['VM_URL', 'VM_WRITE_URL', 'VM_QUERY_URL'] as const) {
    const value = config[key].trim()
    if (value !== '' && !URL.canParse(value)) problems.push(`${key} must be an http(s) URL`)
  }
  if (problems.length === 0 && config.SAMPLE_STORE === 'victoriametrics' && victoriaMetricsBaseUrl(config) === '') {
    problems.push('SAMPLE_STORE=victoriametrics needs VM_URL (or the upstream VM_WRITE_URL / VM_QUERY_URL)')
  }
  if (config.REDIS_URL !== '' && !/^rediss?:\/\//i.test(config.REDIS_URL)) problems.push('REDIS_URL must be a redis:// or rediss:// URL')
  if (config.MODEL_ENCRYPTION_KEY.trim() !== '') {
    try {
      payloadKeyFrom(config.MODEL_ENCRYPTION_KEY)
    } catch (err) {
      problems.push(`MODEL_ENCRYPTION_KEY: ${(err as Error).message}`)
    }
  }
  return problems
}

/** Loads `.env` from the working directory into `process.env` if it exists (existing variables win). */
export function loadDotEnv (path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path)
}

/** The configuration from `process.env` (after `.env`). */
export function configFromProcess (): Config {
  loadDotEnv()
  return loadConfig(process.env)
}
