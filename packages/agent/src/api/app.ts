import type { Logger } from 'pino'
import type { AgentConfig } from '../config.js'
import { consentText } from '../consent-text.js'
import type { AgentMetrics } from '../metrics.js'
import type { AnomalyDetector } from '../model/anomalies.js'
import type { ModelUpdater } from '../model/updater.js'
import type { Notifier } from '../notify/notifier.js'
import type { Outbox } from '../outbox/outbox.js'
import { readRelayPayload } from '../relay/payload.js'
import type { ServerAnswer, ServerClient } from '../server-client.js'
import type { Sources } from '../sources/start.js'
import type { StateStore, TokenStore } from '../state.js'
import type { Uploader } from '../upload/uploader.js'
import { createRouter, HttpError, readJson, Reply, withinStack, type Router } from './http.js'
import { notificationsStatus } from './notifications.js'

export interface AgentAppDeps {
  readonly config: AgentConfig
  readonly outbox: Outbox
  readonly uploader: Uploader
  readonly updater: ModelUpdater
  readonly client: ServerClient
  readonly state: StateStore
  readonly tokens: TokenStore
  readonly metrics: AgentMetrics
  /** Called after each relay body is committed. */
  readonly afterRelay?: () => void
  /** Scores relayed records against the community model (after the answer, off the request path). */
  readonly anomalies?: Pick<AnomalyDetector, 'observe' | 'status' | 'ready'>
  /** Request logs (and errors); none when undefined. */
  readonly log?: Logger
  /** The agent's own sources (Modbus, MQTT), shown under `sources` in the status. */
  readonly sources?: Pick<Sources, 'status'>
  /** Notifications to the owner, shown under `notifications` in the status; none configured when undefined. */
  readonly notifier?: Pick<Notifier, 'status'>
}

/** As the server's default BODY_LIMIT_MB would allow many times over: a logger's flush is ~3 MB at most. */
const BODY_LIMIT = 16 * 1024 * 1024

const error = (status: number, code: string, detail: string) => new Reply(status, { code, detail })

/** The server's `GET` parameters the agent passes on, by route; anything else is not forwarded. */
const RANKING_PARAMS = ['window'] as const
const COMPARISON_PARAMS = ['model', 'metric', 'window'] as const

function forwarded (url: URL, names: readonly string[]): URLSearchParams {
  const q = new URLSearchParams()
  for (const name of names) {
    const v = url.searchParams.get(name)
    if (v !== null) q.set(name, v)
  }
  return q
}

/**
 * Appends to the outbox; a full disk is the logger's to know about (507 with a stable code, the
 * records not taken), not an internal error: nothing was acknowledged and nothing is lost by
 * refusing, and the owner can act on the message.
 */
function appendOrRefuse (outbox: Outbox, installationId: string, envelope: Parameters<Outbox['append']>[1], records: readonly string[]): number {
  try {
    return outbox.append(installationId, envelope, records)
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (code === 'SQLITE_FULL' || code === 'ENOSPC') throw new HttpError(507, 'HP_ERR_OUTBOX_DISK_FULL', 'cannot queue the records: the disk under the agent\'s outbox (AGENT_DATA_DIR) is full; they were not taken')
    throw err
  }
}

/**
 * The agent's local HTTP API: the relay (`POST /api/v1/submit`, what the server accepts, answered
 * once the records are committed to the outbox), the status a logger's UI or the agent's page
 * shows, upload and model actions, and proxies to the server's community figures that report an
 * unreachable server as an error — never as an empty pool (upstream bug C11). Every POST but the
 * relay refuses browsers on other sites (http.ts, `crossSiteReason`): the owner's browser can
 * reach the agent, so any page it opens could otherwise flush, release or change consent.
 */
export function buildAgentApp (deps: AgentAppDeps): Router {
  const { config, outbox, uploader, updater, client, state, tokens, metrics } = deps
  const app = createRouter(deps.log)

  /** The primary installation's own token; undefined before it is registered. */
  const installationToken = (): string | undefined => {
    const primary = state.reload().primaryInstallationId
    return primary === undefined ? undefined : tokens.get(primary)
  }

  /**
   * A server answer as the agent's: 200 as it is, the server's own 4xx (bad query, token
   * refused) passed through, no answer a 502 `HP_ERR_SERVER_UNREACHABLE`, 5xx a 502
   * `HP_ERR_SERVER_ERROR` — never an empty figure in place of an error.
   */
  const relayed = (answer: ServerAnswer): unknown => {
    if (answer.status === 200) return answer.body
    if (answer.status === null) return error(502, 'HP_ERR_SERVER_UNREACHABLE', `cannot reach the heatpool server at ${config.HEATPOOL_SERVER_URL}: ${answer.error ?? 'no answer'}`)
    if (answer.status < 500) return new Reply(answer.status, answer.body)
    return error(502, 'HP_ERR_SERVER_ERROR', `the heatpool server answered ${answer.status}`)
  }

  app.route('GET', '/health', async () => ({ status: 'ok' }))

  // Open to every origin, like the server's submit it stands in for: loggers post from anywhere.
  app.route('POST', '/api/v1/submit', async (request) => {
    const payload = readRelayPayload(await readJson(request, BODY_LIMIT))
    if ('code' in payload) return error(payload.status, payload.code, payload.detail)
    // The records as JSON text; the parsed body is garbage from here on.
    const records = withinStack(() => payload.data.map((r) => JSON.stringify(r) ?? 'null'))
    const dropped = appendOrRefuse(outbox, payload.installationId, payload.envelope, records)
    metrics.relayed.inc(records.length)
    uploader.nudge()
    deps.afterRelay?.()
    const anomalies = deps.anomalies
    if (anomalies !== undefined) {
      const { installationId, data } = payload
      setImmediate(() => {
        try {
          anomalies.observe(installationId, data)
        } catch (err) {
          deps.log?.error({ err }, 'cannot score relayed records')
        }
      })
    }
    return { status: 'success', processed: records.length, queued: true, dropped_oldest: dropped }
  }, { crossSite: true })

  app.route('GET', '/api/status', async () => {
    await deps.anomalies?.ready
    const s = state.reload()
    const primary = s.primaryInstallationId ?? null
    return {
      // locked: AGENT_CONSENT=true in the configuration gives consent on every start; it cannot be withdrawn here.
      consent: { given: s.consent.given || config.AGENT_CONSENT, version: s.consent.version ?? (config.AGENT_CONSENT ? config.AGENT_CONSENT_VERSION : null), changed_at: s.consent.changedAt, locked: config.AGENT_CONSENT },
      installation_id: s.installationId,
      primary_installation_id: primary,
      registered: primary !== null && tokens.get(primary) !== undefined,
      server_url: config.HEATPOOL_SERVER_URL,
      outbox: outbox.stats(),
      uploads: uploader.schedule(),
      last_upload: uploader.lastResult ?? null,
      quarantined: outbox.quarantined().map((b) => ({ batch: b.id, installation_id: b.installationId, status: b.lastStatus, error: b.lastError, created_at: new Date(b.createdAt).toISOString() })),
      model: updater.status,
      anomalies: deps.anomalies?.status ?? null,
      sources: deps.sources?.status() ?? null,
      notifications: notificationsStatus(config, deps.notifier?.status),
    }
  })

  app.route('GET', '/api/anomalies', async () => {
    if (deps.anomalies === undefined) throw new HttpError(404, 'HP_ERR_NOT_FOUND', 'cannot find route: anomaly detection is off')
    // A model just installed is loaded before its status is shown.
    await deps.anomalies.ready
    return deps.anomalies.status
  })

  app.route('POST', '/api/flush', async () => ({ last_upload: await uploader.flush() ?? null, outbox: outbox.stats() }))

  app.route('POST', '/api/quarantine/release', async () => ({ released: outbox.releaseQuarantine() }))

  app.route('POST', '/api/check-model', async () => updater.check())

  app.route('POST', '/api/consent', async (request) => {
    const body = await readJson(request, 64 * 1024) as { given?: unknown } | null
    const given = body?.given === true || body?.given === 'true' ? true : body?.given === false || body?.given === 'false' ? false : undefined
    if (given === undefined) throw new HttpError(422, 'HP_ERR_VALIDATION', 'cannot validate request: body/given must be boolean')
    // Withdrawn here while the configuration still gives it, uploads would go on: say so instead.
    if (!given && config.AGENT_CONSENT) throw new HttpError(409, 'HP_ERR_CONSENT_LOCKED', 'cannot withdraw consent: AGENT_CONSENT=true in the agent\'s configuration gives it; remove it and restart the agent')
    const s = state.setConsent(given, config.AGENT_CONSENT_VERSION)
    if (s.consent.given) uploader.nudge()
    return { consent: s.consent }
  })

  app.route('GET', '/api/pool-status', async () => {
    const answer = await client.poolStatus()
    if (answer.status === 200) return answer.body
    return answer.status === null
      ? error(502, 'HP_ERR_SERVER_UNREACHABLE', `cannot reach the heatpool server at ${config.HEATPOOL_SERVER_URL}: ${answer.error ?? 'no answer'}`)
      : error(502, 'HP_ERR_SERVER_ERROR', `the heatpool server answered ${answer.status}`)
  })

  app.route('GET', '/api/community/averages', async (_request, url) => {
    const token = installationToken() ?? (config.AGENT_SHARED_TOKEN || undefined)
    if (token === undefined) return error(409, 'HP_ERR_NOT_REGISTERED', 'cannot ask for community averages: the agent is not registered yet')
    return relayed(await client.averages(url.searchParams.toString(), token))
  })

  // The consent text the page shows, and what exactly leaves the house (one module: consent-text.ts).
  app.route('GET', '/api/consent-text', async () => ({ ...consentText(), accepted_version: state.reload().consent.version }))

  // The server knows an installation only by its own token: none before registration (409).
  app.route('GET', '/api/me', async () => {
    const token = installationToken()
    if (token === undefined) return error(409, 'HP_ERR_NOT_REGISTERED', 'cannot ask for this installation\'s contributions: the agent is not registered yet')
    return relayed(await client.me(token))
  })

  app.route('GET', '/api/ranking', async (_request, url) => {
    const token = installationToken()
    if (token === undefined) return error(409, 'HP_ERR_NOT_REGISTERED', 'cannot ask for the ranking: the agent is not registered yet')
    return relayed(await client.ranking(forwarded(url, RANKING_PARAMS).toString(), token))
  })

  // Public figures without a token; with the installation's own, also its heat pumps (`mine`).
  app.route('GET', '/api/comparison', async (_request, url) => {
    const query = forwarded(url, COMPARISON_PARAMS)
    if (!query.has('model') && config.AGENT_HEATPUMP_MODEL !== '') query.set('model', config.AGENT_HEATPUMP_MODEL)
    return relayed(await client.comparison(query.toString(), installationToken()))
  })

  app.route('GET', '/metrics', async () => new Reply(200, await metrics.registry.metrics(), metrics.registry.contentType))

  return app
}
