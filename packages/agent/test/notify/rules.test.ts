import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AgentConfigError, loadAgentConfig } from '../../src/config.js'
import { redact } from '../../src/notify/channel.js'
import { anomalyNotice, eligibleEvent, modelEvent, readStanding, standingEvents, uploadSnapshot, watchLocal, EMPTY_WATCH, type NotifyEvent } from '../../src/notify/events.js'
import { render, renderDigest, renderTest, DIGEST_MAX_ENTRIES } from '../../src/notify/messages.js'
import { headerText } from '../../src/notify/ntfy.js'
import { planSends, retryDelayMs, MAX_ATTEMPTS } from '../../src/notify/policy.js'
import { prune, RECORD_FILE, RecordStore, type EventRecord } from '../../src/notify/record.js'
import { channelSetups, notifySecrets } from '../../src/notify/setup.js'
import { smtpSettings } from '../../src/notify/settings.js'
import { tempDir } from '../unit/support/rig.js'

const HOUR = 3_600_000
const T = Date.UTC(2026, 10, 27, 13, 5)
const ID = '5b0c3f7e-8a4d-4c11-9a55-2f1e6d3c7b90'

const anomaly = anomalyNotice({
  at: '2026-11-27T13:05:00.000Z',
  installation_id: ID,
  heat_pump: 'hp-1',
  mode: 'heating',
  score: 0.7123,
  threshold: 0.65,
  top_features: [{ feature: 'cycles_per_hour', value: 9.5, typical: 1.25, z: 6.2 }, { feature: 'temp_flow_mean', value: 41.25, typical: 35, z: 3.1 }],
})
const every: NotifyEvent[] = [
  eligibleEvent(ID, 1234, 30),
  modelEvent({ name: 'AERO_SLM', version: 4, heatpumpModel: 'AERO SLM', installedAt: '2026-11-27T13:05:00.000Z', expires: '2026-12-27T13:05:00.000Z' }),
  anomaly,
  { kind: 'uploads-failing', key: 'uploads-failing:x', since: '2026-11-26T12:00:00.000Z', hours: 25, detail: 'ECONNREFUSED', waitingRecords: 2880 },
  { kind: 'outbox-full', key: 'outbox-full:x', since: '2026-11-27T12:00:00.000Z', bytes: 241_591_910, maxBytes: 268_435_456 },
  { kind: 'badge', key: `badge:${ID}:streak_30`, installationId: ID, badge: 'streak_30', title: '30-day streak', titleDe: '30 Tage am Stück', earned: '2026-11-27' },
]

describe('notification texts', () => {
  it('every event in English and German, numbers and dates formatted for the language and time zone', () => {
    const en = every.map((e) => render(e, { language: 'en', timeZone: 'Europe/Berlin' }))
    const de = every.map((e) => render(e, { language: 'de', timeZone: 'Europe/Berlin' }))
    expect(en.map((r) => r.title)).toEqual([
      'heatpool: Eligible for the community model',
      'heatpool: New community model AERO_SLM v4 installed',
      'heatpool: Anomaly on heat pump hp-1',
      'heatpool: Uploads failing for 25 hours',
      'heatpool: Outbox almost full (90%)',
      'heatpool: Badge earned: 30-day streak',
    ])
    expect(de.map((r) => r.title)).toEqual([
      'heatpool: Berechtigt für das Community-Modell',
      'heatpool: Neues Community-Modell AERO_SLM v4 installiert',
      'heatpool: Auffälligkeit an Wärmepumpe hp-1',
      'heatpool: Uploads schlagen seit 25 Stunden fehl',
      'heatpool: Ausgang fast voll (90\u00a0%)', // Intl's no-break space
      'heatpool: Abzeichen erhalten: 30 Tage am Stück',
    ])
    expect(en[0]?.text).toContain('has contributed data on 1,234 days')
    expect(de[0]?.text).toContain('hat an 1.234 Tagen Daten beigetragen')
    // 14:05 in Berlin (UTC+1 in November).
    expect(en[1]?.text).toBe('Community model AERO_SLM version 4 for AERO SLM was verified and installed on 27 Nov 2026, 14:05; it is valid until 27 Dec 2026, 14:05. Anomaly detection uses it from now on.')
    expect(de[1]?.text).toBe('Das Community-Modell AERO_SLM Version 4 für AERO SLM wurde am 27.11.2026, 14:05 geprüft und installiert; es gilt bis 27.12.2026, 14:05. Die Anomalie-Erkennung verwendet es ab jetzt.')
    expect(de[2]?.text).toBe([
      'Ungewöhnliches Verhalten erkannt am 27.11.2026, 14:05 (Betriebsart heating): Wert 0,712, Schwelle 0,65.',
      'Am auffälligsten:',
      '- cycles_per_hour: 9,5 (typisch 1,25)',
      '- temp_flow_mean: 41,25 (typisch 35)',
      'Bitte prüfen Sie die Wärmepumpe, wenn das anhält.',
    ].join('\n'))
    expect(en[2]?.text).toContain('- cycles_per_hour: 9.5 (typical 1.25)')
    expect(en[3]?.text).toContain('Since 26 Nov 2026, 13:00 the agent cannot upload to the heatpool server (ECONNREFUSED). 2,880 records wait')
    expect(de[3]?.text).toContain('Seit 26.11.2026, 13:00 kann der Agent nicht zum heatpool-Server hochladen (ECONNREFUSED). 2.880 Datensätze warten')
    expect(en[4]?.text).toContain('holds 230.4 MiB of 256 MiB (90%)')
    expect(de[4]?.text).toContain('enthält 230,4 MiB von 256 MiB (90\u00a0%)')
    // A calendar day stays that day whatever the time zone.
    expect(render(every[5] as NotifyEvent, { language: 'de', timeZone: 'Pacific/Honolulu' }).text).toBe('Ihre Installation hat am 27. November 2026 das Abzeichen „30 Tage am Stück“ erhalten.')
    expect(render(every[5] as NotifyEvent, { language: 'en' }).text).toBe('Your installation earned the badge “30-day streak” on 27 November 2026.')
  })

  it('a digest lists its events in full up to DIGEST_MAX_ENTRIES and counts the rest; the test message names its channel', () => {
    const many = Array.from({ length: DIGEST_MAX_ENTRIES + 3 }, (_, i) => eligibleEvent(`${String(i).padStart(8, '0')}-0000-4000-8000-000000000000`, 30, 30))
    const digest = renderDigest(many, { language: 'de' })
    expect(digest.title).toBe('heatpool: 23 Benachrichtigungen')
    expect(digest.text.match(/^• Berechtigt für das Community-Modell$/gm)).toHaveLength(DIGEST_MAX_ENTRIES)
    expect(digest.text.endsWith('… und 3 weitere (siehe das Protokoll des Agenten).')).toBe(true)
    expect(renderTest('ntfy', new Date(T).toISOString(), { language: 'en', timeZone: 'UTC' })).toEqual({ title: 'heatpool: Test message', text: 'This is a test of the ntfy channel, sent by the heatpool agent at 27 Nov 2026, 13:05. If you can read this, notifications work.' })
  })

  it('ntfy headers: ASCII as is, anything else as an RFC 2047 encoded word', () => {
    expect(headerText('plain title')).toBe('plain title')
    expect(headerText('Wärme\npumpe')).toBe(`=?UTF-8?B?${Buffer.from('Wärme pumpe').toString('base64')}?=`)
  })
})

describe('events from snapshots', () => {
  it('the server\'s standing: eligible and one event per badge, keyed for good; a malformed answer is none', () => {
    const body = { installation_id: ID, contribution_days: { total: 31 }, eligibility: { eligible: true, required_days: 30, eligible_since: '2026-11-01' }, badges: [{ id: 'streak_30', title: '30-day streak', title_de: '30 Tage am Stück', earned: '2026-11-01' }, { id: 42 }] }
    const standing = readStanding(body)
    expect(standing).toMatchObject({ installationId: ID, eligible: true, contributionDays: 31, requiredDays: 30, eligibleSince: '2026-11-01' })
    expect(standingEvents(standing as NonNullable<typeof standing>).map((e) => e.key)).toEqual([`eligible:${ID}`, `badge:${ID}:streak_30`])
    expect(standingEvents({ ...(standing as NonNullable<typeof standing>), eligible: false, badges: [] })).toEqual([])
    for (const bad of [null, 'text', {}, { installation_id: ID }, { installation_id: ID, eligibility: { eligible: 'yes' } }]) expect(readStanding(bad)).toBeNull()
  })

  it('the uploader: retrying or a credential problem is failing, consent withheld is not, nothing tried yet is unknown', () => {
    expect(uploadSnapshot([{ attempts: 2, problem: null }], { outcome: 'retry', detail: '503' }, 10)).toEqual({ failing: true, detail: '503', waitingRecords: 10 })
    expect(uploadSnapshot([{ attempts: 0, problem: 'registration_failed' }], { outcome: 'no_credential', detail: 'cannot register' }, 1)).toMatchObject({ failing: true })
    expect(uploadSnapshot([{ attempts: 0, problem: 'no_consent' }], { outcome: 'no_credential' }, 1)).toMatchObject({ failing: false })
    expect(uploadSnapshot([], undefined, 5)).toMatchObject({ failing: null })
    expect(uploadSnapshot([{ attempts: 0, problem: null }], { outcome: 'acknowledged' }, 0)).toMatchObject({ failing: false })
  })

  it('uploads failing: announced after 24 h, once per outage (keyed by its start); a restart (unknown) keeps the outage running', () => {
    const failing = { failing: true, detail: 'x', waitingRecords: 1 }
    const outbox = { bytes: 0, maxBytes: 1000 }
    let w = watchLocal(EMPTY_WATCH, failing, outbox, T)
    expect(w).toEqual({ memory: { uploadsFailingSince: new Date(T).toISOString(), outboxFullSince: null }, events: [] })
    w = watchLocal(w.memory, { ...failing, failing: null }, outbox, T + 24 * HOUR - 1)
    expect(w.events).toEqual([])
    w = watchLocal(w.memory, { ...failing, failing: null }, outbox, T + 24 * HOUR)
    expect(w.events).toEqual([{ kind: 'uploads-failing', key: `uploads-failing:${new Date(T).toISOString()}`, since: new Date(T).toISOString(), hours: 24, detail: 'x', waitingRecords: 1 }])
    // Fine again, then a new outage: a new key.
    w = watchLocal(w.memory, { ...failing, failing: false }, outbox, T + 25 * HOUR)
    expect(w.memory.uploadsFailingSince).toBeNull()
    w = watchLocal(w.memory, failing, outbox, T + 26 * HOUR)
    w = watchLocal(w.memory, failing, outbox, T + 50 * HOUR)
    expect(w.events.map((e) => e.key)).toEqual([`uploads-failing:${new Date(T + 26 * HOUR).toISOString()}`])
  })

  it('outbox near its cap: from 90 %, one episode until it is back under 80 %', () => {
    const fine = { failing: false, detail: null, waitingRecords: 0 }
    let w = watchLocal(EMPTY_WATCH, fine, { bytes: 899, maxBytes: 1000 }, T)
    expect(w.events).toEqual([])
    w = watchLocal(w.memory, fine, { bytes: 900, maxBytes: 1000 }, T + 1)
    const first = w.events.map((e) => e.key)
    expect(first).toEqual([`outbox-full:${new Date(T + 1).toISOString()}`])
    // Dipping to 85 % and back is the same episode.
    w = watchLocal(w.memory, fine, { bytes: 850, maxBytes: 1000 }, T + 2)
    expect(w.events).toEqual([])
    w = watchLocal(w.memory, fine, { bytes: 950, maxBytes: 1000 }, T + 3)
    expect(w.events.map((e) => e.key)).toEqual(first)
    w = watchLocal(w.memory, fine, { bytes: 799, maxBytes: 1000 }, T + 4)
    w = watchLocal(w.memory, fine, { bytes: 990, maxBytes: 1000 }, T + 5)
    expect(w.events.map((e) => e.key)).toEqual([`outbox-full:${new Date(T + 5).toISOString()}`])
  })
})

describe('retry and rate rules', () => {
  it('backoff doubles from a minute to an hour, never shorter than a service\'s retry_after (capped at 6 h)', () => {
    expect([1, 2, 3, 6, 7, 12].map((a) => retryDelayMs(a))).toEqual([60_000, 120_000, 240_000, 1_920_000, HOUR, HOUR])
    expect(retryDelayMs(1, 90_000)).toBe(90_000)
    expect(retryDelayMs(1, 30_000)).toBe(60_000)
    expect(retryDelayMs(1, 48 * HOUR)).toBe(6 * HOUR)
  })

  it('at most N messages an hour: the last free one carries the rest; none free: wait for the oldest send to age out', () => {
    expect(planSends(['a', 'b'], [], 3, T)).toEqual({ singles: ['a', 'b'], digest: [], waitUntil: null })
    expect(planSends(['a', 'b', 'c', 'd'], [], 3, T)).toEqual({ singles: ['a', 'b'], digest: ['c', 'd'], waitUntil: null })
    expect(planSends(['a', 'b'], [T - 10, T - HOUR - 1], 2, T)).toEqual({ singles: [], digest: ['a', 'b'], waitUntil: null })
    expect(planSends(['a'], [T - 10, T - 20], 2, T)).toEqual({ singles: [], digest: [], waitUntil: T - 20 + HOUR })
    expect(planSends([], [], 2, T)).toEqual({ singles: [], digest: [], waitUntil: null })
  })
})

describe('the notification record', () => {
  it('records each event once per channel, adds channels configured later, survives a restart, and gives up after MAX_ATTEMPTS', () => {
    const dir = tempDir()
    const store = new RecordStore(dir, T)
    const e = eligibleEvent(ID, 30, 30)
    expect(store.add([e], ['telegram', 'webhook'], T)).toEqual([e.key])
    expect(store.add([e], ['telegram', 'webhook'], T + 1)).toEqual([])
    expect(store.due('telegram', T)).toEqual([e.key])
    store.sent('telegram', [e.key], T)
    expect(store.due('telegram', T + 1)).toEqual([])

    const again = new RecordStore(dir, T + 2)
    expect(again.get().events[e.key]?.channels).toMatchObject({ telegram: { state: 'sent', attempts: 1, sentAt: new Date(T).toISOString() }, webhook: { state: 'pending', attempts: 0 } })
    expect(again.sends('telegram', T + 2)).toEqual([T])
    // Discord configured since: it gets the event; the others keep theirs.
    expect(again.add([e], ['telegram', 'webhook', 'discord'], T + 3)).toEqual([e.key])
    expect(again.due('discord', T + 3)).toEqual([e.key])
    expect(again.get().events[e.key]?.channels.telegram?.state).toBe('sent')

    let now = T + 3
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      expect(again.failed('webhook', [e.key], { code: 'HP_ERR_NOTIFY_FAILED', detail: '500' }, undefined, now)).toEqual([])
      expect(again.due('webhook', now)).toEqual([])
      now = again.get().events[e.key]?.channels.webhook?.nextAt ?? 0
    }
    expect(again.failed('webhook', [e.key], { code: 'HP_ERR_NOTIFY_FAILED', detail: '500' }, undefined, now)).toEqual([e.key])
    expect(again.get().events[e.key]?.channels.webhook).toMatchObject({ state: 'failed', attempts: MAX_ATTEMPTS, error: { detail: '500' } })
    expect(again.due('webhook', now + 10 * HOUR)).toEqual([])
  })

  it('an unreadable file is set aside and a fresh record started (the agent still starts)', () => {
    const dir = tempDir()
    writeFileSync(join(dir, RECORD_FILE), '{"version":1,"events":')
    const store = new RecordStore(dir, T)
    expect(store.problem).toMatch(/^cannot read notifications\.json .*: set aside as .*notifications\.json\.unreadable-\d+$/)
    expect(store.get().events).toEqual({})
    expect(readdirSync(dir).filter((f) => f.startsWith(`${RECORD_FILE}.unreadable-`))).toHaveLength(1)
    expect(existsSync(join(dir, RECORD_FILE))).toBe(false)
    store.add([eligibleEvent(ID, 30, 30)], ['ntfy'], T)
    expect(JSON.parse(readFileSync(join(dir, RECORD_FILE), 'utf8'))).toMatchObject({ version: 1, events: { [`eligible:${ID}`]: { channels: { ntfy: { state: 'pending' } } } } })
  })

  it('prunes finished anomalies and outages after 90 days, never eligibility, models or badges', () => {
    const old = new Date(T - 91 * 86_400_000).toISOString()
    const rec = (event: NotifyEvent, state: 'sent' | 'pending'): EventRecord => ({ event, recordedAt: old, channels: { ntfy: { state, attempts: 1, nextAt: 0 } } })
    const kept = prune({
      a: rec(anomaly, 'sent'),
      b: rec({ ...anomaly, key: 'b' }, 'pending'),
      e: rec(eligibleEvent(ID, 30, 30), 'sent'),
      m: rec(every[1] as NotifyEvent, 'sent'),
      g: rec(every[5] as NotifyEvent, 'sent'),
    }, T)
    expect(Object.keys(kept).sort()).toEqual(['b', 'e', 'g', 'm'])
  })
})

describe('notification settings', () => {
  it('a channel is on with all its keys, named incomplete with the missing ones, off with none', () => {
    const config = loadAgentConfig({ AGENT_NOTIFY_TELEGRAM_TOKEN: '1:abc', AGENT_NOTIFY_NTFY_URL: 'https://ntfy.sh/topic', AGENT_NOTIFY_EMAIL_TO: 'me@example.org' })
    expect(channelSetups(config)).toEqual([
      { name: 'telegram', state: 'incomplete', missing: ['AGENT_NOTIFY_TELEGRAM_CHAT_ID'] },
      { name: 'discord', state: 'off' },
      { name: 'email', state: 'incomplete', missing: ['AGENT_NOTIFY_SMTP_URL', 'AGENT_NOTIFY_EMAIL_FROM'] },
      { name: 'signal', state: 'off' },
      { name: 'ntfy', state: 'on' },
      { name: 'webhook', state: 'off' },
    ])
  })

  it('bad values are refused at start with the key named, secrets never repeated', () => {
    const bad = {
      AGENT_NOTIFY_LANGUAGE: 'fr',
      AGENT_NOTIFY_TIME_ZONE: 'Mars/Olympus',
      AGENT_NOTIFY_TELEGRAM_CHAT_ID: 'my chat',
      AGENT_NOTIFY_DISCORD_WEBHOOK_URL: 'ftp://discord.example/hook-secret',
      AGENT_NOTIFY_SMTP_URL: 'http://user:hunter2@mail.example.org',
      AGENT_NOTIFY_EMAIL_TO: 'owner@example.org, not-an-address',
      AGENT_NOTIFY_SIGNAL_ACCOUNT: '015112345678',
      AGENT_NOTIFY_SIGNAL_RECIPIENT: '+4917098765432,bob',
      AGENT_NOTIFY_MAX_PER_HOUR: '0',
    }
    let message = ''
    try {
      loadAgentConfig(bad)
    } catch (err) {
      expect(err).toBeInstanceOf(AgentConfigError)
      message = (err as Error).message
    }
    for (const key of Object.keys(bad)) expect(message).toContain(key)
    expect(message).toContain('AGENT_NOTIFY_LANGUAGE="fr": must be one of en, de')
    expect(message).toContain('AGENT_NOTIFY_SIGNAL_ACCOUNT="015112345678": must be a phone number in international form')
    expect(message).toContain('AGENT_NOTIFY_EMAIL_TO="owner@example.org, not-an-address": "not-an-address" is not an e-mail address')
    expect(message).toContain('AGENT_NOTIFY_SMTP_URL (not shown): must be an smtp:// (STARTTLS) or smtps:// (implicit TLS) URL')
    expect(message).not.toContain('hunter2')
    expect(message).not.toContain('hook-secret')
  })

  it('SMTP URLs: STARTTLS on 587 or implicit TLS on 465 by default; percent-encoded logins decoded; secrets listed for redaction', () => {
    expect(smtpSettings('smtp://mail.example.org')).toEqual({ host: 'mail.example.org', port: 587, secure: false, user: null, pass: null })
    expect(smtpSettings('smtps://me%40example.org:p%40ss%3Aw%C3%B6rd@mail.example.org')).toEqual({ host: 'mail.example.org', port: 465, secure: true, user: 'me@example.org', pass: 'p@ss:wörd' })
    expect(smtpSettings('smtp://[::1]:2525')).toMatchObject({ host: '::1', port: 2525 })
    expect(() => smtpSettings('smtp://mail.example.org/path?x=1')).toThrow(/no path or query/)
    const config = loadAgentConfig({ AGENT_NOTIFY_SMTP_URL: 'smtps://me%40example.org:p%40ss@mail.example.org', AGENT_NOTIFY_TELEGRAM_TOKEN: '123:tok-secret' })
    const secrets = notifySecrets(config)
    expect(secrets).toEqual(expect.arrayContaining(['123:tok-secret', 'p@ss', 'me@example.org']))
    expect(redact('login p@ss failed for bot123:tok-secret and p%40ss', secrets)).toBe('login *** failed for bot*** and ***')
  })
})
