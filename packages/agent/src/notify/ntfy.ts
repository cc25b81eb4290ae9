import type { Channel, Message, Receipt } from './channel.js'
import { checkAnswer, jsonOf, send } from './http.js'

export interface NtfySettings {
  /** The topic URL: `<server>/<topic>`. */
  readonly url: string
  readonly token: string
  readonly timeoutMs: number
}

/** Priority (1–5) and tags (emoji short codes) per event kind; the rest get ntfy's default 3. */
const PRIORITY: Readonly<Record<string, number>> = { anomaly: 4, 'uploads-failing': 4, 'outbox-full': 4 }
const TAGS: Readonly<Record<string, string>> = {
  eligible: 'tada',
  model: 'package',
  anomaly: 'warning',
  'uploads-failing': 'warning',
  'outbox-full': 'warning',
  badge: 'trophy',
  digest: 'bell',
  test: 'white_check_mark',
}

/**
 * HTTP headers carry Latin-1 at best; ntfy decodes RFC 2047 encoded words, so a title with
 * umlauts goes as `=?UTF-8?B?…?=` and plain ASCII as is.
 */
export function headerText (text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ')
  return /^[\x20-\x7e]*$/.test(flat) ? flat : `=?UTF-8?B?${Buffer.from(flat, 'utf8').toString('base64')}?=`
}

/** ntfy: `POST <server>/<topic>` with the text as body and title, priority and tags as headers. */
export function ntfyChannel (s: NtfySettings): Channel {
  const url = new URL(s.url)
  return {
    name: 'ntfy',
    async send (message: Message): Promise<Receipt> {
      const answer = await send(url, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          title: headerText(message.title),
          priority: String(PRIORITY[message.event] ?? 3),
          tags: TAGS[message.event] ?? 'bell',
          ...(s.token === '' ? {} : { authorization: `Bearer ${s.token}` }),
        },
        body: message.text,
        timeoutMs: s.timeoutMs,
      })
      checkAnswer(answer, 'ntfy')
      const body = jsonOf(answer) as { id?: string } | undefined
      return { detail: `ntfy message ${body?.id ?? '(no id)'}` }
    },
  }
}
