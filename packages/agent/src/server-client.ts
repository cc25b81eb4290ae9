import { promisify } from 'node:util'
import { gzip } from 'node:zlib'

const gzipAsync = promisify(gzip)

/** One HTTP answer from the server; `status` null when the request never got one. */
export interface ServerAnswer {
  readonly status: number | null
  readonly headers: Headers | null
  readonly body: unknown
  /** Network or timeout error text when `status` is null. */
  readonly error?: string
}

export interface ServerClientOptions {
  readonly baseUrl: string
  readonly timeoutMs: number
}

/** The heatpool server's HTTP API as the agent uses it. Never throws for HTTP or network failures. */
export class ServerClient {
  constructor (private readonly options: ServerClientOptions) {}

  async #request (method: string, path: string, init: { headers?: Record<string, string>, body?: Buffer | string, raw?: boolean } = {}): Promise<ServerAnswer & { bytes?: Buffer }> {
    try {
      const res = await fetch(`${this.options.baseUrl}${path}`, {
        method,
        headers: init.headers,
        body: init.body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      })
      if (init.raw === true && res.ok) {
        return { status: res.status, headers: res.headers, body: null, bytes: Buffer.from(await res.arrayBuffer()) }
      }
      const text = await res.text()
      let body: unknown = text
      try {
        body = text === '' ? null : JSON.parse(text)
      } catch { /* not JSON: keep the text */ }
      return { status: res.status, headers: res.headers, body }
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } }
      return { status: null, headers: null, body: null, error: e.name === 'TimeoutError' ? `timeout after ${this.options.timeoutMs} ms` : e.cause?.code ?? e.message }
    }
  }

  /** Registers an installation (`POST /api/v2/installations`). */
  register (installationId: string, consentVersion: string, heatpumpModel: string | null, token: string): Promise<ServerAnswer> {
    return this.#request('POST', '/api/v2/installations', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ installation_id: installationId, consent_version: consentVersion, token, ...(heatpumpModel ? { heatpump_model: heatpumpModel } : {}) }),
    })
  }

  /**
   * Compresses a batch body off the main thread (libuv's pool). Level 1: a third of the
   * default's CPU for most of its gain on JSON; the agent's work bounds catch-up.
   */
  compress (body: string): Promise<Buffer> {
    return gzipAsync(body, { level: 1 })
  }

  /** Uploads one batch body (JSON text), gzipped, with its idempotency key. */
  async submit (body: string, token: string, idempotencyKey: string): Promise<ServerAnswer> {
    return this.submitCompressed(await this.compress(body), token, idempotencyKey)
  }

  /** Uploads one gzipped batch body with its idempotency key. */
  submitCompressed (gzipped: Buffer, token: string, idempotencyKey: string): Promise<ServerAnswer> {
    return this.#request('POST', '/api/v1/submit', {
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
    return this.#request('GET', `/api/v1/model/check?${q}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  }

  downloadModel (installationId: string, token: string, heatpumpModel: string | null): Promise<ServerAnswer & { bytes?: Buffer }> {
    const q = new URLSearchParams({ installation_id: installationId })
    if (heatpumpModel) q.set('model', heatpumpModel)
    return this.#request('GET', `/api/v1/model/download?${q}`, { headers: { authorization: `Bearer ${token}` }, raw: true })
  }

  poolStatus (): Promise<ServerAnswer> {
    return this.#request('GET', '/api/v1/pool/status')
  }

  averages (query: string, token: string): Promise<ServerAnswer> {
    return this.#request('GET', `/api/v1/community/averages?${query}`, { headers: { authorization: `Bearer ${token}` } })
  }
}
