import type { AgentConfig } from '../config.js'
import { CHANNEL_NAMES, type ChannelName } from './channel.js'
import { smtpSettings } from './settings.js'

/*
 * Which channels are configured: no channel code here, so that the agent can ask without
 * loading any (most agents send no notifications).
 */

export type NotifyKey = Extract<keyof AgentConfig, `AGENT_NOTIFY_${string}`>

/** The keys a channel needs (all set: the channel is on) and the ones it may use. */
export const CHANNEL_KEYS: Readonly<Record<ChannelName, { readonly required: readonly NotifyKey[], readonly secrets: readonly NotifyKey[] }>> = {
  telegram: { required: ['AGENT_NOTIFY_TELEGRAM_TOKEN', 'AGENT_NOTIFY_TELEGRAM_CHAT_ID'], secrets: ['AGENT_NOTIFY_TELEGRAM_TOKEN'] },
  discord: { required: ['AGENT_NOTIFY_DISCORD_WEBHOOK_URL'], secrets: ['AGENT_NOTIFY_DISCORD_WEBHOOK_URL'] },
  email: { required: ['AGENT_NOTIFY_SMTP_URL', 'AGENT_NOTIFY_EMAIL_FROM', 'AGENT_NOTIFY_EMAIL_TO'], secrets: ['AGENT_NOTIFY_SMTP_URL'] },
  signal: { required: ['AGENT_NOTIFY_SIGNAL_ACCOUNT', 'AGENT_NOTIFY_SIGNAL_RECIPIENT'], secrets: [] },
  ntfy: { required: ['AGENT_NOTIFY_NTFY_URL'], secrets: ['AGENT_NOTIFY_NTFY_URL', 'AGENT_NOTIFY_NTFY_TOKEN'] },
  webhook: { required: ['AGENT_NOTIFY_WEBHOOK_URL'], secrets: ['AGENT_NOTIFY_WEBHOOK_URL', 'AGENT_NOTIFY_WEBHOOK_TOKEN'] },
}

export type ChannelSetup = { readonly name: ChannelName, readonly state: 'on' } | { readonly name: ChannelName, readonly state: 'off' } | { readonly name: ChannelName, readonly state: 'incomplete', readonly missing: readonly NotifyKey[] }

const isSet = (config: AgentConfig, key: NotifyKey) => String(config[key]).trim() !== ''

/** Each channel: on (every required key set), off (none set) or incomplete (some set: the rest are named). Pure. */
export function channelSetups (config: AgentConfig): ChannelSetup[] {
  return CHANNEL_NAMES.map((name) => {
    const { required } = CHANNEL_KEYS[name]
    const missing = required.filter((key) => !isSet(config, key))
    if (missing.length === 0) return { name, state: 'on' }
    return missing.length === required.length ? { name, state: 'off' } : { name, state: 'incomplete', missing }
  })
}

/** The channels that are on. */
export function enabledChannelNames (config: AgentConfig): ChannelName[] {
  return channelSetups(config).filter((s) => s.state === 'on').map((s) => s.name)
}

/** `text` URL-decoded, or as it is when it is no valid encoding. */
function decoded (text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * Every secret value among the notification settings (to take out of anything logged or shown)
 * and, for those that are URLs, their parts that a service could echo on their own in an error (a
 * webhook receiver's "Cannot POST /hooks/<token>"): the path, the path and query, long path
 * segments, query values, the login. Longest first, so that a part inside another secret does not
 * leave the rest of it readable.
 */
export function notifySecrets (config: AgentConfig): string[] {
  const keys = new Set(CHANNEL_NAMES.flatMap((name) => CHANNEL_KEYS[name].secrets))
  const smtp = config.AGENT_NOTIFY_SMTP_URL.trim() === '' ? undefined : smtpSettings(config.AGENT_NOTIFY_SMTP_URL)
  const out = new Set<string>()
  for (const secret of [...[...keys].map((key) => String(config[key]).trim()), smtp?.pass ?? '', smtp?.user ?? '']) {
    if (secret === '') continue
    out.add(secret)
    let url: URL
    try {
      url = new URL(secret)
    } catch {
      continue
    }
    if (url.pathname !== '/') out.add(url.pathname + url.search).add(url.pathname)
    for (const segment of url.pathname.split('/')) if (segment.length >= 8) out.add(segment).add(decoded(segment))
    for (const value of url.searchParams.values()) if (value !== '') out.add(value)
    for (const part of [url.username, url.password]) if (part !== '') out.add(part).add(decoded(part))
  }
  return [...out].sort((a, b) => b.length - a.length)
}
