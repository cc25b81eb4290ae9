import type { Channel, Message, Receipt } from './channel.js'
import { checkAnswer, send } from './http.js'

export interface WebhookSettings {
  readonly url: string
  readonly token: string
  readonly timeoutMs: number
}

/** The JSON a webhook receives (stable field names: other programs read them). */
export interface WebhookBody {
  readonly event: string
  readonly title: string
  readonly text: string
  readonly language: string
  readonly data: Readonly<Record<string, unknown>>
  readonly sent_at: string
}

/** A generic JSON webhook: `POST {event, title, text, language, data, sent_at}`, any 2xx is taken. */
export function webhookChannel (s: WebhookSettings): Channel {
  const url = new URL(s.url)
  return {
    name: 'webhook',
    async send (message: Message): Promise<Receipt> {
      const body: WebhookBody = { event: message.event, title: message.title, text: message.text, language: message.language, data: message.data, sent_at: message.sentAt }
      const answer = await send(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(s.token === '' ? {} : { authorization: `Bearer ${s.token}` }) },
        body: JSON.stringify(body),
        timeoutMs: s.timeoutMs,
      })
      checkAnswer(answer, 'the webhook')
      return { detail: `webhook answered ${answer.status}` }
    },
  }
}
