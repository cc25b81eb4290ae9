import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'

const gzipAsync = promisify(gzip)

/** The answer's headers (names in lower case). */
export interface AnswerHeaders {
  get (name: string): string | null
}

/** One HTTP answer from the server; `status` null when the request never got one. */
export interface ServerAnswer {
  readonly status: number | null
  readonly headers: AnswerHeaders | null
  readonly body: unknown
  /** Network or timeout error text when `status` is null. */
  readonly error?: string
}

export interface ServerClientOptions {
  readonly baseUrl: string
  readonly timeoutMs: number
}

function headersOf (res: IncomingMessage): AnswerHeaders {
  return {
    get (name) {
      const v = res.headers[name.toLowerCase()]
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
    },
  }
}

/**
 * The heatpool server's HTTP API as the agent uses it. Never throws for HTTP or network failures.
 * On node:http(s) with keep-alive rather than fetch: fetch's implementation (undici) costs the
 * agent ~9 MB of memory once loaded and more CPU per upload.
 */
export class ServerClient {
  readonly #url: URL
  #agent: HttpAgent | undefined
  #request: Promise<typeof httpRequest> | undefined

  constructor (private readonly options: ServerClientOptions) {
    this.#url = new URL(options.baseUrl)
  }

  /** node:http, or node:https (loaded only then) for an https server. */
  async #transport (): Promise<{ request: typeof httpRequest, agent: HttpAgent }> {
    if (this.#url.protocol === 'https:') {
      this.#request ??= import('node:https').then((m) => {
        this.#agent = new m.Agent({ keepAlive: true })
        return m.request
      })
    } else {
      this.#agent ??= new HttpAgent({ keepAlive: true })
      this.#request ??= Promise.resolve(httpRequest)
    }
    const request = await this.#request
    return { request, agent: this.#agent as HttpAgent }
  }

  async #send (method: string, path: string, init: { headers?: Record<string, string>, body?: Buffer | string, raw?: boolean } = {}): Promise<ServerAnswer & { bytes?: Buffer }> {
    const { request, agent } = await this.#transport()
    const url = new URL(`${this.options.baseUrl}${path}`)
    const body = init.body === undefined ? undefined : typeof init.body === 'string' ? Buffer.from(init.body) : init.body
    const options: RequestOptions = {
      method,
      agent,
      headers: { ...init.headers, ...(body === undefined ? {} : { 'content-length': String(body.length) }) },
    }
    return new Promise((resolve) => {
      let settled = false
      const finish = (answer: ServerAnswer & { bytes?: Buffer }) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resolve(answer)
      }
      const req = request(url, options, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', (err) => finish({ status: null, headers: null, body: null, error: (err as NodeJS.ErrnoException).code ?? err.message }))
        res.on('end', () => {
          const status = res.statusCode ?? 0
          const bytes = Buffer.concat(chunks)
          const headers = headersOf(res)
          if (init.raw === true && status >= 200 && status < 300) return finish({ status, headers, body: null, bytes })
          const text = bytes.toString('utf8')
          let parsed: unknown = text
          try {
            parsed = text === '' ? null : JSON.parse(text)
          } catch { /* not JSON: keep the text */ }
          finish({ status, headers, body: parsed })
        })
      })
      const timer = setTimeout(() => {
        finish({ status: null, headers: null, body: null, error: `timeout after ${this.options.timeoutMs} ms` })
        req.destroy()
      }, this.options.timeoutMs)
      req.on('error', (err: NodeJS.ErrnoException) => finish({ status: null, headers: null, body: null, error: err.code ?? err.message }))
      req.end(body)
    })
  }

  /** Closes the idle keep-alive connections. */
  close (): void {
    this.#agent?.destroy()
  }

  /** Registers an installation (`POST /api/v2/installations`). */
  register (installationId: string, consentVersion: string, heatpumpModel: string | null, token: string): Promise<ServerAnswer> {
    return this.#send('POST', '/api/v2/installations', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ installation_id: installationId, consent_version: consentVersion, token, ...(heatpumpModel ? { heatpump_model: heatpumpModel } : {}) }),
    })
  }

  /**
   * Compresses a batch body off the main thread (libuv's pool). Level 1: a third of the
   * default's CPU for most of its gain on JSON; large chunks: few callbacks on the main thread.
   */
  compress (body: string): Promise<Buffer> {
    return gzipAsync(body, { level: 1, chunkSize: 256 * 1024 })
  }

  /** Uploads one batch body (JSON text), gzipped, with its idempotency key. */
  async submit (body: string, token: string, idempotencyKey: string): Promise<ServerAnswer> {
    return this.submitCompressed(await this.compress(body), token, idempotencyKey)
  }

  /** Uploads one gzipped batch body with its idempotency key. */
  submitCompressed (gzipped: Buffer, token: string, idempotencyKey: string): Promise<ServerAnswer> {
    return this.#send('POST', '/api/v1/submit', {
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        authorization: `Bearer ${token}`,
        'idempotency-key': idempotencyKey,
      },
      body: gzipped,
    })
  }

  checkModel (installationId: string, token: string | undefined, heatpumpModel: string | null, currentHash: string | null): Promise<ServerAnswer> {
    const q = new URLSearchParams({ installation_id: installationId })
    if (heatpumpModel) q.set('model', heatpumpModel)
    if (currentHash) q.set('current_hash', currentHash)
    return this.#send('GET', `/api/v1/model/check?${q}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  }

  downloadModel (installationId: string, token: string, heatpumpModel: string | null): Promise<ServerAnswer & { bytes?: Buffer }> {
    const q = new URLSearchParams({ installation_id: installationId })
    if (heatpumpModel) q.set('model', heatpumpModel)
    return this.#send('GET', `/api/v1/model/download?${q}`, { headers: { authorization: `Bearer ${token}` }, raw: true })
  }

  /** The public key that signs community models (`GET /api/v2/models/signing-key`), for pinning. */
  signingKey (): Promise<ServerAnswer> {
    return this.#send('GET', '/api/v2/models/signing-key')
  }

  poolStatus (): Promise<ServerAnswer> {
    return this.#send('GET', '/api/v1/pool/status')
  }

  averages (query: string, token: string): Promise<ServerAnswer> {
    return this.#send('GET', `/api/v1/community/averages?${query}`, { headers: { authorization: `Bearer ${token}` } })
  }

  /** The installation of `token`: contribution calendar, eligibility, badges (`GET /api/v2/installations/me`). */
  me (token: string): Promise<ServerAnswer> {
    return this.#send('GET', '/api/v2/installations/me', { headers: { authorization: `Bearer ${token}` } })
  }

  /** Where the heat pumps of `token`'s installation rank in their model groups (`GET /api/v2/community/ranking`). */
  ranking (query: string, token: string): Promise<ServerAnswer> {
    return this.#send('GET', `/api/v2/community/ranking?${query}`, { headers: { authorization: `Bearer ${token}` } })
  }

  /** A model group's distribution per outdoor band; with an installation token also its own heat pumps (`mine`). */
  comparison (query: string, token: string | undefined): Promise<ServerAnswer> {
    return this.#send('GET', `/api/v2/community/comparison?${query}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
  }
}
