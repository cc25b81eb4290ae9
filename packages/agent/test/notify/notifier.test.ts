import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CommunityModel, windowsOf, type Sample } from '@heatpool/ml'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { loadAgentConfig } from '../../src/config.js'
import { eligibleEvent, standingEvents } from '../../src/notify/events.js'
import { RECORD_FILE, type NotifyRecord } from '../../src/notify/record.js'
import { startAgent, type AgentService } from '../../src/service.js'
import { bundle, signer } from '../unit/support/bundles.js'
import { deadUrl, realServer } from '../unit/support/real-server.js'
import { onCleanup, tempDir } from '../unit/support/rig.js'
import { ChatPeers, DISCORD_PATH, telegram429, TELEGRAM_TOKEN, WEBHOOK_TOKEN } from './support/chat-peers.js'

const MIN = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000

/** Every pino line, parsed. */
function capture () {
  const lines: { level: number, msg: string, [key: string]: unknown }[] = []
  const raw: string[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => { raw.push(line); lines.push(JSON.parse(line) as typeof lines[number]) } })
  return { logger, lines, raw }
}

interface Started {
  agent: AgentService
  restart (): Promise<AgentService>
  readonly dir: string
}

/** The agent service as `heatpool-agent run` starts it, on `dir` (a restart reuses it), the clock in the test's hand. */
async function agentWith (env: Record<string, string>, options: { clock?: () => number, logger?: pino.Logger } = {}): Promise<Started> {
  const dir = tempDir()
  const config = loadAgentConfig({ AGENT_DATA_DIR: dir, AGENT_PORT: '0', AGENT_MODEL_CHECK_INTERVAL: '0', AGENT_NOTIFY_CHECK_INTERVAL: '0', AGENT_REQUEST_TIMEOUT_MS: '3000', AGENT_RETRY_MIN_MS: '5', AGENT_RETRY_MAX_MS: '40', ...env })
  const start = () => startAgent(config, { logger: options.logger ?? pino({ level: 'silent' }), httpLogs: false, clock: options.clock, tickMs: 10, webRoot: null })
  const started: Started = {
    agent: await start(),
    dir,
    async restart () {
      await started.agent.close()
      started.agent = await start()
      return started.agent
    },
  }
  onCleanup(() => started.agent.close())
  return started
}

async function peers (): Promise<ChatPeers> {
  const p = await ChatPeers.start()
  onCleanup(() => p.close())
  return p
}

const webhookOnly = (p: ChatPeers) => ({ AGENT_NOTIFY_WEBHOOK_URL: `${p.url}/hook`, AGENT_NOTIFY_WEBHOOK_TOKEN: WEBHOOK_TOKEN })
const events = (p: ChatPeers) => p.of('webhook').map((d) => d.json as { event: string, title: string, text: string, data: Record<string, unknown> })

async function relay (agent: AgentService, installationId: string, records: unknown[], extra: Record<string, unknown> = {}): Promise<void> {
  const res = await fetch(`${agent.url}/api/v1/submit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ installation_id: installationId, heatpump_model: 'AERO SLM', version: '1.0.2', ...extra, data: records }) })
  expect(res.status).toBe(200)
}

/** A heat pump's canonical values each minute: `on` minutes running, `off` minutes off (as in the anomaly tests). */
function values (i: number, o: { on: number, off: number }): Sample['values'] {
  const running = i % (o.on + o.off) < o.on
  const outdoor = 3 + 4 * Math.sin(i / 1440 * 2 * Math.PI) + ((i * 7919) % 11) / 50
  const flow = running ? 38 - 0.4 * outdoor + ((i * 104729) % 7) / 10 : 31
  const electric = running ? 1800 + ((i * 31) % 200) : 15
  return {
    temp_outdoor: Math.round(outdoor * 10) / 10,
    temp_flow: Math.round(flow * 10) / 10,
    temp_return: Math.round((flow - (running ? 5 : 0.5)) * 10) / 10,
    power_electric: electric,
    power_heat: running ? Math.round(electric * 0.5 * (flow + 275.15) / (flow + 8 - outdoor)) : 0,
    operating_mode: running ? 1 : 0,
  }
}

describe('notifications from the running agent', () => {
  it('a new model installed and an anomaly it finds (with its top features) are announced once each, also across a restart', async () => {
    const p = await peers()
    const server = await realServer({ MIN_INSTALLATIONS: '1', MIN_DATA_POINTS: '1', ELIGIBILITY_DAYS: '1', CONTRIBUTION_MIN_SAMPLES: '5' })
    const operator = signer()
    const s = await agentWith({ ...webhookOnly(p), HEATPOOL_SERVER_URL: server.url, AGENT_CONSENT: 'true', AGENT_MODEL_PUBLIC_KEY: operator.base64, AGENT_NOTIFY_MAX_PER_HOUR: '100', AGENT_NOTIFY_TIME_ZONE: 'UTC' })
    const id = randomUUID()
    const t0 = Math.floor(Date.now() / MIN) * MIN - DAY
    const v2 = (from: number, count: number, o: { on: number, off: number }) => Array.from({ length: count }, (_, k) => ({
      timestamp: (t0 + (from + k) * MIN) / 1000,
      heatpumps: [{ id: 'hp-1', manufacturer: 'idm', model: 'navigator_2_0', values: values(from + k, o) }],
    }))
    await relay(s.agent, id, v2(0, 10, { on: 50, off: 10 }), { data_version: '2.0' })
    expect(await s.agent.uploader.flush()).toMatchObject({ outcome: 'acknowledged' })

    const model = CommunityModel.train([0, 1, 2, 3].flatMap((u) => windowsOf(Array.from({ length: 4 * 1440 }, (_, i) => ({ ts: t0 - 5 * DAY + i * MIN, values: values(i + u * 997, { on: 50, off: 10 }) })))), { seed: 1, nTrees: 30 })
    await server.uploadModel(bundle(operator, { version: 3, payload: Buffer.from(JSON.stringify(model.toJSON())) }), 'AERO SLM')
    expect(await s.agent.updater.check()).toMatchObject({ eligible: true, installed: { name: 'AERO_SLM', version: 3 } })
    await s.agent.anomalies.ready
    // The model check said eligible too (the notifier reads it at its next tick).
    await s.agent.notifier?.check()
    expect(events(p).map((e) => e.event).sort()).toEqual(['eligible', 'model'])
    expect(events(p).find((e) => e.event === 'eligible')?.text).toMatch(/has contributed data on 1 day and may now use the community model/)
    const modelMessages = events(p).filter((e) => e.event === 'model')
    expect(modelMessages).toHaveLength(1)
    expect(modelMessages[0]).toMatchObject({ title: 'heatpool: New community model AERO_SLM v3 installed', data: { name: 'AERO_SLM', version: 3 } })

    // A short-cycling heat pump: the detector raises anomalies, each announced once with its top features.
    for (let i = 10; i < 1440; i += 500) await relay(s.agent, id, v2(i, Math.min(500, 1440 - i), { on: 3, off: 3 }), { data_version: '2.0' })
    const raised = s.agent.anomalies.status.events
    expect(raised.length).toBeGreaterThan(0)
    // Recorded right after the relay request's turn, then sent.
    await new Promise((resolve) => setImmediate(resolve))
    await s.agent.notifier?.deliver()
    const anomalyMessages = events(p).filter((e) => e.event === 'anomaly')
    expect(anomalyMessages.map((e) => e.data.at).sort()).toEqual(raised.map((e) => e.at).sort())
    const first = anomalyMessages[0]
    expect(first?.title).toBe('heatpool: Anomaly on heat pump hp-1')
    const top = raised.find((e) => e.at === first?.data.at)?.top_features ?? []
    expect(top.length).toBeGreaterThan(0)
    for (const f of top) expect(first?.text).toContain(`- ${f.feature}: `)

    // Checked again and restarted: nothing new.
    const count = p.of('webhook').length
    await s.agent.updater.check()
    await s.agent.notifier?.check({ askServer: true })
    await s.restart()
    await s.agent.updater.check()
    await s.agent.notifier?.check({ askServer: true })
    expect(events(p).slice(count)).toEqual([])
    expect(events(p).filter((e) => e.event === 'eligible')).toHaveLength(1)
  })

  it('uploads failing for 24 hours and an outbox at 90 % of its cap: one notification each per episode, none again after a restart', async () => {
    const p = await peers()
    let now = Date.now()
    const s = await agentWith({ ...webhookOnly(p), HEATPOOL_SERVER_URL: await deadUrl(), AGENT_CONSENT: 'true', AGENT_OUTBOX_MAX_BYTES: '8192', AGENT_NOTIFY_TIME_ZONE: 'UTC' }, { clock: () => now })
    const id = randomUUID()
    const record = (i: number) => ({ timestamp: Math.floor(now / 1000) - 3600 + i, temp_outside: 3.5, temp_heat_pump_flow: 35.2, power_current_draw: 1.3 })
    await relay(s.agent, id, [record(0)])
    expect(await s.agent.uploader.flush()).toMatchObject({ outcome: 'no_credential' })
    await s.agent.notifier?.check()
    const failingSince = new Date(now).toISOString()
    expect(JSON.parse(readFileSync(join(s.dir, RECORD_FILE), 'utf8'))).toMatchObject({ watch: { uploadsFailingSince: failingSince } })

    now += 23 * HOUR
    await s.agent.uploader.flush()
    await s.agent.notifier?.check()
    expect(events(p)).toEqual([])

    now += HOUR
    await s.agent.uploader.flush()
    await s.agent.notifier?.check()
    await s.agent.notifier?.check()
    expect(events(p)).toEqual([expect.objectContaining({ event: 'uploads-failing', title: 'heatpool: Uploads failing for 24 hours', data: expect.objectContaining({ since: failingSince, hours: 24 }) })])
    expect(events(p)[0]?.text).toMatch(/^Since \d{1,2} \w{3} \d{4}, \d{2}:\d{2} the agent cannot upload to the heatpool server \(.+\)\. 1 record waits in the outbox/)

    // The outbox fills up to 90 % of its cap: announced at once.
    for (let i = 1; s.agent.outbox.stats().bytes < 0.9 * 8192 && i < 200; i++) await relay(s.agent, id, [record(i)])
    await s.agent.notifier?.check()
    await s.agent.notifier?.check()
    const full = events(p).filter((e) => e.event === 'outbox-full')
    expect(full).toHaveLength(1)
    expect(full[0]?.title).toMatch(/^heatpool: Outbox almost full \((9\d|100)%\)$/)

    // A restart a day later, still failing and still full: nothing repeated.
    now += DAY
    await s.restart()
    await s.agent.notifier?.check()
    await s.agent.uploader.flush()
    await s.agent.notifier?.check()
    expect(events(p).map((e) => e.event)).toEqual(['uploads-failing', 'outbox-full'])
  })

  it('rate limit: past AGENT_NOTIFY_MAX_PER_HOUR the rest go out together in the last message; with none left they wait for the hour and are not lost', async () => {
    const p = await peers()
    let now = Date.now()
    const log = capture()
    const s = await agentWith({ ...webhookOnly(p), HEATPOOL_SERVER_URL: await deadUrl(), AGENT_NOTIFY_MAX_PER_HOUR: '2', AGENT_NOTIFY_LANGUAGE: 'de' }, { clock: () => now, logger: log.logger })
    const notifier = s.agent.notifier
    if (notifier === undefined) throw new Error('no notifier')
    const id = randomUUID()
    const badges = ['full_year', 'streak_30', 'early_contributor', 'data_quality_95', 'top_25_percent'].map((b, i) => ({ id: b, title: `Badge ${i}`, titleDe: `Abzeichen ${i}`, earned: '2026-11-0' + String(i + 1) }))
    notifier.raise(standingEvents({ installationId: id, eligible: true, contributionDays: 31, requiredDays: 30, eligibleSince: '2026-10-30', badges }))
    await notifier.deliver()
    // Six events, two messages: the first alone, the other five together.
    expect(events(p).map((e) => e.event)).toEqual(['eligible', 'digest'])
    const digest = events(p)[1]
    expect(digest?.title).toBe('heatpool: 5 Benachrichtigungen')
    for (let i = 0; i < 5; i++) expect(digest?.text).toContain(`• Abzeichen erhalten: Abzeichen ${i}`)
    expect((digest?.data.events as unknown[])).toHaveLength(5)
    expect(log.lines.some((l) => l.msg === '5 notifications sent together on webhook (hourly limit)')).toBe(true)

    // The hour's two messages are used: a new event waits…
    notifier.raise([eligibleEvent(randomUUID(), 30, 30)])
    await notifier.deliver()
    expect(events(p)).toHaveLength(2)
    expect(log.lines.some((l) => /hourly limit of 2 messages reached/.test(l.msg))).toBe(true)
    // …and goes out when the hour has passed.
    now += HOUR + 1000
    await notifier.deliver()
    expect(events(p).map((e) => e.event)).toEqual(['eligible', 'digest', 'eligible'])

    // A restart keeps the hour's sends (they are on disk): one message is left this hour, and it carries both new events.
    await s.restart()
    s.agent.notifier?.raise([eligibleEvent(randomUUID(), 30, 30), eligibleEvent(randomUUID(), 30, 30)])
    await s.agent.notifier?.deliver()
    expect(events(p).map((e) => e.event)).toEqual(['eligible', 'digest', 'eligible', 'digest'])
    expect(events(p)[3]?.title).toBe('heatpool: 2 Benachrichtigungen')
    // The next waits for the hour.
    s.agent.notifier?.raise([eligibleEvent(randomUUID(), 30, 30)])
    await s.agent.notifier?.deliver()
    expect(events(p)).toHaveLength(4)
    const record = JSON.parse(readFileSync(join(s.dir, RECORD_FILE), 'utf8')) as NotifyRecord
    const deliveries = Object.values(record.events).map((r) => r.channels.webhook)
    expect(deliveries.filter((d) => d?.state === 'sent')).toHaveLength(9)
    expect(deliveries.filter((d) => d?.together === 5)).toHaveLength(5)
    expect(deliveries.filter((d) => d?.together === 2)).toHaveLength(2)
    expect(deliveries.filter((d) => d?.state === 'pending')).toHaveLength(1)
  })

  it('a failing channel is retried on its own (429 retry_after honoured, then backoff) without repeating on the others, and no secret reaches the log', async () => {
    const p = await peers()
    let now = Date.now()
    const log = capture()
    const s = await agentWith({ ...p.env, HEATPOOL_SERVER_URL: await deadUrl() }, { clock: () => now, logger: log.logger })
    const notifier = s.agent.notifier
    if (notifier === undefined) throw new Error('no notifier')
    expect(notifier.channels).toEqual(['telegram', 'discord', 'ntfy', 'webhook'])
    p.script('telegram', telegram429(90), { status: 502, body: '<html>Bad Gateway</html>' })
    p.script('discord', { status: 503, body: { message: 'upstream unavailable' } })

    const id = randomUUID()
    notifier.raise([eligibleEvent(id, 30, 30)])
    await notifier.deliver()
    expect(p.of('ntfy')).toHaveLength(1)
    expect(p.of('webhook')).toHaveLength(1)
    expect(p.of('telegram')).toHaveLength(0)
    expect(p.of('discord')).toHaveLength(0)
    expect(notifier.status.channels.find((c) => c.name === 'telegram')).toMatchObject({ pending: 1, lastError: { code: 'HP_ERR_NOTIFY_RATE_LIMITED' } })
    const tried = (service: string) => p.requests.filter((r) => r.service === service).length

    // Within the first backoff (1 min) nothing is tried again.
    now += 59_000
    await notifier.check()
    expect([tried('telegram'), tried('discord')]).toEqual([1, 1])
    // Past it: Discord goes through; Telegram asked for 90 s and still waits.
    now += 2000
    await notifier.deliver()
    expect([tried('telegram'), tried('discord')]).toEqual([1, 2])
    expect(p.of('discord')).toHaveLength(1)
    // Past Telegram's 90 s: it answers 502; the second backoff is 2 min.
    now += 30_000
    await notifier.deliver()
    expect(tried('telegram')).toBe(2)
    now += 119_000
    await notifier.deliver()
    expect(tried('telegram')).toBe(2)
    now += 2000
    await notifier.deliver()
    expect(tried('telegram')).toBe(3)
    expect(p.of('telegram')).toHaveLength(1)
    expect(p.of('telegram')[0]?.text).toMatch(/^heatpool: Eligible for the community model\n\nYour installation/)
    // The others were never asked again.
    expect([tried('ntfy'), tried('webhook'), tried('discord')]).toEqual([1, 1, 2])

    // Each channel has it exactly once; after a restart too.
    await s.restart()
    await s.agent.notifier?.check()
    for (const service of ['telegram', 'discord', 'ntfy', 'webhook'] as const) expect(p.of(service), service).toHaveLength(1)
    const record = JSON.parse(readFileSync(join(s.dir, RECORD_FILE), 'utf8')) as NotifyRecord
    expect(record.events[`eligible:${id}`]?.channels).toMatchObject({ telegram: { state: 'sent', attempts: 3 }, discord: { state: 'sent', attempts: 2 }, ntfy: { state: 'sent', attempts: 1 }, webhook: { state: 'sent', attempts: 1 } })

    const warnings = log.lines.filter((l) => l.msg.startsWith('cannot send notification on'))
    expect(warnings.map((l) => l.msg)).toEqual([
      'cannot send notification on telegram: Telegram answered 429: Too Many Requests: retry after 90',
      'cannot send notification on discord: Discord answered 503: {"message":"upstream unavailable"}',
      'cannot send notification on telegram: Telegram answered 502: <html>Bad Gateway</html>',
    ])
    const everything = log.raw.join('')
    for (const secret of [TELEGRAM_TOKEN, DISCORD_PATH.split('/').at(-1) as string, WEBHOOK_TOKEN, p.env.AGENT_NOTIFY_NTFY_TOKEN as string]) expect(everything).not.toContain(secret)
  })
})
