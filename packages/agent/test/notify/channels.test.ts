import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadAgentConfig } from '../../src/config.js'
import { NotifyError, type Message } from '../../src/notify/channel.js'
import { buildChannel } from '../../src/notify/channels.js'
import { sendTestMessage } from '../../src/notify/test-send.js'
import { onCleanup, tempDir } from '../unit/support/rig.js'
import { deadUrl } from '../unit/support/real-server.js'
import { ChatPeers, discord429, DISCORD_PATH, NTFY_TOKEN, TELEGRAM_CHAT, telegram429, TELEGRAM_TOKEN, WEBHOOK_TOKEN } from './support/chat-peers.js'
import { FakeSignalCli } from './support/fake-signal-cli.js'
import { selfSignedCertificate, SMTP_PASS, SMTP_USER, SmtpPeer, type TestCertificate } from './support/smtp-peer.js'

const message: Message = {
  event: 'badge',
  title: 'heatpool: Abzeichen erhalten: 30 Tage am Stück',
  text: 'Ihre Installation hat am 27. November 2026 das Abzeichen „30 Tage am Stück“ erhalten.\nZweite Zeile: 3,5 °C',
  language: 'de',
  data: { badge: 'streak_30' },
  sentAt: '2026-11-27T12:00:00.000Z',
}

let peers: ChatPeers
let cert: TestCertificate
let certDir: string
beforeAll(async () => {
  peers = await ChatPeers.start()
  // Made once for the file (rig's tempDir is removed after each test).
  certDir = mkdtempSync(join(tmpdir(), 'heatpool-notify-cert-'))
  cert = selfSignedCertificate(certDir)
})
afterAll(async () => {
  await peers.close()
  rmSync(certDir, { recursive: true, force: true })
})

const config = (env: Record<string, string>) => loadAgentConfig({ AGENT_DATA_DIR: tempDir(), AGENT_NOTIFY_TIMEOUT_MS: '2000', ...env })

/** Runs `fn`, which must throw a NotifyError; returns it. */
async function refusal (fn: () => Promise<unknown>): Promise<NotifyError> {
  try {
    await fn()
  } catch (err) {
    expect(err).toBeInstanceOf(NotifyError)
    return err as NotifyError
  }
  throw new Error('expected a NotifyError')
}

describe('notification channels against peers speaking the real protocols', () => {
  it('Telegram: sendMessage with chat_id and text; 429 carries parameters.retry_after; ok:false is a refusal with its description; the token never shows', async () => {
    const telegram = buildChannel(config(peers.env), 'telegram')
    const before = peers.of('telegram').length
    expect(await telegram.send(message)).toEqual({ detail: expect.stringMatching(/^Telegram message \d+ in chat 987654321$/) })
    const sent = peers.of('telegram').slice(before)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.json).toMatchObject({ chat_id: TELEGRAM_CHAT, text: `${message.title}\n\n${message.text}` })
    expect(peers.requests.at(-1)?.path).toBe(`/bot${TELEGRAM_TOKEN}/sendMessage`)

    peers.script('telegram', telegram429(7))
    const limited = await refusal(() => telegram.send(message))
    expect(limited).toMatchObject({ code: 'HP_ERR_NOTIFY_RATE_LIMITED', retryAfterMs: 7000 })
    expect(limited.detail).toBe('Telegram answered 429: Too Many Requests: retry after 7')

    const wrongChat = buildChannel(config({ ...peers.env, AGENT_NOTIFY_TELEGRAM_CHAT_ID: '-100200300' }), 'telegram')
    expect(await refusal(() => wrongChat.send(message))).toMatchObject({ code: 'HP_ERR_NOTIFY_REFUSED', detail: 'Telegram answered 400: Bad Request: chat not found' })

    // ok:false inside a 200 (as the Bot API may answer) is no success either.
    peers.script('telegram', { status: 200, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } })
    expect(await refusal(() => telegram.send(message))).toMatchObject({ code: 'HP_ERR_NOTIFY_REFUSED', detail: 'Telegram answered 200: Forbidden: bot was blocked by the user' })

    const wrongToken = buildChannel(config({ ...peers.env, AGENT_NOTIFY_TELEGRAM_TOKEN: '999:wrong-token-value' }), 'telegram')
    const unauthorised = await refusal(() => wrongToken.send(message))
    expect(unauthorised.detail).toBe('Telegram answered 401: Unauthorized')

    const dead = buildChannel(config({ ...peers.env, AGENT_NOTIFY_TELEGRAM_API_URL: await deadUrl() }), 'telegram')
    const unreachable = await refusal(() => dead.send(message))
    expect(unreachable.code).toBe('HP_ERR_NOTIFY_UNREACHABLE')
    expect(unreachable.message).toMatch(/ECONNREFUSED/)
    expect(unreachable.message).not.toContain(TELEGRAM_TOKEN)
    expect(peers.of('telegram').length).toBe(before + 1)
  })

  it('Telegram: a service that does not answer in time is given up after the timeout', async () => {
    peers.script('telegram', { status: 200, body: { ok: true, result: { message_id: 1 } }, delayMs: 1500 })
    const slow = buildChannel(config({ ...peers.env, AGENT_NOTIFY_TIMEOUT_MS: '300' }), 'telegram')
    const started = Date.now()
    const err = await refusal(() => slow.send(message))
    expect(err).toMatchObject({ code: 'HP_ERR_NOTIFY_UNREACHABLE', detail: expect.stringMatching(/no answer within 300 ms/) })
    expect(Date.now() - started).toBeLessThan(1400)
  })

  it('Discord: POST {content} with ?wait=true gets the created message; 429 with a float retry_after is honoured to the millisecond; mentions are off', async () => {
    const discord = buildChannel(config(peers.env), 'discord')
    const before = peers.of('discord').length
    expect((await discord.send(message)).detail).toMatch(/^Discord message \d+$/)
    const request = peers.requests.at(-1)
    expect(request?.path).toBe(DISCORD_PATH)
    expect(request?.query.get('wait')).toBe('true')
    expect(request?.json).toEqual({ content: `**${message.title}**\n${message.text}`, allowed_mentions: { parse: [] } })
    expect(peers.of('discord')).toHaveLength(before + 1)

    peers.script('discord', discord429(0.352))
    expect(await refusal(() => discord.send(message))).toMatchObject({ code: 'HP_ERR_NOTIFY_RATE_LIMITED', retryAfterMs: 352 })
    // Without a body, the Retry-After header still says how long.
    peers.script('discord', { status: 429, headers: { 'retry-after': '3' } })
    expect(await refusal(() => discord.send(message))).toMatchObject({ code: 'HP_ERR_NOTIFY_RATE_LIMITED', retryAfterMs: 3000 })
    peers.script('discord', { status: 502, body: 'bad gateway' })
    expect(await refusal(() => discord.send(message))).toMatchObject({ code: 'HP_ERR_NOTIFY_FAILED', detail: 'Discord answered 502: bad gateway' })

    // A long text is cut to Discord's 2000 characters instead of being refused.
    await discord.send({ ...message, text: 'x'.repeat(5000) })
    expect(peers.of('discord').at(-1)?.text).toHaveLength(2000)
  })

  it('ntfy: POST to the topic with the text as body, the title RFC 2047-encoded, priority, tags and the token', async () => {
    const ntfy = buildChannel(config(peers.env), 'ntfy')
    await ntfy.send({ ...message, event: 'anomaly' })
    const got = peers.of('ntfy').at(-1)
    expect(got?.title).toBe(message.title)
    expect(got?.text).toBe(message.text)
    expect(got?.headers.title).toMatch(/^=\?UTF-8\?B\?/)
    expect(got?.headers).toMatchObject({ priority: '4', tags: 'warning', authorization: `Bearer ${NTFY_TOKEN}` })

    await ntfy.send({ ...message, title: 'plain ascii title', event: 'badge' })
    expect(peers.of('ntfy').at(-1)?.headers).toMatchObject({ title: 'plain ascii title', priority: '3', tags: 'trophy' })

    const noToken = buildChannel(config({ ...peers.env, AGENT_NOTIFY_NTFY_TOKEN: '' }), 'ntfy')
    expect(await refusal(() => noToken.send(message))).toMatchObject({ code: 'HP_ERR_NOTIFY_REFUSED', detail: expect.stringMatching(/^ntfy answered 403: .*forbidden/) })
  })

  it('generic webhook: POST {event, title, text, language, data, sent_at} with the bearer token', async () => {
    const webhook = buildChannel(config(peers.env), 'webhook')
    await webhook.send(message)
    const got = peers.of('webhook').at(-1)
    expect(got?.json).toEqual({ event: 'badge', title: message.title, text: message.text, language: 'de', data: { badge: 'streak_30' }, sent_at: message.sentAt })
    expect(got?.headers.authorization).toBe(`Bearer ${WEBHOOK_TOKEN}`)
    expect(got?.headers['content-type']).toBe('application/json')
    const wrong = buildChannel(config({ ...peers.env, AGENT_NOTIFY_WEBHOOK_TOKEN: 'nope-wrong' }), 'webhook')
    expect(await refusal(() => wrong.send(message))).toMatchObject({ code: 'HP_ERR_NOTIFY_REFUSED', detail: 'the webhook answered 401: {"error":"unauthorized"}' })
  })

  it('Signal: runs signal-cli -a <account> send -m <text> <recipients…>; a non-zero exit fails with its stderr; a missing executable is named', async () => {
    const fake = new FakeSignalCli(tempDir('heatpool-signal-'))
    const env = { AGENT_NOTIFY_SIGNAL_CLI: fake.path, AGENT_NOTIFY_SIGNAL_ACCOUNT: '+4915112345678', AGENT_NOTIFY_SIGNAL_RECIPIENT: '+4917098765432, +4915199999999' }
    const signal = buildChannel(config(env), 'signal')
    expect((await signal.send(message)).detail).toMatch(/^signal-cli sent it \(\d+\)$/)
    expect(fake.calls).toEqual([['-a', '+4915112345678', 'send', '-m', `${message.title}\n\n${message.text}`, '+4917098765432', '+4915199999999']])

    fake.behave({ exit: 1, stderr: 'Failed to send message: Unregistered user "+4917098765432"' })
    expect(await refusal(() => signal.send(message))).toMatchObject({ code: 'HP_ERR_NOTIFY_FAILED', detail: 'signal-cli exited with 1: Failed to send message: Unregistered user "+4917098765432"' })

    fake.behave({ delayMs: 5000 })
    const slow = buildChannel(config({ ...env, AGENT_NOTIFY_TIMEOUT_MS: '100' }), 'signal')
    expect(await refusal(() => slow.send(message))).toMatchObject({ code: 'HP_ERR_NOTIFY_FAILED', detail: 'signal-cli was stopped after 600 ms' })

    const missing = buildChannel(config({ ...env, AGENT_NOTIFY_SIGNAL_CLI: '/nonexistent/signal-cli' }), 'signal')
    expect(await refusal(() => missing.send(message))).toMatchObject({ detail: 'cannot run /nonexistent/signal-cli: not found (install signal-cli or set AGENT_NOTIFY_SIGNAL_CLI)' })
  })

  it.each([
    ['STARTTLS (smtp://)', false],
    ['implicit TLS (smtps://)', true],
  ])('e-mail over %s with login: a German subject and body arrive intact; the certificate is verified', async (_name, secure) => {
    const smtp = await SmtpPeer.start(cert, secure)
    onCleanup(() => smtp.close())
    const env = { AGENT_NOTIFY_SMTP_URL: smtp.url(), AGENT_NOTIFY_SMTP_CA_FILE: cert.certFile, AGENT_NOTIFY_EMAIL_FROM: 'heatpool@example.org', AGENT_NOTIFY_EMAIL_TO: 'owner@example.org, partner@example.org' }
    const email = buildChannel(config(env), 'email')
    expect((await email.send(message)).detail).toMatch(/^mail <.+> accepted for 2 recipients$/)
    expect(smtp.mails).toHaveLength(1)
    const mail = smtp.mails[0]
    expect(mail).toMatchObject({ from: 'heatpool@example.org', to: ['owner@example.org', 'partner@example.org'], user: SMTP_USER, secure: true, subject: message.title, text: message.text })
    expect(mail?.headers['x-heatpool-event']).toBe('badge')

    // A wrong password is a refusal that names neither password.
    const wrong = buildChannel(config({ ...env, AGENT_NOTIFY_SMTP_URL: smtp.url('wrong-password') }), 'email')
    const refused = await refusal(() => wrong.send(message))
    expect(refused.code).toBe('HP_ERR_NOTIFY_REFUSED')
    expect(refused.detail).toMatch(/refused the login.*535/)
    expect(refused.detail).not.toContain('wrong-password')
    expect(refused.detail).not.toContain(SMTP_PASS)

    // Without the CA the self-signed certificate is not trusted: nothing is sent in clear instead.
    const untrusted = buildChannel(config({ ...env, AGENT_NOTIFY_SMTP_CA_FILE: '' }), 'email')
    expect((await refusal(() => untrusted.send(message))).detail).toMatch(/self-signed|certificate/i)
    expect(smtp.mails).toHaveLength(1)
  })

  it('e-mail: smtp:// to a server that offers no STARTTLS sends nothing rather than the password in clear', async () => {
    const smtp = await SmtpPeer.start(cert, false, true)
    onCleanup(() => smtp.close())
    const email = buildChannel(config({ AGENT_NOTIFY_SMTP_URL: smtp.url(), AGENT_NOTIFY_EMAIL_FROM: 'heatpool@example.org', AGENT_NOTIFY_EMAIL_TO: 'owner@example.org' }), 'email')
    const err = await refusal(() => email.send(message))
    expect(err).toMatchObject({ code: 'HP_ERR_NOTIFY_REFUSED', detail: 'cannot start TLS with the mail server 127.0.0.1 (smtp:// requires STARTTLS; smtps:// is implicit TLS): Error upgrading connection with STARTTLS: 500 Error: command not recognized' })
    // nodemailer insisted on STARTTLS (refused) and never logged in.
    expect(smtp.logins).toEqual([])
    expect(smtp.mails).toEqual([])
  })

  it('notify test: sends a test message in the owner\'s language; waits out one short 429; names what is missing when a channel is not configured', async () => {
    const before = peers.of('telegram').length
    peers.script('telegram', telegram429(0.2))
    const slept: number[] = []
    const result = await sendTestMessage(config({ ...peers.env, AGENT_NOTIFY_LANGUAGE: 'de' }), 'telegram', async (ms) => { slept.push(ms); await new Promise((r) => setTimeout(r, ms)) })
    expect(result).toMatchObject({ channel: 'telegram', sent: true, attempts: 2 })
    expect(slept).toEqual([200])
    expect(peers.of('telegram').slice(before).map((d) => d.text)).toEqual([expect.stringMatching(/^heatpool: Testnachricht\n\nDies ist ein Test des Kanals telegram/)])

    expect(await sendTestMessage(config({}), 'discord')).toEqual({ channel: 'discord', sent: false, code: 'HP_ERR_NOTIFY_NOT_CONFIGURED', detail: 'the discord channel is not configured: set AGENT_NOTIFY_DISCORD_WEBHOOK_URL' })
    expect(await sendTestMessage(config({ AGENT_NOTIFY_TELEGRAM_TOKEN: 'x:y' }), 'telegram')).toMatchObject({ sent: false, detail: 'the telegram channel is not configured: set AGENT_NOTIFY_TELEGRAM_CHAT_ID' })
    expect(await sendTestMessage(config({}), 'pigeon')).toMatchObject({ sent: false, code: 'HP_ERR_NOTIFY_UNKNOWN_CHANNEL' })
  })
})
