import type { AgentConfig } from '../config.js'
import { CHANNEL_NAMES, describeFailure, NotifyError, type ChannelName, type Language } from './channel.js'
import { buildChannel } from './channels.js'
import { CHANNEL_KEYS, channelSetups, notifySecrets } from './setup.js'
import { renderTest } from './messages.js'

/** A 429 asking for at most this long is waited out once; a longer one is reported. */
const TEST_MAX_WAIT_MS = 30_000

export type TestResult =
  | { readonly channel: ChannelName, readonly sent: true, readonly detail: string, readonly attempts: number }
  | { readonly channel: string, readonly sent: false, readonly code: string, readonly detail: string }

/**
 * `heatpool-agent notify test --channel <name>`: one test message through the channel as
 * configured, without touching the notification record. Waits out one short rate limit;
 * everything else is reported as it is (secrets taken out).
 */
export async function sendTestMessage (config: AgentConfig, name: string, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<TestResult> {
  if (!(CHANNEL_NAMES as readonly string[]).includes(name)) {
    return { channel: name, sent: false, code: 'HP_ERR_NOTIFY_UNKNOWN_CHANNEL', detail: `unknown channel "${name}" (known: ${CHANNEL_NAMES.join(', ')})` }
  }
  const channelName = name as ChannelName
  const setup = channelSetups(config).find((s) => s.name === channelName)
  if (setup?.state !== 'on') {
    const missing = setup?.state === 'incomplete' ? setup.missing : CHANNEL_KEYS[channelName].required
    return { channel: name, sent: false, code: 'HP_ERR_NOTIFY_NOT_CONFIGURED', detail: `the ${name} channel is not configured: set ${missing.join(', ')}` }
  }
  const format = { language: config.AGENT_NOTIFY_LANGUAGE as Language, ...(config.AGENT_NOTIFY_TIME_ZONE.trim() === '' ? {} : { timeZone: config.AGENT_NOTIFY_TIME_ZONE.trim() }) }
  const channel = buildChannel(config, channelName)
  for (let attempt = 1; ; attempt++) {
    const at = new Date().toISOString()
    try {
      const receipt = await channel.send({ event: 'test', ...renderTest(name, at, format), language: format.language, data: { channel: name }, sentAt: at })
      return { channel: channelName, sent: true, detail: receipt.detail, attempts: attempt }
    } catch (err) {
      const wait = err instanceof NotifyError && err.code === 'HP_ERR_NOTIFY_RATE_LIMITED' ? err.retryAfterMs ?? 1000 : undefined
      if (attempt === 1 && wait !== undefined && wait <= TEST_MAX_WAIT_MS) {
        await sleep(wait)
        continue
      }
      return { channel: name, sent: false, ...describeFailure(err, notifySecrets(config)) }
    }
  }
}
