import type { Channel, Message, Receipt } from './channel.js'
import { checkAnswer, jsonOf, secondsToMs, send } from './http.js'

/** Discord's limit on a message's content. */
const MAX_CONTENT = 2000

export interface DiscordSettings {
  readonly webhookUrl: string
  readonly timeoutMs: number
}

/**
 * A Discord webhook: `POST {content}` with `?wait=true`, so that Discord answers with the
 * message it created (200) instead of an empty 204 — a confirmation, not a hope. Mentions are
 * switched off (an anomaly text never pings @everyone). On 429 Discord gives the wait in seconds
 * (a float) as `retry_after` in the JSON body and in `Retry-After`.
 */
export function discordChannel (s: DiscordSettings): Channel {
  const url = new URL(s.webhookUrl)
  url.searchParams.set('wait', 'true')
  return {
    name: 'discord',
    async send (message: Message): Promise<Receipt> {
      const content = `**${message.title}**\n${message.text}`.slice(0, MAX_CONTENT)
      const answer = await send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ content, allowed_mentions: { parse: [] } }),
        timeoutMs: s.timeoutMs,
      })
      const body = jsonOf(answer) as { id?: string, retry_after?: number } | undefined
      checkAnswer(answer, 'Discord', answer.status === 429 ? secondsToMs(body?.retry_after) : undefined)
      return { detail: `Discord message ${body?.id ?? '(no id)'}` }
    },
  }
}
