import { execFile, execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { onCleanup, tempDir } from '../unit/support/rig.js'
import { ChatPeers, TELEGRAM_TOKEN, WEBHOOK_TOKEN } from './support/chat-peers.js'
import { FakeSignalCli } from './support/fake-signal-cli.js'

const REPO = fileURLToPath(new URL('../../../../', import.meta.url))
const AGENT = join(REPO, 'packages/agent')
const MAIN = join(AGENT, 'dist/cli/main.js')

/** The newest modification time of the agent's sources (tests excluded). */
function newestSource (dir = join(AGENT, 'src')): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path))
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

beforeAll(() => {
  const built = join(AGENT, 'dist/.tsbuildinfo')
  if (!existsSync(MAIN) || !existsSync(built) || statSync(built).mtimeMs < newestSource()) {
    execFileSync('npx', ['tsc', '-b', 'packages/agent'], { cwd: REPO, stdio: 'pipe' })
  }
})

interface Run { readonly code: number | null, readonly stdout: string, readonly stderr: string }

/** The built CLI as an owner runs it, with only the given environment (plus PATH). */
function cli (args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? '', AGENT_DATA_DIR: tempDir(), ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr })
    })
  })
}

describe('heatpool-agent notify test', () => {
  it('sends a test message through each configured channel and prints the result; exit 1 with a clear message when a channel is not configured or fails', async () => {
    const peers = await ChatPeers.start()
    onCleanup(() => peers.close())
    const signal = new FakeSignalCli(tempDir('heatpool-signal-'))
    const env = { ...peers.env, AGENT_NOTIFY_LANGUAGE: 'de', AGENT_NOTIFY_SIGNAL_CLI: signal.path, AGENT_NOTIFY_SIGNAL_ACCOUNT: '+4915112345678', AGENT_NOTIFY_SIGNAL_RECIPIENT: '+4917098765432' }

    for (const channel of ['telegram', 'discord', 'ntfy', 'webhook', 'signal']) {
      const run = await cli(['notify', 'test', '--channel', channel], env)
      expect(run, channel).toMatchObject({ code: 0, stderr: '' })
      expect(JSON.parse(run.stdout), channel).toMatchObject({ channel, sent: true, attempts: 1, detail: expect.any(String) })
    }
    expect(peers.of('telegram')[0]?.text).toMatch(/^heatpool: Testnachricht\n\nDies ist ein Test des Kanals telegram, gesendet vom heatpool-Agenten am \d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}\./)
    expect(peers.of('webhook')[0]?.json).toMatchObject({ event: 'test', language: 'de', data: { channel: 'webhook' } })
    expect(peers.of('webhook')[0]?.headers.authorization).toBe(`Bearer ${WEBHOOK_TOKEN}`)
    expect(signal.calls[0]?.slice(0, 4)).toEqual(['-a', '+4915112345678', 'send', '-m'])
    expect(signal.calls[0]?.at(-1)).toBe('+4917098765432')

    const notConfigured = await cli(['notify', 'test', '--channel', 'email'], env)
    expect(notConfigured).toMatchObject({ code: 1, stdout: '' })
    expect(notConfigured.stderr).toBe('cannot send a test notification on email: HP_ERR_NOTIFY_NOT_CONFIGURED: the email channel is not configured: set AGENT_NOTIFY_SMTP_URL, AGENT_NOTIFY_EMAIL_FROM, AGENT_NOTIFY_EMAIL_TO\n')

    const wrongToken = await cli(['notify', 'test', '--channel', 'telegram'], { ...env, AGENT_NOTIFY_TELEGRAM_TOKEN: '42:not-the-right-token' })
    expect(wrongToken).toMatchObject({ code: 1, stdout: '' })
    expect(wrongToken.stderr).toBe('cannot send a test notification on telegram: HP_ERR_NOTIFY_REFUSED: Telegram answered 401: Unauthorized\n')

    signal.behave({ exit: 3, stderr: 'User +4915112345678 is not registered.' })
    const failing = await cli(['notify', 'test', '--channel', 'signal'], env)
    expect(failing).toMatchObject({ code: 1, stderr: 'cannot send a test notification on signal: HP_ERR_NOTIFY_FAILED: signal-cli exited with 3: User +4915112345678 is not registered.\n' })
    expect(wrongToken.stderr + failing.stderr).not.toContain(TELEGRAM_TOKEN)
  })

  it.each([
    [['notify'], /^cannot send a test notification: say `notify test --channel <telegram\|discord\|email\|signal\|ntfy\|webhook>`/],
    [['notify', 'test'], /^cannot send a test notification: say `notify test --channel/],
    [['notify', 'test', '--channel', 'pigeon'], /^cannot send a test notification: unknown channel "pigeon" \(known: telegram, discord, email, signal, ntfy, webhook\)/],
    [['notify', 'test', '--chanel', 'ntfy'], /^cannot send a test notification: Unknown option '--chanel'/],
  ])('usage errors exit 2: %j', async (args, message) => {
    const run = await cli(args, {})
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(message)
  })

  it('is listed in the usage', async () => {
    const run = await cli(['--help'], {})
    expect(run.stdout).toMatch(/^ {2}notify test --channel <name>\n {19}send a test notification/m)
  })
})
