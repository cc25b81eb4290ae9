import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { promisify } from 'node:util'
import { gunzip, inflate } from 'node:zlib'
import type { Logger } from 'pino'

/**
 * The few pieces of HTTP the agent's local API needs, on node:http: routes by method and path,
 * JSON bodies (gzip or deflate, with a size limit, refusing prototype-poisoning keys as Fastify
 * does), JSON answers in the `{ code, detail }` error shape of the server. No framework: the
 * agent's memory goal (docs/BENCHMARKS.md, "Agent") has no room for one.
 */

export class HttpError extends Error {
  constructor (readonly status: number, readonly code: string, readonly detail: string) {
    super(detail)
  }
}

/** An answer other than 200 with a JSON body; a handler's plain return value is that. */
export class Reply {
  /**
   * `type`: the content type of a text or Buffer body; JSON otherwise. `headers`: more response
   * headers (static files: caching, nosniff, ETag).
   */
  constructor (readonly status: number, readonly body: unknown, readonly type?: string, readonly headers?: Readonly<Record<string, string>>) {}
}

export type Handler = (request: IncomingMessage, url: URL) => Promise<unknown>

const gunzipAsync = promisify(gunzip)
const inflateAsync = promisify(inflate)

/** The request body, decompressed, at most `limit` bytes (413 past it). */
export async function readBody (request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'])
  if (declared > limit) throw new HttpError(413, 'HP_ERR_BODY_TOO_LARGE', `cannot accept a body over ${limit} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size > limit) throw new HttpError(413, 'HP_ERR_BODY_TOO_LARGE', `cannot accept a body over ${limit} bytes`)
    chunks.push(chunk as Buffer)
  }
  const raw = chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks, size)
  chunks.length = 0
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase()
  if (encoding === 'identity' || raw.length === 0) return raw
  const decode = encoding === 'gzip' || encoding === 'x-gzip' ? gunzipAsync : encoding === 'deflate' ? inflateAsync : undefined
  if (decode === undefined) throw new HttpError(415, 'HP_ERR_UNSUPPORTED_MEDIA_TYPE', `cannot decode content-encoding ${JSON.stringify(encoding)}: gzip or deflate`)
  try {
    return await decode(raw, { maxOutputLength: limit })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new HttpError(413, 'HP_ERR_BODY_TOO_LARGE', `cannot accept a body over ${limit} bytes`)
    throw new HttpError(400, 'HP_ERR_BAD_REQUEST', `cannot decode the ${encoding} body: ${(err as Error).message}`)
  }
}

/** Whether a parsed value has a `__proto__` key, or `constructor.prototype` (secure-json-parse's rule). */
function poisoned (value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  if (Array.isArray(value)) return value.some(poisoned)
  if (Object.hasOwn(value, '__proto__')) return true
  const c = (value as { constructor?: unknown }).constructor
  if (Object.hasOwn(value, 'constructor') && c !== null && typeof c === 'object' && Object.hasOwn(c, 'prototype')) return true
  return Object.values(value).some(poisoned)
}

/**
 * Runs a recursive walk over a parsed body. JSON.parse copes with any nesting, but a recursive
 * walk (or JSON.stringify) of a value nested tens of thousands deep overflows the stack: that
 * is the client's malformed body, a 400, not a 500 (found by the fuzz tests).
 */
export function withinStack<T> (walk: () => T): T {
  try {
    return walk()
  } catch (err) {
    if (err instanceof RangeError && /call stack/i.test(err.message)) throw new HttpError(400, 'HP_ERR_BAD_REQUEST', 'cannot read the JSON body: it is nested too deeply')
    throw err
  }
}

/** A JSON body: 415 unless it says it is JSON, 400 when empty, unreadable or poisoned. */
export async function readJson (request: IncomingMessage, limit: number): Promise<unknown> {
  const type = request.headers['content-type'] ?? ''
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) throw new HttpError(415, 'HP_ERR_UNSUPPORTED_MEDIA_TYPE', `cannot read a body of content-type ${JSON.stringify(type)}: application/json`)
  const raw = await readBody(request, limit)
  if (raw.length === 0) throw new HttpError(400, 'HP_ERR_BAD_REQUEST', 'cannot read an empty JSON body')
  let text: string | undefined = raw.toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new HttpError(400, 'HP_ERR_BAD_REQUEST', `cannot read the JSON body: ${(err as Error).message}`)
  }
  // Only bodies that mention the keys can carry them: skip the walk for the rest.
  if ((text.includes('__proto__') || text.includes('prototype')) && withinStack(() => poisoned(value))) throw new HttpError(400, 'HP_ERR_BAD_REQUEST', 'cannot read the JSON body: it has a forbidden prototype property')
  text = undefined
  return value
}

function send (response: ServerResponse, status: number, body: unknown, type?: string, headers?: Readonly<Record<string, string>>): void {
  if (status === 304) {
    response.writeHead(304, headers)
    response.end()
    return
  }
  const data = type === undefined ? JSON.stringify(body) : Buffer.isBuffer(body) ? body : String(body)
  response.writeHead(status, { 'content-type': type ?? 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(data), ...headers })
  response.end(data)
}

/**
 * Why a browser request comes from another site, or undefined when it does not: an `Origin`
 * other than the agent's own (the scheme, host and port the request was sent to, read from
 * `Host`), or `Sec-Fetch-Site: cross-site`. A page the owner visits can send a "simple" POST (a
 * form, or fetch without custom headers) to the agent without any CORS preflight; the browser
 * marks it with these headers. Programs (the CLI, curl, loggers) send neither and pass.
 */
export function crossSiteReason (request: IncomingMessage): string | undefined {
  if (request.headers['sec-fetch-site'] === 'cross-site') return 'Sec-Fetch-Site: cross-site'
  const origin = request.headers.origin
  if (origin === undefined) return undefined
  let own: string | undefined
  let from: URL | undefined
  try {
    from = new URL(origin)
    // The Host the browser sent, read under the origin's scheme: default ports and case compare equal.
    own = request.headers.host === undefined ? undefined : new URL(`${from.protocol}//${request.headers.host}`).host
  } catch {
    from = undefined
  }
  if (from === undefined || (from.protocol !== 'http:' && from.protocol !== 'https:')) return `Origin ${JSON.stringify(origin)}`
  if (own === undefined) return `Origin ${origin} without a Host`
  return from.host === own ? undefined : `Origin ${origin}`
}

export interface RouteOptions {
  /** true: browsers from other sites may call it too (the relay: loggers post from anywhere); POST routes refuse them otherwise. */
  readonly crossSite?: boolean
}

export interface Router {
  readonly server: Server
  /** Every POST route refuses cross-site browser requests (403 `HP_ERR_CROSS_SITE`) unless `options.crossSite`. */
  route (method: 'GET' | 'POST', path: string, handler: Handler, options?: RouteOptions): void
  listen (port: number, host: string): Promise<string>
  close (): Promise<void>
}

/**
 * A request whose head and body have not fully arrived after this long is closed with 408.
 * Node's own default is five minutes, checked every 30 s; a logger on the LAN posts a few MB in
 * well under a second, so a request still arriving after 30 s is stalled or a slowloris holding
 * a connection (and its body buffer) open.
 */
export const REQUEST_TIMEOUT_MS = 30_000

export interface RouterOptions {
  /** The whole-request deadline (tests shorten it); `REQUEST_TIMEOUT_MS` by default. */
  readonly requestTimeoutMs?: number
}

export function createRouter (log: Logger | undefined, options: RouterOptions = {}): Router {
  const routes = new Map<string, { handler: Handler, crossSite: boolean }>()
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS
  const server = createServer({
    requestTimeout,
    headersTimeout: Math.min(60_000, requestTimeout),
    // Node enforces both deadlines on this tick: a fraction of the deadline, so it holds closely.
    connectionsCheckingInterval: Math.min(5000, Math.max(50, Math.floor(requestTimeout / 4))),
  }, (request, response) => {
    const started = performance.now()
    const url = new URL(request.url ?? '/', 'http://agent')
    const route = routes.get(`${request.method} ${url.pathname}`)
    const done = (status: number, body: unknown, type?: string, headers?: Readonly<Record<string, string>>) => {
      send(response, status, body, type, headers)
      log?.info({ method: request.method, url: url.pathname, status, ms: Math.round(performance.now() - started) }, 'request completed')
    }
    if (route === undefined) {
      request.resume()
      done(404, { code: 'HP_ERR_NOT_FOUND', detail: `no route ${request.method} ${url.pathname}` })
      return
    }
    // Refused before the handler runs: nothing read, nothing changed.
    const foreign = route.crossSite || request.method === 'GET' ? undefined : crossSiteReason(request)
    if (foreign !== undefined) {
      request.resume()
      done(403, { code: 'HP_ERR_CROSS_SITE', detail: `cannot accept ${request.method} ${url.pathname} from another site (${foreign}): the agent takes changes only from its own page or from programs such as heatpool-agent and curl` })
      return
    }
    route.handler(request, url).then((answer) => {
      const a = answer instanceof Reply ? answer : new Reply(200, answer)
      done(a.status, a.body, a.type, a.headers)
    }, (err: unknown) => {
      if (err instanceof HttpError) {
        request.resume()
        done(err.status, { code: err.code, detail: err.detail })
        return
      }
      log?.error({ err }, 'request failed')
      done(500, { code: 'HP_ERR_INTERNAL', detail: 'Internal Server Error' })
    })
  })
  return {
    server,
    route (method, path, handler, options) {
      routes.set(`${method} ${path}`, { handler, crossSite: options?.crossSite === true })
    },
    listen (port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          const a = server.address()
          const h = typeof a === 'object' && a !== null ? a.address : host
          resolve(`http://${h.includes(':') ? `[${h}]` : h}:${typeof a === 'object' && a !== null ? a.port : port}`)
        })
      })
    },
    close () {
      return new Promise((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      })
    },
  }
}
