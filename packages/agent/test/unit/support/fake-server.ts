import { createHash, randomUUID } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'

/** One request as the fake server saw it. */
export interface SeenRequest {
  readonly method: string
  /** Path without the query. */
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: IncomingHttpHeaders
  /** The body after gzip decoding (when the request was gzipped). */
  readonly body: Buffer
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown
  /** Date.now() when the request arrived (the same clock the agent's uploader uses). */
  readonly at: number
  /** The n-th request to this route, from 1. */
  readonly nth: number
}

export interface Reply {
  readonly status: number
  readonly headers?: Readonly<Record<string, string>>
  /** An object is sent as JSON; a Buffer or string as is. */
  readonly body?: unknown
}

/** `drop`: destroy the connection without an answer; `hang`: never answer. */
export type Answer = Reply | 'drop' | 'hang'
export type Handler = (req: SeenRequest) => Answer | Promise<Answer>

export const SUBMIT = 'POST /api/v1/submit'
export const REGISTER = 'POST /api/v2/installations'
export const MODEL_CHECK = 'GET /api/v1/model/check'
export const MODEL_DOWNLOAD = 'GET /api/v1/model/download'
export const POOL_STATUS = 'GET /api/v1/pool/status'
export const AVERAGES = 'GET /api/v1/community/averages'

/** What the real server answers by default: a token per registration, success per batch. */
const defaults: Record<string, Handler> = {
  [REGISTER]: (req) => {
    const body = req.json as { installation_id?: string }
    return { status: 201, body: { installation_id: body.installation_id ?? randomUUID(), token: `hpi_${randomUUID().replaceAll('-', '')}`, created: true } }
  },
  [SUBMIT]: (req) => {
    const body = req.json as { installation_id: string, data: unknown[] }
    return { status: 200, body: { status: 'success', processed: body.data.length, installation_id: body.installation_id } }
  },
}

/**
 * A scripted stand-in for the heatpool server on 127.0.0.1, speaking its protocol (gzip JSON
 * submits with Idempotency-Key, registration, model check and download), for the answers the real
 * server cannot be made to give on demand: 429 with Retry-After, 503, 422, dropped and hanging
 * connections. Handlers are set per route by each test; every request is recorded.
 */
export class FakeServer {
  readonly requests: SeenRequest[] = []
  readonly #handlers = new Map<string, Handler>(Object.entries(defaults))
  readonly #server: Server
  readonly #counts = new Map<string, number>()
  #url = ''

  private constructor () {
    this.#server = createServer((req, res) => { void this.#handle(req, res) })
  }

  static async start (handlers: Readonly<Record<string, Handler>> = {}): Promise<FakeServer> {
    const fake = new FakeServer()
    for (const [route, handler] of Object.entries(handlers)) fake.on(route, handler)
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve))
    fake.#url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`
    return fake
  }

  get url (): string {
    return this.#url
  }

  /** Sets the handler of a route (`METHOD /path`). */
  on (route: string, handler: Handler): this {
    this.#handlers.set(route, handler)
    return this
  }

  /** The requests to one route, in arrival order. */
  seen (route: string): SeenRequest[] {
    return this.requests.filter((r) => `${r.method} ${r.path}` === route)
  }

  async close (): Promise<void> {
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now()
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    let body = Buffer.concat(chunks)
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
    let json: unknown
    try {
      json = body.length === 0 ? undefined : JSON.parse(body.toString('utf8'))
    } catch { /* not JSON */ }
    const url = new URL(req.url ?? '/', 'http://fake')
    const route = `${req.method} ${url.pathname}`
    const nth = (this.#counts.get(route) ?? 0) + 1
    this.#counts.set(route, nth)
    const seen: SeenRequest = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body, json, at, nth }
    this.requests.push(seen)

    const handler = this.#handlers.get(route)
    const answer: Answer = handler === undefined ? { status: 404, body: { code: 'HP_ERR_NOT_FOUND', detail: `no route ${route}` } } : await handler(seen)
    if (answer === 'hang') return
    if (answer === 'drop') {
      req.socket.destroy()
      return
    }
    const isJson = answer.body !== undefined && !Buffer.isBuffer(answer.body) && typeof answer.body !== 'string'
    const payload = answer.body === undefined ? '' : isJson ? JSON.stringify(answer.body) : answer.body as Buffer | string
    res.writeHead(answer.status, { ...(isJson ? { 'content-type': 'application/json' } : {}), ...answer.headers })
    res.end(payload)
  }
}

export function sha256 (data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Polls `condition` every 10 ms until it holds; throws with `what` after `timeoutMs`. */
export async function waitFor (condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
