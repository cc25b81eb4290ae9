import { randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * One loopback HTTP server playing the HTTP services notifications go to, answering as they do:
 * the Telegram Bot API (`POST /bot<token>/sendMessage`: `{ok, result}`, `ok:false` with
 * `error_code`/`description`, 429 with `parameters.retry_after`), a Discord webhook
 * (`POST /api/webhooks/<id>/<token>`: 200 with the message under `?wait=true`, else 204; 429 with a
 * float `retry_after` in the body and `Retry-After`), an ntfy server (`POST /<topic>`: the
 * message as JSON; RFC 2047 titles decoded) and a generic JSON webhook (`POST /hook`). Every
 * request is recorded; scripted answers (`script`) go first, then the service's own.
 */
export type Service = 'telegram' | 'discord' | 'ntfy' | 'webhook'

export interface PeerRequest {
  readonly service: Service | 'unknown'
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: IncomingHttpHeaders
  readonly text: string
  readonly json: unknown
  readonly status: number
  readonly at: number
}

/** What the service took: one entry per message it accepted. */
export interface Delivered {
  readonly service: Service
  /** Telegram and Discord text, the ntfy body, the webhook's `text`. */
  readonly text: string
  /** ntfy's (decoded) title, the webhook's title; Telegram and Discord carry it in the text. */
  readonly title?: string
  readonly headers: IncomingHttpHeaders
  readonly json: unknown
}

export interface Scripted {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body?: unknown
  /** Answer only after this many ms (a slow or hanging service). */
  readonly delayMs?: number
}

export const TELEGRAM_TOKEN = '123456:ABC-secret-bot-token'
export const TELEGRAM_CHAT = '987654321'
export const DISCORD_PATH = '/api/webhooks/1234567890/secret-discord-webhook-token'
export const NTFY_TOPIC = 'heatpool-owner-topic'
export const NTFY_TOKEN = 'tk_secretntfytoken'
export const WEBHOOK_TOKEN = 'secret-webhook-bearer'

/** Telegram's answer to a flood: 429 and the wait in `parameters.retry_after`. */
export const telegram429 = (seconds: number): Scripted => ({
  status: 429,
  headers: { 'retry-after': String(seconds) },
  body: { ok: false, error_code: 429, description: `Too Many Requests: retry after ${seconds}`, parameters: { retry_after: seconds } },
})

/** Discord's rate limit: the wait as a float in the body and `Retry-After`. */
export const discord429 = (seconds: number): Scripted => ({
  status: 429,
  headers: { 'retry-after': String(Math.ceil(seconds)), 'x-ratelimit-scope': 'user' },
  body: { message: 'You are being rate limited.', retry_after: seconds, global: false },
})

/** RFC 2047 encoded words (B and Q) in a header value, decoded. */
export function decodeWords (value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) => enc.toUpperCase() === 'B'
    ? Buffer.from(text, 'base64').toString('utf8')
    : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'))
}

export class ChatPeers {
  readonly requests: PeerRequest[] = []
  readonly delivered: Delivered[] = []
  readonly #scripts = new Map<Service, Scripted[]>()
  readonly #server: Server
  #url = ''
  #messageId = 100

  private constructor () {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        void (async () => {
          const url = new URL(req.url ?? '/', 'http://peer')
          const text = Buffer.concat(chunks).toString('utf8')
          let json: unknown
          try { json = text === '' ? undefined : JSON.parse(text) } catch { json = undefined }
          const service = serviceOf(url.pathname)
          const scripted = service === 'unknown' ? undefined : this.#scripts.get(service)?.shift()
          const answer = scripted ?? this.#answer(service, url, req.headers, text, json)
          if (answer.delayMs !== undefined) await new Promise((r) => setTimeout(r, answer.delayMs))
          this.requests.push({ service, path: url.pathname, query: url.searchParams, headers: req.headers, text, json, status: answer.status, at: Date.now() })
          const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body)
          res.writeHead(answer.status, { ...(answer.body !== undefined && typeof answer.body !== 'string' ? { 'content-type': 'application/json' } : {}), ...answer.headers })
          res.end(body)
        })()
      })
    })
  }

  static async start (): Promise<ChatPeers> {
    const peers = new ChatPeers()
    await new Promise<void>((resolve) => peers.#server.listen(0, '127.0.0.1', resolve))
    peers.#url = `http://127.0.0.1:${(peers.#server.address() as AddressInfo).port}`
    return peers
  }

  get url (): string {
    return this.#url
  }

  /** The agent settings that point every HTTP channel here. */
  get env (): Record<string, string> {
    return {
      AGENT_NOTIFY_TELEGRAM_API_URL: this.#url,
      AGENT_NOTIFY_TELEGRAM_TOKEN: TELEGRAM_TOKEN,
      AGENT_NOTIFY_TELEGRAM_CHAT_ID: TELEGRAM_CHAT,
      AGENT_NOTIFY_DISCORD_WEBHOOK_URL: `${this.#url}${DISCORD_PATH}`,
      AGENT_NOTIFY_NTFY_URL: `${this.#url}/${NTFY_TOPIC}`,
      AGENT_NOTIFY_NTFY_TOKEN: NTFY_TOKEN,
      AGENT_NOTIFY_WEBHOOK_URL: `${this.#url}/hook`,
      AGENT_NOTIFY_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    }
  }

  /** The next answers of `service`, before its own. */
  script (service: Service, ...answers: Scripted[]): void {
    this.#scripts.set(service, [...(this.#scripts.get(service) ?? []), ...answers])
  }

  of (service: Service): Delivered[] {
    return this.delivered.filter((d) => d.service === service)
  }

  async close (): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #answer (service: Service | 'unknown', url: URL, headers: IncomingHttpHeaders, text: string, json: unknown): Scripted {
    switch (service) {
      case 'telegram': {
        const token = /^\/bot([^/]+)\/sendMessage$/.exec(url.pathname)?.[1]
        if (token !== TELEGRAM_TOKEN) return { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } }
        const body = json as { chat_id?: unknown, text?: unknown } | undefined
        if (typeof body?.text !== 'string' || body.text === '') return { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: message text is empty' } }
        if (String(body.chat_id) !== TELEGRAM_CHAT) return { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } }
        if (body.text.length > 4096) return { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: message is too long' } }
        const id = this.#messageId++
        this.delivered.push({ service, text: body.text, headers, json })
        return { status: 200, body: { ok: true, result: { message_id: id, chat: { id: Number(TELEGRAM_CHAT), type: 'private' }, date: Math.floor(Date.now() / 1000), text: body.text } } }
      }
      case 'discord': {
        if (url.pathname !== DISCORD_PATH) return { status: 401, body: { message: 'Invalid Webhook Token', code: 50027 } }
        const body = json as { content?: unknown } | undefined
        if (typeof body?.content !== 'string' || body.content === '' || body.content.length > 2000) return { status: 400, body: { message: 'Invalid Form Body', code: 50035 } }
        const id = String(this.#messageId++)
        this.delivered.push({ service, text: body.content, headers, json })
        return url.searchParams.get('wait') === 'true' ? { status: 200, body: { id, type: 0, content: body.content, channel_id: '42', webhook_id: '1234567890' } } : { status: 204 }
      }
      case 'ntfy': {
        if (headers.authorization !== `Bearer ${NTFY_TOKEN}`) return { status: 403, body: { code: 40301, http: 403, error: 'forbidden', link: 'https://ntfy.sh/docs/publish/#authentication' } }
        const title = typeof headers.title === 'string' ? decodeWords(headers.title) : undefined
        const id = randomUUID().slice(0, 12)
        this.delivered.push({ service, text, title, headers, json })
        return { status: 200, body: { id, time: Math.floor(Date.now() / 1000), event: 'message', topic: NTFY_TOPIC, message: text, ...(title === undefined ? {} : { title }) } }
      }
      case 'webhook': {
        if (headers.authorization !== `Bearer ${WEBHOOK_TOKEN}`) return { status: 401, body: { error: 'unauthorized' } }
        const body = json as { text?: string, title?: string } | undefined
        this.delivered.push({ service, text: body?.text ?? '', title: body?.title, headers, json })
        return { status: 200, body: { ok: true } }
      }
      default:
        return { status: 404, body: { error: 'not found' } }
    }
  }
}

function serviceOf (path: string): Service | 'unknown' {
  if (path.startsWith('/bot')) return 'telegram'
  if (path.startsWith('/api/webhooks/')) return 'discord'
  if (path === '/hook') return 'webhook'
  if (path === `/${NTFY_TOPIC}`) return 'ntfy'
  return 'unknown'
}
