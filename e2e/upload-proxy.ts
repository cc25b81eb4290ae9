// A loopback HTTP proxy between the agent and the server. It forwards every request unchanged
// and records each upload attempt (idempotency key, the records in the body, the server's
// answer, whether that answer reached the agent), so a test can act at an exact point of an
// upload: kill the agent while the server works on a batch, or after the server committed a
// batch but before the agent heard of it; or answer in the server's place (429, 422). Its
// `network` mode makes it a bad network for every request (the fault-injection suite): 'drop'
// cuts each connection as soon as its request has arrived, 'stall' holds it unanswered until
// the agent gives up (its AGENT_REQUEST_TIMEOUT_MS) or the mode changes.
import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { HOST } from './processes.js'

export interface SubmitAttempt {
  /** 1-based, in arrival order. */
  readonly n: number
  /** Date.now() when the whole request had arrived. */
  readonly at: number
  readonly idempotencyKey: string | null
  readonly installationId: string
  /** sha256 of the decompressed body: one key must always carry the same body. */
  readonly bodySha: string
  /** data[].timestamp of the batch, in order. */
  readonly timestamps: readonly number[]
  /** The server's status; null when it gave none (down, or the connection failed). */
  status: number | null
  /** values.stored / values.duplicate of a 200 answer. */
  stored: number | null
  duplicate: number | null
  /** Whether the answer (the server's or an injected one) was passed on to the agent. */
  delivered: boolean
  /** The status the proxy answered in the server's place, if it did. */
  injected: number | null
}

export interface InjectedAnswer {
  readonly status: number
  readonly headers?: Record<string, string>
  readonly body: unknown
}

export interface ProxyHooks {
  /** The whole submit request arrived. Return an answer to give it in the server's place (not forwarded). */
  onSubmit?: (a: SubmitAttempt) => InjectedAnswer | undefined
  /** The submit request was sent on to the server. */
  onForwarded?: (a: SubmitAttempt) => void
  /** The server answered a submit. 'hold': the answer is never passed on (the agent's connection is cut). */
  onAnswer?: (a: SubmitAttempt) => 'deliver' | 'hold'
  /** The server answered any other request (registration, model check); 'hold' as for onAnswer. */
  onOtherAnswer?: (request: string, status: number | null) => 'deliver' | 'hold'
}

/** 'pass': forward; 'drop': reset each connection once its request arrived; 'stall': never answer. */
export type NetworkMode = 'pass' | 'drop' | 'stall'

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'proxy-connection', 'upgrade'])

function endToEnd (headers: http.IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v
  return out
}

const open = new Set<http.Server>()

/** Closes every proxy still listening (afterAll of a failed test). */
export function closeAllProxies (): void {
  for (const server of open) {
    server.closeAllConnections()
    server.close()
  }
  open.clear()
}

export class UploadProxy {
  readonly attempts: SubmitAttempt[] = []
  /** Requests other than submits (registration, model check), by `METHOD path` without query. */
  readonly others = new Map<string, number>()
  hooks: ProxyHooks = {}
  /** Requests cut ('drop') or held ('stall') by the network mode. */
  readonly network = { dropped: 0, stalled: 0 }
  readonly #server: http.Server
  readonly #stalled = new Set<http.IncomingMessage>()
  #mode: NetworkMode = 'pass'
  #port = 0

  constructor (private readonly targetPort: number) {
    this.#server = http.createServer((req, res) => { this.#handle(req, res) })
  }

  get url (): string {
    return `http://${HOST}:${this.#port}`
  }

  get mode (): NetworkMode {
    return this.#mode
  }

  /** Switches the network; leaving 'stall' cuts the held connections (the agent sees them fail). */
  set mode (mode: NetworkMode) {
    this.#mode = mode
    if (mode !== 'stall') {
      for (const req of this.#stalled) req.socket.destroy()
      this.#stalled.clear()
    }
  }

  async listen (): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, HOST, resolve))
    open.add(this.#server)
    this.#port = (this.#server.address() as AddressInfo).port
    return this
  }

  async close (): Promise<void> {
    open.delete(this.#server)
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #handle (req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('error', () => { /* the agent died mid-request: nothing to forward */ })
    req.on('end', () => {
      if (this.#mode === 'drop') {
        this.network.dropped++
        req.socket.destroy()
        return
      }
      if (this.#mode === 'stall') {
        this.network.stalled++
        this.#stalled.add(req)
        req.socket.once('close', () => this.#stalled.delete(req))
        return
      }
      const body = Buffer.concat(chunks)
      const path = req.url ?? '/'
      let attempt: SubmitAttempt | undefined
      if (req.method === 'POST' && path === '/api/v1/submit') {
        attempt = this.#record(req, body)
        const injected = this.hooks.onSubmit?.(attempt)
        if (injected !== undefined) {
          attempt.injected = injected.status
          attempt.delivered = true
          res.writeHead(injected.status, { 'content-type': 'application/json', ...injected.headers }).end(JSON.stringify(injected.body))
          return
        }
      } else {
        const key = `${req.method} ${path.split('?')[0]}`
        this.others.set(key, (this.others.get(key) ?? 0) + 1)
      }
      this.#forward(req, res, body, attempt)
    })
  }

  #record (req: http.IncomingMessage, body: Buffer): SubmitAttempt {
    const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8')
    const json = JSON.parse(text) as { installation_id: string, data: { timestamp: number }[] }
    const key = req.headers['idempotency-key']
    const attempt: SubmitAttempt = {
      n: this.attempts.length + 1,
      at: Date.now(),
      idempotencyKey: typeof key === 'string' ? key : null,
      installationId: json.installation_id,
      bodySha: createHash('sha256').update(text).digest('hex'),
      timestamps: json.data.map((r) => r.timestamp),
      status: null,
      stored: null,
      duplicate: null,
      delivered: false,
      injected: null,
    }
    this.attempts.push(attempt)
    return attempt
  }

  #forward (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, attempt: SubmitAttempt | undefined): void {
    const up = http.request({
      host: HOST,
      port: this.targetPort,
      method: req.method,
      path: req.url,
      agent: false,
      headers: { ...endToEnd(req.headers), 'content-length': String(body.length) },
    }, (upRes) => {
      const parts: Buffer[] = []
      upRes.on('data', (c: Buffer) => parts.push(c))
      upRes.on('error', () => req.socket.destroy())
      upRes.on('end', () => {
        const answer = Buffer.concat(parts)
        if (attempt !== undefined) {
          attempt.status = upRes.statusCode ?? null
          if (upRes.statusCode === 200) {
            const values = (JSON.parse(answer.toString('utf8')) as { values: { stored: number, duplicate: number } }).values
            attempt.stored = values.stored
            attempt.duplicate = values.duplicate
          }
          if (this.hooks.onAnswer?.(attempt) === 'hold') {
            req.socket.destroy()
            return
          }
        } else if (this.hooks.onOtherAnswer?.(`${req.method} ${(req.url ?? '/').split('?')[0]}`, upRes.statusCode ?? null) === 'hold') {
          req.socket.destroy()
          return
        }
        res.on('finish', () => { if (attempt !== undefined) attempt.delivered = true })
        res.writeHead(upRes.statusCode ?? 502, { ...endToEnd(upRes.headers), 'content-length': String(answer.length) }).end(answer)
      })
    })
    // The server is down or went away: the agent sees its connection cut, as it would without a proxy.
    up.on('error', () => req.socket.destroy())
    up.end(body)
    if (attempt !== undefined) this.hooks.onForwarded?.(attempt)
  }
}
