import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Cron } from 'croner'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import badgesPlugin from './badges/plugin.js'
import type { Config } from './config.js'
import { runRetention } from './jobs/retention.js'
import { createMetrics } from './metrics.js'
import modelsPlugin from './models/plugin.js'
import signingKeyPlugin from './models/signing-plugin.js'
import adminTrainingRoutes from './routes/admin/training.js'
import trainingPlugin from './training/plugin.js'
import authPlugin from './plugins/auth.js'
import bodyPlugin from './plugins/body.js'
import communityPlugin from './plugins/community.js'
import corePlugin, { logSerializers } from './plugins/core.js'
import errorsPlugin, { frameworkErrors } from './plugins/errors.js'
import finiteNumbersPlugin from './plugins/finite-numbers.js'
import openapiPlugin from './plugins/openapi.js'
import rateLimitPlugin from './plugins/rate-limit.js'
import securityHeadersPlugin from './plugins/security-headers.js'
import webPlugin from './plugins/web.js'
import adminRoutes from './routes/admin/installations.js'
import adminBadgeRoutes from './routes/admin/badges.js'
import adminModelRoutes from './routes/admin/models.js'
import adminQualityRoutes from './routes/admin/quality.js'
import healthRoutes from './routes/health.js'
import averagesRoutes from './routes/v1/averages.js'
import modelCheckRoutes from './routes/v1/model-check.js'
import modelDownloadRoutes from './routes/v1/model-download.js'
import modelRoutes from './routes/v1/models.js'
import poolRoutes from './routes/v1/pool.js'
import statusRoutes from './routes/v1/status.js'
import submitRoutes from './routes/v1/submit.js'
import installationRoutes from './routes/v2/installations.js'
import communityAnalyticsRoutes from './routes/v2/community.js'
import growthRoutes from './routes/v2/community-growth.js'
import { recountContributionDays } from './store/ledger.js'
import { getSetting, setSetting } from './store/settings.js'
import { openStore } from './store/open.js'
import type { Store } from './store/types.js'

export interface BuildAppOptions {
  readonly config: Config
  /** The store to use; by default the embedded SQLite store under `DATA_DIR`, closed with the app. */
  readonly store?: Store
  /** Milliseconds since the epoch (tests pass a fake clock). */
  readonly clock?: () => number
  /** Where one-time operator messages go (the generated admin token); stdout in server.ts. */
  readonly announce?: (message: string) => void
  /** `false` silences logs (tests); otherwise pino at `LOG_LEVEL`. */
  readonly logger?: boolean
  /** Where logs go instead of stdout (tests read them). */
  readonly logStream?: { write (line: string): void }
}

/** `TRUST_PROXY` as Fastify's `trustProxy`: "true", a hop count, or addresses/CIDRs. */
function trustProxy (value: string): FastifyServerOptions['trustProxy'] {
  const v = value.trim()
  if (v === '' || v === 'false') return false
  if (v === 'true') return true
  if (/^\d+$/.test(v)) return Number(v) as unknown as FastifyServerOptions['trustProxy'] // a hop count; the types omit it
  return v.split(',').map((s) => s.trim()).filter(Boolean)
}

/** Builds the whole API as one Fastify instance; `server.ts` only listens and shuts down. */
export async function buildApp (options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options
  const clock = options.clock ?? Date.now
  const app = Fastify({
    logger: options.logger === false
      ? false
      : { level: config.LOG_LEVEL, serializers: logSerializers, ...(options.logStream === undefined ? {} : { stream: options.logStream }) },
    trustProxy: trustProxy(config.TRUST_PROXY),
    bodyLimit: 1024 * 1024,
    // Fastify's default is no limit on a request's duration: a body trickled a byte at a time
    // (slowloris) held its connection open for ever (found by the fuzz tests). Node checks the
    // limit every `connectionsCheckingInterval`, so that is a fraction of it.
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    http: {
      headersTimeout: Math.min(60_000, config.REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(config.REQUEST_TIMEOUT_MS / 4))),
    },
    return503OnClosing: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    frameworkErrors,
    // Unknown fields in a closed schema are an error, not silently dropped (OWASP API3).
    ajv: { customOptions: { allErrors: false, removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  const store = options.store ?? await openStore(config)
  if (options.store === undefined) app.addHook('onClose', async () => store.close())

  await syncContributionThreshold(store, config.CONTRIBUTION_MIN_SAMPLES)

  await app.register(corePlugin, { config, store, metrics: createMetrics(), clock })
  await app.register(securityHeadersPlugin)
  await app.register(rateLimitPlugin, {
    perIpPerMinute: config.RATE_LIMIT_IP_PER_MINUTE,
    perInstallationPerMinute: config.RATE_LIMIT_PER_MINUTE,
    registrationsPerHour: config.RATE_LIMIT_REGISTRATIONS_PER_HOUR,
    maxKeys: config.RATE_LIMIT_MAX_KEYS,
    redisUrl: config.REDIS_URL,
  })
  await app.register(authPlugin, { config, store, announce: options.announce ?? ((m) => app.log.warn(m)) })
  await app.register(bodyPlugin)
  await app.register(errorsPlugin)
  await app.register(finiteNumbersPlugin)
  if (config.DOCS_ENABLED) await app.register(openapiPlugin)

  await app.register(healthRoutes)
  await app.register(submitRoutes, { bodyLimit: Math.round(config.BODY_LIMIT_MB * 1024 * 1024) })
  await app.register(installationRoutes)
  await app.register(adminRoutes)
  await app.register(adminQualityRoutes)
  await app.register(modelsPlugin, { config, store })
  await app.register(signingKeyPlugin)
  await app.register(modelRoutes)
  await app.register(adminModelRoutes)
  await app.register(statusRoutes)
  await app.register(communityPlugin)
  await app.register(poolRoutes)
  await app.register(modelCheckRoutes)
  await app.register(modelDownloadRoutes)
  await app.register(averagesRoutes)
  await app.register(communityAnalyticsRoutes)
  await app.register(growthRoutes)
  await app.register(badgesPlugin)
  await app.register(adminBadgeRoutes)
  await app.register(trainingPlugin)
  await app.register(adminTrainingRoutes)
  await app.register(webPlugin)

  if (config.RETENTION_SCHEDULE !== '') {
    const job = new Cron(config.RETENTION_SCHEDULE, { timezone: 'UTC', protect: true, paused: true }, async () => {
      try {
        const result = await runRetention(store, config, clock())
        app.log.info({ retention: result }, 'retention job done')
      } catch (err) {
        app.log.error({ err }, 'cannot run the retention job')
      }
    })
    app.addHook('onReady', async () => { job.resume() })
    app.addHook('preClose', async () => { job.stop() })
  }
  return app
}

const THRESHOLD_SETTING = 'contribution_min_samples'

/** Contribution-day counts assume one threshold; recount them when the configured one changed. */
async function syncContributionThreshold (store: Store, threshold: number): Promise<void> {
  const previous = await getSetting(store.db, THRESHOLD_SETTING)
  if (previous === String(threshold)) return
  if (previous !== undefined) await recountContributionDays(store.db, threshold)
  await setSetting(store.db, THRESHOLD_SETTING, String(threshold))
}
