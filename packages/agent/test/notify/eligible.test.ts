import { randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadAgentConfig } from '../../src/config.js'
import { RECORD_FILE, type NotifyRecord } from '../../src/notify/record.js'
import { startAgent, type AgentService } from '../../src/service.js'
import { onCleanup, tempDir } from '../unit/support/rig.js'
import { ChatPeers } from './support/chat-peers.js'
import { clockedServer } from './support/clocked-server.js'
import { FakeSignalCli } from './support/fake-signal-cli.js'
import { selfSignedCertificate, SmtpPeer, type TestCertificate } from './support/smtp-peer.js'

const DAY = 86_400_000
const HOUR = 3_600_000
const CHANNELS = ['telegram', 'discord', 'email', 'signal', 'ntfy', 'webhook'] as const

let certDir: string
let cert: TestCertificate
beforeAll(() => {
  certDir = mkdtempSync(join(tmpdir(), 'heatpool-notify-cert-'))
  cert = selfSignedCertificate(certDir)
})
afterAll(() => rmSync(certDir, { recursive: true, force: true }))

/** Every configured channel pointed at a local peer; what each delivered, as title + text. */
async function allChannels () {
  const peers = await ChatPeers.start()
  onCleanup(() => peers.close())
  const smtp = await SmtpPeer.start(cert, false)
  onCleanup(() => smtp.close())
  const signal = new FakeSignalCli(tempDir('heatpool-signal-'))
  const env = {
    ...peers.env,
    AGENT_NOTIFY_SMTP_URL: smtp.url(),
    AGENT_NOTIFY_SMTP_CA_FILE: cert.certFile,
    AGENT_NOTIFY_EMAIL_FROM: 'heatpool@example.org',
    AGENT_NOTIFY_EMAIL_TO: 'owner@example.org',
    AGENT_NOTIFY_SIGNAL_CLI: signal.path,
    AGENT_NOTIFY_SIGNAL_ACCOUNT: '+4915112345678',
    AGENT_NOTIFY_SIGNAL_RECIPIENT: '+4917098765432',
  }
  const received = (): Record<typeof CHANNELS[number], string[]> => ({
    telegram: peers.of('telegram').map((d) => d.text),
    discord: peers.of('discord').map((d) => d.text),
    email: smtp.mails.map((m) => `${m.subject}\n\n${m.text}`),
    signal: signal.texts,
    ntfy: peers.of('ntfy').map((d) => `${d.title ?? ''}\n\n${d.text}`),
    webhook: peers.of('webhook').map((d) => `${d.title ?? ''}\n\n${d.text}`),
  })
  return { peers, smtp, signal, env, received }
}

/** v1 records of one UTC day (an hour after midnight, a minute apart). */
function dayRecords (dayStartMs: number, n: number): Record<string, number>[] {
  return Array.from({ length: n }, (_, i) => ({
    timestamp: (dayStartMs + HOUR + i * 60_000) / 1000,
    temp_outside: 3.5,
    temp_heat_pump_flow: 35.2,
    temp_heat_pump_return: 30.1,
    power_current: 5.2,
    power_current_draw: 1.3,
  }))
}

async function relay (agent: AgentService, installationId: string, records: unknown[]): Promise<void> {
  const res = await fetch(`${agent.url}/api/v1/submit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ installation_id: installationId, heatpump_model: 'AERO SLM', version: '1.0.2', data: records }) })
  expect(res.status).toBe(200)
}

describe('the eligible notification (issue 9: a simulated installation crossing 30 contribution days)', () => {
  it('goes out exactly once per configured channel, in German, when the 30th contribution day is counted; badges too; a restart repeats nothing', async () => {
    // Forty-five days ago at midnight UTC: the month passes on the test's clock.
    const t0 = Math.floor(Date.now() / DAY) * DAY - 45 * DAY
    let now = t0
    const clock = () => now
    const server = await clockedServer(clock, { MIN_INSTALLATIONS: '1', MIN_DATA_POINTS: '1', CONTRIBUTION_MIN_SAMPLES: '5' })
    const { env, received, peers } = await allChannels()
    const dir = tempDir()
    const config = loadAgentConfig({
      ...env,
      HEATPOOL_SERVER_URL: server.url,
      AGENT_DATA_DIR: dir,
      AGENT_PORT: '0',
      AGENT_CONSENT: 'true',
      AGENT_MODEL_CHECK_INTERVAL: '0',
      AGENT_NOTIFY_CHECK_INTERVAL: '0',
      AGENT_NOTIFY_LANGUAGE: 'de',
      AGENT_NOTIFY_TIME_ZONE: 'Europe/Berlin',
      AGENT_REQUEST_TIMEOUT_MS: '5000',
    })
    const start = () => startAgent(config, { logger: pino({ level: 'silent' }), httpLogs: false, clock, tickMs: 10, webRoot: null })
    let agent = await start()
    onCleanup(() => agent.close())
    expect(agent.notifier?.channels).toEqual([...CHANNELS])
    const id = randomUUID()

    const eligible = (texts: string[]) => texts.filter((t) => t.includes('Berechtigt für das Community-Modell'))
    for (let day = 0; day < 30; day++) {
      now = t0 + day * DAY + 12 * HOUR
      await relay(agent, id, dayRecords(t0 + day * DAY, 6))
      expect(await agent.uploader.flush()).toMatchObject({ outcome: 'acknowledged', records: 6 })
      await agent.notifier?.check({ askServer: true })
      await agent.updater.check()
      await agent.notifier?.check()
      if (day < 29) {
        // Not yet eligible: nothing at all was sent, anywhere.
        expect(Object.values(received()).flat(), `day ${day + 1}`).toEqual([])
      }
    }
    // The server agrees that the 30th day made it eligible.
    const token = readFileSync(join(dir, 'tokens', `${id}.token`), 'utf8').trim()
    const me = await server.app.inject({ method: 'GET', url: '/api/v2/installations/me', headers: { authorization: `Bearer ${token}` } })
    expect(me.json()).toMatchObject({ contribution_days: { total: 30 }, eligibility: { eligible: true, days_needed: 0 } })
    expect(agent.updater.status).toMatchObject({ eligible: true, contributionDays: 30 })

    for (const channel of CHANNELS) {
      const texts = eligible(received()[channel])
      expect(texts, channel).toHaveLength(1)
      expect(texts[0], channel).toContain('heatpool: Berechtigt für das Community-Modell')
      expect(texts[0], channel).toContain(`Ihre Installation ${id.slice(0, 8)} hat an 30 Tagen Daten beigetragen und darf jetzt das Community-Modell nutzen`)
    }
    expect(peers.of('webhook')[0]?.json).toMatchObject({ event: 'eligible', language: 'de', data: { installationId: id, contributionDays: 30 } })

    // The badge job awards what a month earns; each badge is announced once, with its German title.
    await server.app.badgeJob.run()
    const badges = (await server.app.inject({ method: 'GET', url: '/api/v2/installations/me', headers: { authorization: `Bearer ${token}` } })).json<{ badges: { id: string, title_de: string }[] }>().badges
    expect(badges.map((b) => b.id)).toContain('streak_30')
    await agent.notifier?.check({ askServer: true })
    for (const channel of CHANNELS) {
      const texts = received()[channel]
      for (const b of badges) expect(texts.filter((t) => t.includes(`Abzeichen erhalten: ${b.title_de}`)), `${channel} ${b.id}`).toHaveLength(1)
      expect(texts, channel).toHaveLength(1 + badges.length)
    }

    // Restarted a day later: everything is known, nothing is sent again.
    const before = received()
    await agent.close()
    now += DAY
    agent = await start()
    await agent.notifier?.check({ askServer: true })
    await agent.updater.check()
    await agent.notifier?.check()
    expect(received()).toEqual(before)
    const record = JSON.parse(readFileSync(join(dir, RECORD_FILE), 'utf8')) as NotifyRecord
    expect(Object.keys(record.events).sort()).toEqual([`eligible:${id}`, ...badges.map((b) => `badge:${id}:${b.id}`)].sort())
    for (const r of Object.values(record.events)) {
      for (const channel of CHANNELS) expect(r.channels[channel], `${r.event.key} ${channel}`).toMatchObject({ state: 'sent', attempts: 1 })
    }
  })
})
