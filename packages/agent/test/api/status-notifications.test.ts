import { randomUUID } from 'node:crypto'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { loadAgentConfig } from '../../src/config.js'
import { eligibleEvent } from '../../src/notify/events.js'
import { startAgent, type AgentService } from '../../src/service.js'
import { ChatPeers, DISCORD_PATH, NTFY_TOKEN, NTFY_TOPIC, TELEGRAM_TOKEN, WEBHOOK_TOKEN } from '../notify/support/chat-peers.js'
import { deadUrl } from '../unit/support/real-server.js'
import { onCleanup, tempDir } from '../unit/support/rig.js'

/** The real agent service (API only) with the clock in the test's hand. */
async function agent (env: Record<string, string>, clock: () => number): Promise<AgentService> {
  const config = loadAgentConfig({
    HEATPOOL_SERVER_URL: await deadUrl(),
    AGENT_PORT: '0',
    AGENT_HOST: '127.0.0.1',
    AGENT_DATA_DIR: tempDir('heatpool-agent-notify-status-'),
    AGENT_MODEL_CHECK_INTERVAL: '0',
    AGENT_NOTIFY_CHECK_INTERVAL: '0',
    AGENT_REQUEST_TIMEOUT_MS: '3000',
    LOG_LEVEL: 'silent',
    ...env,
  })
  const a = await startAgent(config, { httpLogs: false, logger: pino({ level: 'silent' }), clock, webRoot: null })
  onCleanup(() => a.close())
  return a
}

async function peers (): Promise<ChatPeers> {
  const p = await ChatPeers.start()
  onCleanup(() => p.close())
  return p
}

interface Notifications {
  channels: { name: string, state: string, missing?: string[], pending: number, last_error: { code: string, detail: string } | null }[]
  pending: number
  events: number
}

/** `GET /api/status` as text (to search for secrets) and its `notifications`. */
async function status (a: AgentService): Promise<{ text: string, notifications: Notifications }> {
  const res = await fetch(`${a.url}/api/status`)
  expect(res.status).toBe(200)
  const text = await res.text()
  return { text, notifications: (JSON.parse(text) as { notifications: Notifications }).notifications }
}

/** The webhook's secret is in its URL's query, as many receivers take it. */
const WEBHOOK_KEY = 'webhook-url-secret-key-0042'

describe('GET /api/status: notifications', () => {
  it('without any channel: every channel off, nothing waiting', async () => {
    const a = await agent({}, Date.now)
    expect(a.notifier).toBeUndefined()
    expect((await status(a)).notifications).toEqual({
      channels: ['telegram', 'discord', 'email', 'signal', 'ntfy', 'webhook'].map((name) => ({ name, state: 'off', pending: 0, last_error: null })),
      pending: 0,
      events: 0,
    })
  })

  it('each channel\'s state, pending count and last error, without a token, webhook URL or topic even when a service echoes one', async () => {
    const p = await peers()
    let now = Date.now()
    const a = await agent({
      ...p.env,
      AGENT_NOTIFY_WEBHOOK_URL: `${p.url}/hook?key=${WEBHOOK_KEY}`,
      // E-mail half set up: incomplete, with the keys it still needs.
      AGENT_NOTIFY_EMAIL_TO: 'owner@example.org',
    }, () => now)
    // Every service fails, and each error repeats a secret: a proxy's page with the request
    // line, Discord's path, ntfy's topic, the webhook receiver's URL with its key.
    p.script('telegram', { status: 502, body: `<html>Bad Gateway: POST /bot${TELEGRAM_TOKEN}/sendMessage</html>` })
    p.script('discord', { status: 404, body: { message: 'Unknown Webhook', path: DISCORD_PATH, code: 10015 } })
    p.script('ntfy', { status: 500, body: { code: 50001, http: 500, error: `cannot publish to ${NTFY_TOPIC} (auth ${NTFY_TOKEN})` } })
    p.script('webhook', { status: 404, body: `Cannot POST /hook?key=${WEBHOOK_KEY}` })
    a.notifier?.raise([eligibleEvent(randomUUID(), 30, 30)])
    await a.notifier?.deliver()
    expect(p.requests.map((r) => r.service).sort()).toEqual(['discord', 'ntfy', 'telegram', 'webhook'])

    const failing = await status(a)
    const secrets = [TELEGRAM_TOKEN, DISCORD_PATH, DISCORD_PATH.split('/').at(-1) as string, NTFY_TOPIC, NTFY_TOKEN, WEBHOOK_TOKEN, WEBHOOK_KEY, `${p.url}/hook`]
    for (const secret of secrets) expect(failing.text).not.toContain(secret)
    const on = (name: string, code: string, said: RegExp) => ({ name, state: 'on', pending: 1, last_error: { code, detail: expect.stringMatching(said) as unknown } })
    expect(failing.notifications).toEqual({
      channels: [
        on('telegram', 'HP_ERR_NOTIFY_FAILED', /502/),
        on('discord', 'HP_ERR_NOTIFY_REFUSED', /404.*Unknown Webhook.*\*\*\*/),
        { name: 'email', state: 'incomplete', missing: ['AGENT_NOTIFY_SMTP_URL', 'AGENT_NOTIFY_EMAIL_FROM'], pending: 0, last_error: null },
        { name: 'signal', state: 'off', pending: 0, last_error: null },
        on('ntfy', 'HP_ERR_NOTIFY_FAILED', /500.*cannot publish to \*\*\*/),
        on('webhook', 'HP_ERR_NOTIFY_REFUSED', /404.*Cannot POST \*\*\*/),
      ],
      pending: 4,
      events: 1,
    })

    // After the retry wait the services take it: nothing pending, no error shown.
    now += 2 * 60_000
    await a.notifier?.deliver()
    expect(p.delivered.map((d) => d.service).sort()).toEqual(['discord', 'ntfy', 'telegram', 'webhook'])
    const sent = (await status(a)).notifications
    expect(sent.pending).toBe(0)
    expect(sent.channels.filter((c) => c.state === 'on').map((c) => [c.name, c.pending, c.last_error])).toEqual(['telegram', 'discord', 'ntfy', 'webhook'].map((name) => [name, 0, null]))
  })
})
