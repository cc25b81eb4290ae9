import type { AgentConfig } from '../config.js'
import { redact } from '../notify/channel.js'
import type { NotifierStatus } from '../notify/notifier.js'
import { channelSetups, notifySecrets } from '../notify/setup.js'

/** `notifications` in `GET /api/status`: each channel, what waits, the last error; never a setting's value. */
export interface NotificationsStatus {
  readonly channels: readonly {
    readonly name: string
    readonly state: 'on' | 'off' | 'incomplete'
    /** The keys an incomplete channel still needs (names, not values). */
    readonly missing?: readonly string[]
    readonly pending: number
    readonly last_error: { readonly code: string, readonly detail: string } | null
  }[]
  /** Notifications waiting to be sent, over all channels. */
  readonly pending: number
  /** Events recorded in notifications.json. */
  readonly events: number
}

/**
 * The notification part of the agent's status, from the notifier's own (undefined when no
 * channel is configured: every channel is then off). Error details are redacted once more here,
 * since this answer is shown on a page and printed by the CLI.
 */
export function notificationsStatus (config: AgentConfig, status: NotifierStatus | undefined): NotificationsStatus {
  const secrets = status === undefined ? [] : notifySecrets(config)
  const channels = status?.channels ?? channelSetups(config).map((s) => ({ ...s, pending: 0, lastError: null }))
  return {
    channels: channels.map((c) => ({
      name: c.name,
      state: c.state,
      ...('missing' in c && c.missing !== undefined ? { missing: c.missing } : {}),
      pending: c.pending,
      last_error: c.lastError === null ? null : { code: c.lastError.code, detail: redact(c.lastError.detail, secrets) },
    })),
    pending: channels.reduce((sum, c) => sum + c.pending, 0),
    events: status?.events ?? 0,
  }
}
