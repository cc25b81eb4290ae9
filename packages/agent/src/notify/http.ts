import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { NotifyError } from './channel.js'

export interface HttpAnswer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly text: string
}

/** Most bytes of an answer read (services answer a few hundred). */
const MAX_ANSWER_BYTES = 256 * 1024

/**
 * One HTTP request with a deadline (`AbortSignal.timeout`) covering the whole exchange. On
 * node:http(s) rather than fetch, like the server client: fetch (undici) costs the agent ~9 MB
 * once loaded. Never puts the URL in an error: for Telegram and Discord the URL is the secret.
 */
export async function send (url: URL, init: { method: 'GET' | 'POST', headers?: Record<string, string>, body?: string | Buffer, timeoutMs: number }): Promise<HttpAnswer> {
  const request = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? Buffer.from(init.body) : init.body
  const signal = AbortSignal.timeout(init.timeoutMs)
  return new Promise((resolve, reject) => {
    const fail = (err: Error & { code?: string }) => {
      const reason = signal.aborted ? `no answer within ${init.timeoutMs} ms` : err.code ?? err.message
      reject(new NotifyError('HP_ERR_NOTIFY_UNREACHABLE', `cannot reach ${url.host}: ${reason}`))
    }
    const req = request(url, {
      method: init.method,
      signal,
      // A connection per request, closed after it: notifications are rare, idle sockets would only linger.
      agent: false,
      headers: { ...init.headers, ...(body === undefined ? {} : { 'content-length': String(body.length) }) },
    }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (c: Buffer) => {
        size += c.length
        if (size <= MAX_ANSWER_BYTES) chunks.push(c)
      })
      res.on('error', fail)
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', fail)
    req.end(body)
  })
}

/** The answer's JSON, or undefined when it is none. */
export function jsonOf (answer: HttpAnswer): unknown {
  try {
    return answer.text === '' ? undefined : JSON.parse(answer.text) as unknown
  } catch {
    return undefined
  }
}

/** Seconds (a number, possibly fractional, or text of one) as milliseconds; undefined when not a usable wait. */
export function secondsToMs (value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
  return Number.isFinite(n) && n >= 0 ? Math.ceil(n * 1000) : undefined
}

/** A short, single-line excerpt of an answer body for an error message. */
export function excerpt (text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, max)}…` : line
}

/**
 * The usual reading of an HTTP answer: 2xx is fine; 429 is a rate limit (with the wait, if
 * given); 5xx a failure; any other status a refusal. `what` names the service.
 */
export function checkAnswer (answer: HttpAnswer, what: string, retryAfterMs?: number): void {
  if (answer.status >= 200 && answer.status < 300) return
  const said = excerpt(answer.text)
  const detail = `${what} answered ${answer.status}${said === '' ? '' : `: ${said}`}`
  if (answer.status === 429) throw new NotifyError('HP_ERR_NOTIFY_RATE_LIMITED', detail, retryAfterMs ?? secondsToMs(answer.headers['retry-after']))
  throw new NotifyError(answer.status >= 500 ? 'HP_ERR_NOTIFY_FAILED' : 'HP_ERR_NOTIFY_REFUSED', detail)
}
