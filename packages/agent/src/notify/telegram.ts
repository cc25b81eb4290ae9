import { NotifyError, type Channel, type Message, type Receipt } from './channel.js'
import { excerpt, jsonOf, secondsToMs, send } from './http.js'

/** Telegram's limit on a message's text. */
const MAX_TEXT = 4096

export interface TelegramSettings {
  readonly apiUrl: string
  readonly token: string
  readonly chatId: string
  readonly timeoutMs: number
}

interface BotAnswer {
  readonly ok?: boolean
  readonly description?: string
  readonly error_code?: number
  readonly parameters?: { readonly retry_after?: number }
  readonly result?: { readonly message_id?: number }
}

/**
 * Telegram Bot API `sendMessage` (plain text, as upstream's logger sends it). The Bot API's
 * verdict is its JSON `ok`, not the HTTP status: `ok:false` is a refusal with its
 * `description`, and a 429 carries the wait in `parameters.retry_after` (seconds).
 */
export function telegramChannel (s: TelegramSettings): Channel {
  const url = new URL(`${s.apiUrl.replace(/\/+$/, '')}/bot${s.token}/sendMessage`)
  return {
    name: 'telegram',
    async send (message: Message): Promise<Receipt> {
      const text = `${message.title}\n\n${message.text}`.slice(0, MAX_TEXT)
      const answer = await send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: s.chatId, text }),
        timeoutMs: s.timeoutMs,
      })
      const body = jsonOf(answer) as BotAnswer | undefined
      if (body?.ok === true && answer.status === 200) return { detail: `Telegram message ${body.result?.message_id ?? '?'} in chat ${s.chatId}` }
      const said = body?.description ?? excerpt(answer.text)
      const detail = `Telegram answered ${answer.status}${said === '' ? '' : `: ${said}`}`
      if (answer.status === 429 || body?.error_code === 429) {
        throw new NotifyError('HP_ERR_NOTIFY_RATE_LIMITED', detail, secondsToMs(body?.parameters?.retry_after) ?? secondsToMs(answer.headers['retry-after']))
      }
      throw new NotifyError(answer.status >= 500 ? 'HP_ERR_NOTIFY_FAILED' : 'HP_ERR_NOTIFY_REFUSED', detail)
    },
  }
}
