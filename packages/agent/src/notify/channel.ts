/** The channels notifications can go out on, in the order they are tried and listed. */
export const CHANNEL_NAMES = ['telegram', 'discord', 'email', 'signal', 'ntfy', 'webhook'] as const
export type ChannelName = typeof CHANNEL_NAMES[number]

export type Language = 'en' | 'de'

/** One message, already in the owner's language. */
export interface Message {
  /** The event kind (`eligible`, `model`, …, `digest`, `test`). */
  readonly event: string
  readonly title: string
  /** Plain text, several lines. */
  readonly text: string
  readonly language: Language
  /** The event's facts, for machine readers (the webhook). */
  readonly data: Readonly<Record<string, unknown>>
  /** When the message was sent, ISO 8601. */
  readonly sentAt: string
}

/** What a channel answered when it took the message, for `notify test` and debug logs (never a secret). */
export interface Receipt {
  readonly detail: string
}

/** One way out: sends a message or throws a `NotifyError`. */
export interface Channel {
  readonly name: ChannelName
  send (message: Message): Promise<Receipt>
}

export type NotifyErrorCode =
  /** The service said to wait (HTTP 429): retried after `retryAfterMs`. */
  | 'HP_ERR_NOTIFY_RATE_LIMITED'
  /** No answer: connection refused, DNS, TLS, timeout. Retried. */
  | 'HP_ERR_NOTIFY_UNREACHABLE'
  /** The service failed (5xx) or signal-cli exited non-zero. Retried. */
  | 'HP_ERR_NOTIFY_FAILED'
  /** The service refused the message (4xx, Telegram `ok:false`, SMTP 5xx): retried, but a setting is likely wrong. */
  | 'HP_ERR_NOTIFY_REFUSED'

/** Why a channel could not deliver; `detail` never holds a token, webhook URL or password. */
export class NotifyError extends Error {
  override readonly name = 'NotifyError'

  constructor (
    readonly code: NotifyErrorCode,
    readonly detail: string,
    /** The wait the service asked for (429), in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(`${code}: ${detail}`)
  }
}

/** Replaces every occurrence of each secret (and its URL-encoded form) in `text` with `***`. */
export function redact (text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) {
    if (secret.length < 4) continue
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***')
  }
  return out
}

/** The error as `{ code, detail }` with the secrets taken out (whatever was thrown). */
export function describeFailure (err: unknown, secrets: readonly string[]): { code: string, detail: string } {
  if (err instanceof NotifyError) return { code: err.code, detail: redact(err.detail, secrets) }
  return { code: 'HP_ERR_NOTIFY_FAILED', detail: redact(err instanceof Error ? err.message : String(err), secrets) }
}
