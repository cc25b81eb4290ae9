import { randomUUID } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Envelope } from '../../src/outbox/outbox.js'
import { nextUploadAt, uploadOffsetMs } from '../../src/upload/policy.js'
import { FakeServer, REGISTER, SUBMIT, sha256, sleep, waitFor, type Answer, type SeenRequest } from './support/fake-server.js'
import { records, rig, shutdown, V1_ENVELOPE, type Rig } from './support/rig.js'

const servers: FakeServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

async function fake (): Promise<FakeServer> {
  const s = await FakeServer.start()
  servers.push(s)
  return s
}

/** A submit handler that plays `script` in order, then answers success. */
function scripted (script: readonly Answer[]): (req: SeenRequest) => Answer {
  return (req) => script[req.nth - 1] ?? { status: 200, body: { status: 'success', processed: (req.json as { data: unknown[] }).data.length } }
}

interface SubmitBody {
  installation_id: string
  heatpump_model: string | null
  version: string | null
  data_version?: string
  data: { timestamp: number, temp_outside: number }[]
}

const bodyOf = (req: SeenRequest): SubmitBody => req.json as SubmitBody
const keyOf = (req: SeenRequest): string => req.headers['idempotency-key'] as string

/** An installation id whose scheduled upload is more than `minMs` away (for an interval of `intervalMs`). */
function idScheduledLater (intervalMs: number, minMs: number): string {
  for (;;) {
    const id = randomUUID()
    if (nextUploadAt(Date.now(), intervalMs, uploadOffsetMs(id, intervalMs)) - Date.now() > minMs) return id
  }
}

function consent (r: Rig): void {
  r.state.setConsent(true, r.config.AGENT_CONSENT_VERSION)
}

describe('uploader: Retry-After', () => {
  it('waits at least Retry-After: 5 before the next attempt, with the same key', async () => {
    const server = await fake()
    server.on(SUBMIT, scripted([{ status: 429, headers: { 'retry-after': '5' }, body: { code: 'HP_ERR_RATE_LIMITED', detail: 'Rate limit exceeded' } }]))
    // Backoff alone would retry within 10 ms: only Retry-After explains a longer wait.
    const r = rig(server.url, { env: { AGENT_RETRY_MIN_MS: '1', AGENT_RETRY_MAX_MS: '10' }, tickMs: 20 })
    consent(r)
    const id = randomUUID()
    r.outbox.append(id, V1_ENVELOPE, records(3))
    r.uploader.start()
    await r.uploader.flush()
    expect(server.seen(SUBMIT)).toHaveLength(1)
    const waiting = r.uploader.schedule().find((s) => s.installationId === id)
    expect(waiting?.attempts).toBe(1)
    expect(Date.parse(waiting?.retryAt ?? '') - Date.now()).toBeGreaterThan(4000)

    await waitFor(() => server.seen(SUBMIT).length === 2, 'the second attempt', 7000)
    const [first, second] = server.seen(SUBMIT) as [SeenRequest, SeenRequest]
    const gap = second.at - first.at
    expect(gap).toBeGreaterThanOrEqual(5000)
    // …and not much more: the next tick after it.
    expect(gap).toBeLessThan(6500)
    expect(keyOf(second)).toBe(keyOf(first))
    expect(sha256(second.body)).toBe(sha256(first.body))
    await waitFor(() => r.outbox.stats().records === 0, 'the outbox to empty')
    expect(r.counts).toEqual({ uploaded: 1, retried: 1, quarantined: 0 })
  })
})

describe('uploader: Retry-After on 503', () => {
  it.each<[string, () => string, number]>([
    ['delta-seconds', () => '1', 1000],
    ['an HTTP date', () => new Date(Date.now() + 2000).toUTCString(), 1000],
  ])('waits out Retry-After given as %s', async (_name, header, atLeastMs) => {
    const server = await fake()
    server.on(SUBMIT, (req) => req.nth === 1
      ? { status: 503, headers: { 'retry-after': header() }, body: { code: 'HP_ERR_STORE_UNAVAILABLE', detail: 'later' } }
      : { status: 200, body: { status: 'success', processed: 1 } })
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true', AGENT_RETRY_MIN_MS: '1', AGENT_RETRY_MAX_MS: '10' }, tickMs: 10 })
    r.outbox.append(randomUUID(), V1_ENVELOPE, records(1))
    r.uploader.start()
    await r.uploader.flush()
    await waitFor(() => server.seen(SUBMIT).length === 2, 'the second attempt', 4000)
    const [first, second] = server.seen(SUBMIT) as [SeenRequest, SeenRequest]
    expect(second.at - first.at).toBeGreaterThanOrEqual(atLeastMs)
  })
})

describe('uploader: a permanent refusal', () => {
  it('quarantines the refused batch (422) and the next batch still goes out; no retry loop', async () => {
    const server = await fake()
    let refusedKey: string | undefined
    server.on(SUBMIT, (req) => {
      refusedKey ??= keyOf(req)
      return keyOf(req) === refusedKey
        ? { status: 422, body: { code: 'HP_ERR_IDEMPOTENCY_KEY_REUSED', detail: 'cannot accept: the key was used for another body' } }
        : { status: 200, body: { status: 'success', processed: bodyOf(req).data.length } }
    })
    const r = rig(server.url, { env: { AGENT_BATCH_RECORDS: '2' } })
    consent(r)
    const id = randomUUID()
    const sent = records(4)
    r.outbox.append(id, V1_ENVELOPE, sent)
    const result = await r.uploader.flush()

    const submits = server.seen(SUBMIT)
    expect(submits.map((s) => keyOf(s) === refusedKey)).toEqual([true, false])
    expect(bodyOf(submits[1] as SeenRequest).data).toEqual(sent.slice(2).map((t) => JSON.parse(t)))
    expect(result).toMatchObject({ installationId: id, outcome: 'acknowledged', records: 2 })
    const [q] = r.outbox.quarantined()
    expect(q).toMatchObject({ installationId: id, idempotencyKey: refusedKey, lastStatus: 422, lastError: 'HP_ERR_IDEMPOTENCY_KEY_REUSED: cannot accept: the key was used for another body' })
    expect(r.outbox.batchRecords(q?.id ?? -1).map((x) => x.json)).toEqual(sent.slice(0, 2))
    expect(r.outbox.stats()).toMatchObject({ records: 2, quarantinedBatches: 1, quarantinedRecords: 2, uploaded: 2 })
    expect(r.counts).toEqual({ uploaded: 1, retried: 0, quarantined: 1 })
    expect(r.logs.filter((l) => l.msg === 'batch refused by the server: quarantined')).toHaveLength(1)

    // Not sent again by itself, however often the uploader runs.
    r.uploader.start()
    await r.uploader.flush()
    await sleep(100)
    expect(server.seen(SUBMIT)).toHaveLength(2)

    // Released by the operator, it goes out under its own key.
    expect(r.outbox.releaseQuarantine()).toBe(1)
    server.on(SUBMIT, scripted([]))
    await r.uploader.flush()
    expect(keyOf(server.seen(SUBMIT)[2] as SeenRequest)).toBe(refusedKey)
    expect(r.outbox.stats()).toMatchObject({ records: 0, quarantinedBatches: 0 })
  })
})

describe('uploader: failures retried with the same key and the same body', () => {
  const unavailable = { status: 503, body: { code: 'HP_ERR_STORE_UNAVAILABLE', detail: 'cannot reach the store' } }
  it.each<[string, Answer[]]>([
    ['a 503', [unavailable]],
    ['a dropped connection', ['drop']],
    ['a hanging connection (request timeout)', ['hang']],
    ['503, drop, hang, 502 and 500 in a row', [unavailable, 'drop', 'hang', { status: 502 }, { status: 500, body: 'oops' }]],
    ['a 408', [{ status: 408 }]],
    ['a 409 (an earlier attempt still in flight)', [{ status: 409, body: { code: 'HP_ERR_IN_FLIGHT', detail: 'in flight' } }]],
    ['a 401 (a credential problem: data kept)', [{ status: 401, body: { code: 'HP_ERR_MISSING_AUTH', detail: 'Missing Authorization Header' } }]],
    // A Retry-After that is not one (V8 would read it as the year 2099) must not stall the upload.
    ['a 429 with a junk Retry-After', [{ status: 429, headers: { 'retry-after': 'in 2099' } }]],
  ])('after %s', async (_name, failures) => {
    const server = await fake()
    server.on(SUBMIT, scripted(failures))
    const r = rig(server.url, { env: { AGENT_REQUEST_TIMEOUT_MS: '300' } })
    consent(r)
    r.outbox.append(randomUUID(), V1_ENVELOPE, records(5))
    r.uploader.start()
    await r.uploader.flush()
    await waitFor(() => r.outbox.stats().records === 0, 'the batch to be acknowledged')

    const submits = server.seen(SUBMIT)
    expect(submits).toHaveLength(failures.length + 1)
    expect(new Set(submits.map(keyOf)).size).toBe(1)
    expect(new Set(submits.map((s) => sha256(s.body))).size).toBe(1)
    expect(submits.every((s) => s.headers['content-encoding'] === 'gzip')).toBe(true)
    expect(r.counts).toEqual({ uploaded: 1, retried: failures.length, quarantined: 0 })
    expect(r.outbox.stats()).toMatchObject({ uploaded: 5, quarantinedBatches: 0 })
  })

  it('after a restart: the same key and body, and no second registration', async () => {
    const server = await fake()
    server.on(SUBMIT, scripted([{ status: 503 }]))
    const first = rig(server.url)
    consent(first)
    first.outbox.append(randomUUID(), V1_ENVELOPE, records(4))
    await first.uploader.flush()
    expect(server.seen(SUBMIT)).toHaveLength(1)
    await shutdown(first)

    const second = rig(server.url, { dir: first.dir })
    await second.uploader.flush()
    const [a, b] = server.seen(SUBMIT) as [SeenRequest, SeenRequest]
    expect(keyOf(b)).toBe(keyOf(a))
    expect(sha256(b.body)).toBe(sha256(a.body))
    expect(b.headers.authorization).toBe(a.headers.authorization)
    expect(server.seen(REGISTER)).toHaveLength(1)
    expect(second.outbox.stats()).toMatchObject({ records: 0, uploaded: 4 })
  })

  it.each<[string, Envelope]>([
    ['v1', V1_ENVELOPE],
    ['v2 nested', { heatpump_model: 'AERO SLM', version: 'v1.0.2-31-gc1a7aca', data_version: '2.0' }],
    ['no model, no version', { heatpump_model: null, version: null }],
  ])('sends the %s envelope and the records exactly as received', async (_name, envelope) => {
    const server = await fake()
    const r = rig(server.url)
    consent(r)
    const id = randomUUID()
    const sent = [records(1)[0] as string, '{"timestamp":1790000000,"heatpumps":[{"id":"hp-legacy","manufacturer":"idm","model":"navigator_2_0","values":{"temp_outside":4.25}}]}']
    r.outbox.append(id, envelope, sent)
    await r.uploader.flush()
    const [submit] = server.seen(SUBMIT) as [SeenRequest]
    expect(submit.headers['content-type']).toBe('application/json')
    expect(submit.json).toEqual({
      installation_id: id,
      heatpump_model: envelope.heatpump_model ?? null,
      version: envelope.version ?? null,
      ...(envelope.data_version === undefined ? {} : { data_version: envelope.data_version }),
      data: sent.map((t) => JSON.parse(t)),
    })
    // The records' own text is inside the body unchanged.
    for (const t of sent) expect(submit.body.toString('utf8')).toContain(t)
  })
})

describe('uploader: consent and registration', () => {
  it('sends nothing without consent — no registration, no upload — and keeps the data', async () => {
    const server = await fake()
    const r = rig(server.url)
    const id = randomUUID()
    r.outbox.append(id, V1_ENVELOPE, records(3))
    const result = await r.uploader.flush()
    expect(server.requests).toEqual([])
    expect(result).toMatchObject({ installationId: id, outcome: 'no_credential' })
    expect(r.uploader.schedule()).toEqual([expect.objectContaining({ installationId: id, problem: 'no_consent' })])
    expect(r.outbox.stats()).toMatchObject({ records: 3, uploaded: 0 })
  })

  it('with consent: registers first (consent version and heat-pump model), keeps the token private, then uploads with it', async () => {
    const server = await fake()
    const token = `hpi_${randomUUID().replaceAll('-', '')}`
    server.on(REGISTER, (req) => ({ status: 201, body: { installation_id: (req.json as { installation_id: string }).installation_id, token, created: true } }))
    const r = rig(server.url, { env: { AGENT_CONSENT_VERSION: '2026-11-b' } })
    const id = randomUUID()
    r.outbox.append(id, V1_ENVELOPE, records(3))
    await r.uploader.flush()
    expect(server.requests).toEqual([])

    r.state.setConsent(true, '2026-11-b')
    await r.uploader.flush()
    expect(server.requests.map((q) => `${q.method} ${q.path}`)).toEqual([REGISTER, SUBMIT])
    const [register, submit] = server.requests as [SeenRequest, SeenRequest]
    expect(register.json).toEqual({ installation_id: id, consent_version: '2026-11-b', heatpump_model: 'AERO SLM', token: expect.stringMatching(/^hpi_[A-Za-z0-9_-]{43}$/) })
    expect(register.headers.authorization).toBeUndefined()
    expect(submit.headers.authorization).toBe(`Bearer ${token}`)
    expect(r.outbox.stats()).toMatchObject({ records: 0, uploaded: 3 })
    expect(r.state.get().primaryInstallationId).toBe(id)

    const tokensDir = join(r.dir, 'tokens')
    const file = join(tokensDir, `${id}.token`)
    expect(statSync(tokensDir).mode & 0o777).toBe(0o700)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readFileSync(file, 'utf8').trim()).toBe(token)

    // Later uploads use the stored token: no second registration.
    r.outbox.append(id, V1_ENVELOPE, records(2, 3))
    await r.uploader.flush()
    expect(server.seen(REGISTER)).toHaveLength(1)
    expect(server.seen(SUBMIT).map((s) => s.headers.authorization)).toEqual([`Bearer ${token}`, `Bearer ${token}`])
  })

  it.each<[string, Envelope, string, string | undefined]>([
    ['the logger\'s model', V1_ENVELOPE, '', 'AERO SLM'],
    ['the configured model when the logger sends none', { heatpump_model: null, version: '1.0.2' }, 'TERRA SW', 'TERRA SW'],
    ['no model when neither has one', { heatpump_model: null, version: '1.0.2' }, '', undefined],
  ])('registers with %s', async (_name, envelope, configured, expected) => {
    const server = await fake()
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true', AGENT_HEATPUMP_MODEL: configured } })
    r.outbox.append(randomUUID(), envelope, records(1))
    await r.uploader.flush()
    const [register] = server.seen(REGISTER) as [SeenRequest]
    expect((register.json as { heatpump_model?: string }).heatpump_model).toBe(expected)
    expect((register.json as { consent_version?: string }).consent_version).toBe(r.config.AGENT_CONSENT_VERSION)
  })

  it('stops uploading when consent is withdrawn', async () => {
    const server = await fake()
    const r = rig(server.url)
    consent(r)
    const id = randomUUID()
    r.outbox.append(id, V1_ENVELOPE, records(2))
    await r.uploader.flush()
    expect(server.seen(SUBMIT)).toHaveLength(1)
    r.state.setConsent(false, r.config.AGENT_CONSENT_VERSION)
    r.outbox.append(id, V1_ENVELOPE, records(2, 2))
    await r.uploader.flush()
    expect(server.seen(SUBMIT)).toHaveLength(1)
    expect(r.outbox.stats().records).toBe(2)
  })

  it('409 on registration without a shared token: registration_refused in the schedule, nothing sent, nothing lost', async () => {
    const server = await fake()
    server.on(REGISTER, () => ({ status: 409, body: { code: 'HP_ERR_INSTALLATION_EXISTS', detail: 'it is already registered; present its token to rotate it' } }))
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true' } })
    const id = randomUUID()
    r.outbox.append(id, V1_ENVELOPE, records(4))
    const result = await r.uploader.flush()
    expect(server.seen(SUBMIT)).toEqual([])
    expect(server.seen(REGISTER)).toHaveLength(1)
    expect(result).toMatchObject({ installationId: id, outcome: 'no_credential', detail: 'registration refused: it is already registered; present its token to rotate it' })
    expect(r.uploader.schedule()).toEqual([expect.objectContaining({ installationId: id, problem: 'registration_refused' })])
    expect(r.outbox.stats()).toMatchObject({ records: 4, uploaded: 0, quarantinedBatches: 0 })
    expect(r.logs.some((l) => l.msg === 'cannot upload batch: will retry')).toBe(true)
  })

  it('409 on registration with AGENT_SHARED_TOKEN: uploads with the shared token', async () => {
    const server = await fake()
    server.on(REGISTER, () => ({ status: 409, body: { code: 'HP_ERR_INSTALLATION_EXISTS', detail: 'already registered' } }))
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true', AGENT_SHARED_TOKEN: 'shared-secret' } })
    r.outbox.append(randomUUID(), V1_ENVELOPE, records(4))
    await r.uploader.flush()
    expect(server.seen(SUBMIT).map((s) => s.headers.authorization)).toEqual(['Bearer shared-secret'])
    expect(r.outbox.stats()).toMatchObject({ records: 0, uploaded: 4 })
    expect(r.uploader.schedule()[0]?.problem).toBeNull()
  })
})

describe('uploader: schedule, forced flush and batch size', () => {
  it('uploads at once when AGENT_FLUSH_RECORDS wait, in batches of at most AGENT_BATCH_RECORDS, in order', async () => {
    const server = await fake()
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true', AGENT_FLUSH_RECORDS: '10', AGENT_BATCH_RECORDS: '3' }, tickMs: 10 })
    const id = idScheduledLater(86_400_000, 3_600_000)
    const sent = records(10)
    r.uploader.start()
    r.outbox.append(id, V1_ENVELOPE, sent.slice(0, 9))
    r.uploader.nudge()
    await sleep(200)
    expect(server.requests).toEqual([])

    r.outbox.append(id, V1_ENVELOPE, sent.slice(9))
    r.uploader.nudge()
    await waitFor(() => r.outbox.stats().records === 0, 'the forced flush')
    const batches = server.seen(SUBMIT).map((s) => bodyOf(s).data)
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1])
    expect(batches.flat()).toEqual(sent.map((t) => JSON.parse(t)))
    expect(new Set(server.seen(SUBMIT).map(keyOf)).size).toBe(4)
    // Not the scheduled time: the next slot is still ahead.
    expect(Date.parse(r.uploader.schedule()[0]?.nextScheduled ?? '') - Date.now()).toBeGreaterThan(3_000_000)
  })

  it('uploads a few records only at the installation\'s slot, then schedules the next one an interval later', async () => {
    const server = await fake()
    let skew = 0
    const clock = () => Date.now() + skew
    const interval = 3_600_000
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true', AGENT_UPLOAD_INTERVAL: '3600' }, clock, tickMs: 10 })
    const id = idScheduledLater(interval, 600_000)
    const slot = nextUploadAt(Date.now(), interval, uploadOffsetMs(id, interval))
    r.outbox.append(id, V1_ENVELOPE, records(3))
    r.uploader.start()
    await sleep(150)
    expect(server.requests).toEqual([])
    expect(Date.parse(r.uploader.schedule()[0]?.nextScheduled ?? '')).toBe(slot)

    skew = slot - Date.now() + 1
    await waitFor(() => r.outbox.stats().records === 0, 'the scheduled upload')
    expect(server.seen(SUBMIT)).toHaveLength(1)
    expect(Date.parse(r.uploader.schedule()[0]?.nextScheduled ?? '')).toBe(slot + interval)

    r.outbox.append(id, V1_ENVELOPE, records(3, 3))
    await sleep(150)
    expect(server.seen(SUBMIT)).toHaveLength(1)
  })
})

describe('uploader: logs', () => {
  it('logs a failing installation\'s retries at most once a minute, with the count suppressed', async () => {
    const server = await fake()
    server.on(SUBMIT, () => ({ status: 503, body: { code: 'HP_ERR_STORE_UNAVAILABLE', detail: 'down' } }))
    let skew = 0
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true', AGENT_RETRY_MIN_MS: '1', AGENT_RETRY_MAX_MS: '4' }, clock: () => Date.now() + skew, tickMs: 5 })
    r.outbox.append(randomUUID(), V1_ENVELOPE, records(2))
    r.uploader.start()
    await r.uploader.flush()
    await waitFor(() => server.seen(SUBMIT).length >= 20, '20 attempts')
    const retryLines = () => r.logs.filter((l) => l.msg === 'cannot upload batch: will retry')
    expect(retryLines()).toHaveLength(1)
    expect(retryLines()[0]).toMatchObject({ status: 503, detail: 'HP_ERR_STORE_UNAVAILABLE: down', attempts: 1, suppressed: 0 })

    skew = 61_000
    await waitFor(() => retryLines().length === 2, 'the next retry log line')
    await r.uploader.stop()
    const attempts = server.seen(SUBMIT).length
    const second = retryLines()[1] as Record<string, unknown>
    const suppressed = second.suppressed as number
    expect(suppressed).toBeGreaterThanOrEqual(18)
    expect(suppressed).toBe(second.attempts as number - 2)
    expect(second.attempts).toBeLessThanOrEqual(attempts)
    expect(retryLines()).toHaveLength(2)
    expect(r.logs).toHaveLength(2)
  })
})

describe('uploader: manual flush after failures', () => {
  it('cuts its own backoff short but never the server\'s Retry-After', async () => {
    const server = await fake()
    // First a 500 (our backoff, long), then a 429 with Retry-After: 2 (the server's), then success.
    server.on(SUBMIT, scripted([
      { status: 500, body: { code: 'HP_ERR_INTERNAL', detail: 'x' } },
      { status: 429, headers: { 'retry-after': '2' }, body: { code: 'HP_ERR_RATE_LIMITED', detail: 'slow down' } },
    ]))
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true', AGENT_RETRY_MIN_MS: '60000', AGENT_RETRY_MAX_MS: '60000' }, tickMs: 10 })
    r.outbox.append(randomUUID(), V1_ENVELOPE, records(1))
    r.uploader.start()
    await r.uploader.flush()
    await waitFor(() => server.seen(SUBMIT).length === 1, 'the first attempt', 2000)
    // Our backoff could be up to a minute; a flush goes now anyway.
    await r.uploader.flush()
    await waitFor(() => server.seen(SUBMIT).length === 2, 'the flushed attempt', 2000)
    // The server said 2 s: a flush right away must not send.
    await r.uploader.flush()
    await sleep(300)
    expect(server.seen(SUBMIT)).toHaveLength(2)
    // Once Retry-After has passed, a flush goes out (our own backoff alone would wait up to a minute).
    await sleep(2000)
    await r.uploader.flush()
    await waitFor(() => server.seen(SUBMIT).length === 3, 'the attempt after Retry-After', 3000)
    const [, second, third] = server.seen(SUBMIT) as [SeenRequest, SeenRequest, SeenRequest]
    expect(third.at - second.at).toBeGreaterThanOrEqual(2000)
    expect(r.outbox.stats().records).toBe(0)
  })
})

describe('uploader: a clock set back', () => {
  // Found by the fault-injection suite (e2e/faults/clock-skew.test.ts): waits made on a clock
  // years ahead must not outlast its correction by NTP.
  it('retries at once when the clock is set back years during a Retry-After wait', async () => {
    const server = await fake()
    server.on(SUBMIT, scripted([{ status: 429, headers: { 'retry-after': '60' }, body: { code: 'HP_ERR_RATE_LIMITED', detail: 'Rate limit exceeded' } }]))
    let skewMs = 3 * 365 * 24 * 3600_000
    const r = rig(server.url, { env: { AGENT_CONSENT: 'true' }, clock: () => Date.now() + skewMs, tickMs: 20 })
    r.outbox.append(randomUUID(), V1_ENVELOPE, records(2))
    r.uploader.start()
    await r.uploader.flush()
    expect(server.seen(SUBMIT)).toHaveLength(1)
    await sleep(200)
    expect(server.seen(SUBMIT)).toHaveLength(1) // Retry-After honoured while the clock runs on
    skewMs = 0
    await waitFor(() => r.outbox.stats().records === 0, 'the retry after the clock was set back', 3000)
    const [first, second] = server.seen(SUBMIT) as [SeenRequest, SeenRequest]
    expect(keyOf(second)).toBe(keyOf(first))
  })
})
