import { Pool } from 'undici'
import { StoreUnavailableError } from '../types.js'

export interface VictoriaMetricsClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8428` (a path prefix is kept). */
  readonly baseUrl: string
  /** Per request: connect, headers and body each within this. */
  readonly timeoutMs: number
  readonly connections?: number
}

/**
 * HTTP to VictoriaMetrics over a keep-alive pool. Every failure — refused, reset, timed out, an
 * unexpected status — becomes `StoreUnavailableError` naming the endpoint, so ingest answers 503
 * with Retry-After and `/ready` fails; the answer body is kept in the message for the log.
 */
export class VictoriaMetricsClient {
  readonly #pool: Pool
  readonly #prefix: string
  readonly #timeoutMs: number

  constructor (options: VictoriaMetricsClientOptions) {
    const url = new URL(options.baseUrl)
    this.#prefix = url.pathname.replace(/\/+$/, '')
    this.#timeoutMs = options.timeoutMs
    this.#pool = new Pool(url.origin, {
      connections: options.connections ?? 16,
      connectTimeout: options.timeoutMs,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 10_000,
    })
  }

  /** Sends `body`; resolves when VictoriaMetrics answered 2xx. */
  async post (path: string, body: string | Buffer, contentType = 'text/plain'): Promise<string> {
    return this.#request('POST', path, body, contentType)
  }

  async get (path: string): Promise<string> {
    return this.#request('GET', path)
  }

  /** POST of an `application/x-www-form-urlencoded` form (export and delete take `match[]` this way). */
  async form (path: string, fields: Record<string, string | number>): Promise<string> {
    const body = new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString()
    return this.#request('POST', path, body, 'application/x-www-form-urlencoded')
  }

  async #request (method: 'GET' | 'POST', path: string, body?: string | Buffer, contentType?: string): Promise<string> {
    const endpoint = `${method} ${this.#prefix}${path.split('?')[0] ?? ''}`
    let res
    try {
      res = await this.#pool.request({
        method,
        path: this.#prefix + path,
        body,
        headers: contentType === undefined ? {} : { 'content-type': contentType },
        signal: AbortSignal.timeout(this.#timeoutMs),
      })
    } catch (err) {
      throw new StoreUnavailableError(`cannot reach VictoriaMetrics (${endpoint}): ${(err as Error).message}`, { cause: err })
    }
    let text: string
    try {
      text = await res.body.text()
    } catch (err) {
      throw new StoreUnavailableError(`cannot read VictoriaMetrics' answer (${endpoint}): ${(err as Error).message}`, { cause: err })
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new StoreUnavailableError(`VictoriaMetrics answered ${res.statusCode} to ${endpoint}: ${text.slice(0, 300)}`)
    }
    return text
  }

  async close (): Promise<void> {
    await this.#pool.close()
  }
}
