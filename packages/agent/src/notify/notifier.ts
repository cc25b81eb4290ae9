import type { Logger } from 'pino'
import type { AgentConfig } from '../config.js'
import type { AnomalyDetector } from '../model/anomalies.js'
import type { ModelUpdater } from '../model/updater.js'
import type { Outbox } from '../outbox/outbox.js'
import type { StateStore, TokenStore } from '../state.js'
import type { Uploader } from '../upload/uploader.js'
import { describeFailure, NotifyError, type Channel, type ChannelName, type Language, type Message, type Receipt } from './channel.js'
import { buildChannel } from './channels.js'
import { channelSetups, notifySecrets } from './setup.js'
import { anomalyNotice, eligibleEvent, modelEvent, readStanding, standingEvents, uploadSnapshot, watchLocal, type NotifyEvent } from './events.js'
import { jsonOf, send } from './http.js'
import { render, renderDigest, type Format } from './messages.js'
import { planSends } from './policy.js'
import { RecordStore } from './record.js'

/** How often local conditions are looked at and due notifications sent. */
const TICK_MS = 60_000

export interface NotifierParts {
  readonly state: Pick<StateStore, 'reload'>
  readonly tokens: Pick<TokenStore, 'get'>
  readonly updater: Pick<ModelUpdater, 'onInstalled' | 'status'>
  readonly anomalies: Pick<AnomalyDetector, 'onAnomaly'>
  readonly uploader: Pick<Uploader, 'schedule' | 'lastResult'>
  readonly outbox: Pick<Outbox, 'stats'>
}

export interface NotifierStatus {
  readonly channels: readonly { readonly name: ChannelName, readonly state: 'on' | 'off' | 'incomplete', readonly missing?: readonly string[], readonly pending: number, readonly lastError: { readonly code: string, readonly detail: string } | null }[]
  readonly events: number
}

/**
 * Tells the owner what matters, on every configured channel, each event once. Events come from
 * hooks (model installed, anomaly) and from a tick that looks at the server's standing
 * (eligibility, badges: every AGENT_NOTIFY_CHECK_INTERVAL), the model check, the uploader and
 * the outbox. Each is recorded per channel in `notifications.json` before anything is sent, so
 * a restart neither repeats nor forgets it; a failing channel is retried on its own backoff
 * while the others go on. Everything runs off the relay and upload path: hooks only record,
 * sending happens in the background with a timeout on every request.
 */
export class Notifier {
  readonly #channels: Channel[]
  readonly #store: RecordStore
  readonly #secrets: string[]
  readonly #format: Format
  readonly #unsubscribe: (() => void)[] = []
  readonly #blockedUntil = new Map<ChannelName, number>()
  readonly #lastError = new Map<ChannelName, { code: string, detail: string }>()
  #timer: NodeJS.Timeout | undefined
  #lastPoll = -Infinity
  #checking: Promise<void> | undefined
  #delivering: Promise<void> | undefined
  #deliverAgain = false
  #stopped = false

  constructor (
    private readonly config: AgentConfig,
    private readonly parts: NotifierParts,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.#secrets = notifySecrets(config)
    this.#channels = channelSetups(config).filter((s) => s.state === 'on').map((s) => buildChannel(config, s.name))
    for (const s of channelSetups(config)) {
      if (s.state === 'incomplete') log.warn({ channel: s.name, missing: s.missing }, `notification channel ${s.name} is off: ${s.missing.join(', ')} not set`)
    }
    this.#format = { language: config.AGENT_NOTIFY_LANGUAGE as Language, ...(config.AGENT_NOTIFY_TIME_ZONE.trim() === '' ? {} : { timeZone: config.AGENT_NOTIFY_TIME_ZONE.trim() }) }
    this.#store = new RecordStore(config.AGENT_DATA_DIR, clock())
    if (this.#store.problem !== null) log.error(this.#store.problem)
    this.#unsubscribe.push(
      parts.updater.onInstalled((m) => {
        this.raise([modelEvent({ name: m.manifest.name, version: m.manifest.version, heatpumpModel: m.manifest.heatpump_model ?? null, installedAt: m.installedAt, expires: m.manifest.expires })])
      }),
      // Called inside a relay request: recorded (a file write) after the request's turn.
      parts.anomalies.onAnomaly((a) => { setImmediate(() => this.raise([anomalyNotice(a)])) }),
    )
  }

  /** The channels that are on. */
  get channels (): ChannelName[] {
    return this.#channels.map((c) => c.name)
  }

  get status (): NotifierStatus {
    const record = this.#store.get()
    return {
      channels: channelSetups(this.config).map((s) => ({
        name: s.name,
        state: s.state,
        ...(s.state === 'incomplete' ? { missing: s.missing } : {}),
        pending: Object.values(record.events).filter((r) => r.channels[s.name]?.state === 'pending').length,
        lastError: this.#lastError.get(s.name) ?? null,
      })),
      events: Object.keys(record.events).length,
    }
  }

  start (): void {
    if (this.#timer !== undefined || this.#channels.length === 0) return
    this.log.info({ channels: this.channels, language: this.#format.language }, 'notifications on')
    const tick = () => { void this.check().catch((err: unknown) => this.log.error({ err: describeFailure(err, this.#secrets) }, 'notification check failed')) }
    this.#timer = setTimeout(() => {
      tick()
      this.#timer = setInterval(tick, TICK_MS)
      this.#timer.unref()
    }, 1000)
    this.#timer.unref()
  }

  /** Stops the tick and the hooks; waits for a send in flight (each has its timeout). */
  async stop (): Promise<void> {
    this.#stopped = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    for (const off of this.#unsubscribe.splice(0)) off()
    await this.#checking?.catch(() => undefined)
    await this.#delivering?.catch(() => undefined)
  }

  /** Records events (those already recorded are ignored) and sends what is due, in the background. */
  raise (events: readonly NotifyEvent[]): void {
    if (this.#channels.length === 0 || this.#stopped) return
    const added = this.#store.add(events, this.channels, this.clock())
    if (added.length > 0) {
      this.log.info({ events: added }, 'notifications recorded')
      this.deliver().catch((err: unknown) => this.log.error({ err: describeFailure(err, this.#secrets) }, 'cannot send notifications'))
    }
  }

  /**
   * Looks at everything now: the server's standing (when `askServer`, or when the interval has
   * passed), the model check, the uploader and the outbox; then sends what is due. A check
   * already running is joined.
   */
  check (options: { askServer?: boolean } = {}): Promise<void> {
    this.#checking ??= this.#check(options.askServer === true).finally(() => { this.#checking = undefined })
    return this.#checking
  }

  async #check (askServer: boolean): Promise<void> {
    const now = this.clock()
    const events: NotifyEvent[] = []
    const every = this.config.AGENT_NOTIFY_CHECK_INTERVAL * 1000
    if (askServer || (every > 0 && now - this.#lastPoll >= every)) {
      this.#lastPoll = now
      events.push(...await this.#askServer())
    }
    const model = this.parts.updater.status
    if (model.eligible === true && model.installationId !== null) events.push(eligibleEvent(model.installationId, model.contributionDays, null))
    const stats = this.parts.outbox.stats()
    const uploads = uploadSnapshot(this.parts.uploader.schedule(), this.parts.uploader.lastResult, stats.records)
    const watched = watchLocal(this.#store.get().watch, uploads, { bytes: stats.bytes, maxBytes: this.config.AGENT_OUTBOX_MAX_BYTES }, this.clock())
    this.#store.setWatch(watched.memory)
    events.push(...watched.events)
    this.raise(events)
    await this.deliver()
  }

  /** Eligibility and badges of the primary installation, from `GET /api/v2/installations/me`; none when it cannot be asked. */
  async #askServer (): Promise<NotifyEvent[]> {
    const id = this.parts.state.reload().primaryInstallationId
    const token = id === undefined ? undefined : this.parts.tokens.get(id)
    if (id === undefined || token === undefined) return []
    try {
      const answer = await send(new URL(`${this.config.HEATPOOL_SERVER_URL}/api/v2/installations/me`), { method: 'GET', headers: { authorization: `Bearer ${token}` }, timeoutMs: this.config.AGENT_REQUEST_TIMEOUT_MS })
      const standing = answer.status === 200 ? readStanding(jsonOf(answer)) : null
      if (standing === null) {
        this.log.debug({ status: answer.status }, 'cannot read the installation\'s standing for notifications')
        return []
      }
      return standingEvents(standing)
    } catch (err) {
      this.log.debug({ err: describeFailure(err, this.#secrets) }, 'cannot ask the server for the installation\'s standing')
      return []
    }
  }

  /** Sends what is due on every channel, the channels side by side; a send already running is followed by one more pass. */
  deliver (): Promise<void> {
    if (this.#delivering !== undefined) {
      this.#deliverAgain = true
      return this.#delivering
    }
    this.#delivering = (async () => {
      do {
        this.#deliverAgain = false
        await Promise.all(this.#channels.map((c) => this.#deliverOn(c)))
      } while (this.#deliverAgain && !this.#stopped)
    })().finally(() => { this.#delivering = undefined })
    return this.#delivering
  }

  async #deliverOn (channel: Channel): Promise<void> {
    const now = this.clock()
    if ((this.#blockedUntil.get(channel.name) ?? 0) > now) return
    const due = this.#store.due(channel.name, now)
    const plan = planSends(due, this.#store.sends(channel.name, now), this.config.AGENT_NOTIFY_MAX_PER_HOUR, now)
    if (plan.waitUntil !== null) {
      this.log.info({ channel: channel.name, waiting: due.length, until: new Date(plan.waitUntil).toISOString() }, `${channel.name}: hourly limit of ${this.config.AGENT_NOTIFY_MAX_PER_HOUR} messages reached; the waiting notifications go out together then`)
      this.#blockedUntil.set(channel.name, plan.waitUntil)
      return
    }
    const batches = [...plan.singles.map((k) => [k]), ...(plan.digest.length > 0 ? [plan.digest] : [])]
    for (const keys of batches) {
      if (this.#stopped) return
      if (!await this.#sendOne(channel, keys)) return
    }
  }

  /** Sends `keys` as one message on `channel`; false when it failed (the channel waits for its backoff). */
  async #sendOne (channel: Channel, keys: readonly string[]): Promise<boolean> {
    const events = keys.flatMap((k) => { const e = this.#store.get().events[k]?.event; return e === undefined ? [] : [e] })
    const message = this.#message(events)
    let receipt: Receipt
    try {
      receipt = await channel.send(message)
    } catch (err) {
      const failure = describeFailure(err, this.#secrets)
      const retryAfterMs = err instanceof NotifyError ? err.retryAfterMs : undefined
      const now = this.clock()
      const givenUp = this.#store.failed(channel.name, keys, failure, retryAfterMs, now)
      this.#lastError.set(channel.name, failure)
      // The channel rests until this message's retry; what else is due waits with it.
      const delivery = this.#store.get().events[keys[0] as string]?.channels[channel.name]
      const retryAt = delivery?.state === 'pending' ? delivery.nextAt : null
      if (retryAt !== null) this.#blockedUntil.set(channel.name, retryAt)
      this.log.warn({ channel: channel.name, events: keys, code: failure.code, attempts: delivery?.attempts, retryAt: retryAt === null ? null : new Date(retryAt).toISOString() }, `cannot send notification on ${channel.name}: ${failure.detail}`)
      if (givenUp.length > 0) this.log.error({ channel: channel.name, events: givenUp, code: failure.code }, `gave up sending ${givenUp.length} notification(s) on ${channel.name} after repeated failures: ${failure.detail}`)
      return false
    }
    this.#store.sent(channel.name, keys, this.clock())
    this.#lastError.delete(channel.name)
    if (keys.length > 1) this.log.info({ channel: channel.name, events: keys }, `${keys.length} notifications sent together on ${channel.name} (hourly limit)`)
    else this.log.info({ channel: channel.name, event: keys[0], receipt: receipt.detail }, `notification sent on ${channel.name}`)
    return true
  }

  #message (events: readonly NotifyEvent[]): Message {
    const sentAt = new Date(this.clock()).toISOString()
    const language = this.#format.language
    if (events.length === 1) {
      const [event] = events as [NotifyEvent]
      const { key: _key, kind, ...data } = event
      return { event: kind, ...render(event, this.#format), language, data, sentAt }
    }
    return { event: 'digest', ...renderDigest(events, this.#format), language, data: { events: events.map(({ key: _key, ...e }) => e) }, sentAt }
  }
}
