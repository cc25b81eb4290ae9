import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
import { buildAgentApp } from './api/app.js'
import type { Router } from './api/http.js'
import { DEFAULT_WEB_ROOT, serveWeb } from './api/static.js'
import type { AgentConfig } from './config.js'
import { idleCollector } from './idle-gc.js'
import { createAgentMetrics } from './metrics.js'
import { AnomalyDetector } from './model/anomalies.js'
import { ModelUpdater } from './model/updater.js'
import { bundleVerifier, type ModelVerifier } from './model/verify.js'
import { channelSetups } from './notify/setup.js'
import type { Notifier } from './notify/notifier.js'
import { Outbox } from './outbox/outbox.js'
import { ServerClient } from './server-client.js'
import { startSources, type Sources } from './sources/start.js'
import { StateStore, TokenStore } from './state.js'
import { Credentials } from './upload/credentials.js'
import { Uploader } from './upload/uploader.js'

export interface AgentServiceOptions {
  readonly logger?: Logger
  /** false: no HTTP request logs (tests). */
  readonly httpLogs?: boolean
  readonly verifier?: ModelVerifier
  readonly clock?: () => number
  /** The uploader's polling period (tests use a short one). */
  readonly tickMs?: number
  /** The web build whose "my installation" page the agent serves at `/` (default packages/web/dist); null: API only. */
  readonly webRoot?: string | null
}

export interface AgentService {
  /** The local API (node:http). */
  readonly app: Router
  readonly log: Logger
  readonly outbox: Outbox
  readonly uploader: Uploader
  readonly updater: ModelUpdater
  readonly anomalies: AnomalyDetector
  /** Notifications to the owner; undefined when no channel is configured. */
  readonly notifier: Notifier | undefined
  /** The agent's own Modbus and MQTT sources. */
  readonly sources: Sources
  readonly state: StateStore
  /** The local API's address once listening. */
  readonly url: string
  close (): Promise<void>
}

/** Wires the agent together and starts it: outbox, uploader, model updater, local API. */
export async function startAgent (config: AgentConfig, options: AgentServiceOptions = {}): Promise<AgentService> {
  const log = options.logger ?? pino({ level: config.LOG_LEVEL })
  mkdirSync(config.AGENT_DATA_DIR, { recursive: true })
  const state = new StateStore(config.AGENT_DATA_DIR)
  if (config.AGENT_CONSENT && !state.get().consent.given) state.setConsent(true, config.AGENT_CONSENT_VERSION)
  const tokens = new TokenStore(config.AGENT_DATA_DIR)
  const outbox = new Outbox({ dir: join(config.AGENT_DATA_DIR, 'outbox'), maxBytes: config.AGENT_OUTBOX_MAX_BYTES, clock: options.clock })
  const client = new ServerClient({ baseUrl: config.HEATPOOL_SERVER_URL, timeoutMs: config.AGENT_REQUEST_TIMEOUT_MS })
  const metrics = createAgentMetrics(outbox)
  const collector = idleCollector()
  const updater = new ModelUpdater(config, client, tokens, state, options.verifier ?? bundleVerifier, log.child({ part: 'model' }), options.clock)
  const anomalies = new AnomalyDetector(updater, config.AGENT_DATA_DIR, log.child({ part: 'anomalies' }), options.clock)
  const credentials = new Credentials(config, client, tokens, state, () => updater.pinSigningKey())
  const uploader = new Uploader(config, outbox, client, credentials, log.child({ part: 'uploader' }), {
    uploaded: () => { metrics.uploads.inc(); collector.poke() },
    retried: () => { metrics.retries.inc(); collector.poke() },
    quarantined: () => metrics.quarantines.inc(),
  }, options.clock, Math.random, options.tickMs)
  // Readings of the agent's own sources go to the outbox under its own installation, like relayed records.
  const sources = await startSources(config, {
    outbox,
    installationId: state.get().installationId,
    consentGiven: () => state.reload().consent.given || config.AGENT_CONSENT,
    afterAppend: (installationId, records) => {
      uploader.nudge()
      collector.poke()
      try {
        anomalies.observe(installationId, records)
      } catch (err) {
        log.error({ err }, 'cannot score source records')
      }
    },
    log: log.child({ part: 'sources' }),
    clock: options.clock,
  })
  // Loaded only when a channel is configured (most agents send no notifications).
  const notifier = channelSetups(config).every((s) => s.state === 'off')
    ? undefined
    : new (await import('./notify/notifier.js')).Notifier(config, { state, tokens, updater, anomalies, uploader, outbox }, log.child({ part: 'notify' }), options.clock)
  const app = buildAgentApp({ config, outbox, uploader, updater, client, state, tokens, metrics, afterRelay: collector.poke, anomalies, sources, notifier, log: options.httpLogs === false ? undefined : log.child({ part: 'http' }) })
  if (options.webRoot !== null) serveWeb(app, options.webRoot ?? DEFAULT_WEB_ROOT, log.child({ part: 'web' }))
  const url = await app.listen(config.AGENT_PORT, config.AGENT_HOST)
  uploader.start()
  updater.start()
  notifier?.start()
  log.info({ url, server: config.HEATPOOL_SERVER_URL, consent: state.get().consent.given }, 'agent running')
  return {
    app,
    log,
    outbox,
    uploader,
    updater,
    anomalies,
    notifier,
    sources,
    state,
    url,
    async close () {
      await app.close()
      await sources.close()
      await uploader.stop()
      await notifier?.stop()
      updater.stop()
      anomalies.close()
      collector.stop()
      client.close()
      outbox.close()
    },
  }
}
