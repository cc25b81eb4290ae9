import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, build, type TestApp } from '../helper.js'
import { expectClientAnswer } from './checks.js'
import { damage, frame, framing, hostileValue, literal, textDamage } from './payloads.js'
import { FUZZ_ENV, fuzzParameters, fuzzTimeout } from './runs.js'

interface Operation {
  readonly method: string
  /** OpenAPI path, `{name}` for a path parameter. */
  readonly path: string
  readonly query: readonly string[]
}

/** Every operation of the server's own OpenAPI document, so a route added later is fuzzed too. */
async function operations (t: TestApp): Promise<Operation[]> {
  const doc = (await t.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, { parameters?: { in: string, name: string }[] }>> }>()
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({
    method: method.toUpperCase(),
    path,
    query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
  })))
}

/** Routes outside the API document: the web UI and its files, and paths that only a scanner sends. */
const EXTRA: readonly Operation[] = [
  { method: 'GET', path: '/', query: [] },
  { method: 'GET', path: '/admin/', query: [] },
  { method: 'GET', path: '/assets/{name}', query: [] },
  { method: 'GET', path: '/docs', query: [] },
  { method: 'GET', path: '/{name}', query: [] },
  { method: 'PUT', path: '/api/v1/submit', query: [] },
  { method: 'OPTIONS', path: '/api/v1/submit', query: [] },
]

const segment = fc.oneof(
  fc.constantFrom('..', '../../etc/passwd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%00', '%ff%fe', 'AERO%20SLM', '%', '%zz', '😀', 'a'.repeat(5000), 'index.html', '.env', '7d3f8a52-3c1e-4b6a-9f0e-2a1b3c4d5e6f'),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.integer().map(String),
)

const queryValue = fc.oneof(
  hostileValue.filter((v) => typeof v !== 'object' || v === null).map((v) => encodeURIComponent(String(v))),
  fc.constantFrom('%', '%zz', '%00', '1e308', '1e400', '-1e400', 'Infinity', 'NaN', '-0', '-1', '0', '99999999999999999999', 'true', '24h', '7d', '365d', 'AERO%20SLM', 'cop'),
)

const authorization = fc.constantFrom<string | undefined>(
  undefined, 'admin', 'installation', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'bearer nonsense', `Bearer ${'x'.repeat(10_000)}`, 'Bearer \u00ff\u00fe', 'Bearer a b c',
)

const bodyKind = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('json' as const), value: fc.oneof(fc.jsonValue({ maxDepth: 4 }), hostileValue, fc.dictionary(fc.constantFrom('consent_version', 'installation_id', 'heatpump_model', 'token', 'model', '__proto__', 'constructor'), hostileValue)), damage: textDamage, framing }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes' as const), value: fc.uint8Array({ maxLength: 2000 }), type: fc.constantFrom('application/octet-stream', 'application/json', 'text/plain', 'image/png') }) },
)

/** One request to one operation: path parameters, query, credentials and body all drawn at random. */
function request (ops: readonly Operation[]) {
  return fc.record({
    op: fc.constantFrom(...ops),
    params: fc.array(segment, { minLength: 3, maxLength: 3 }),
    query: fc.array(fc.tuple(fc.oneof(fc.constant(''), fc.string({ maxLength: 10 }).map(encodeURIComponent)), queryValue), { maxLength: 4 }),
    known: fc.array(queryValue, { minLength: 4, maxLength: 4 }),
    duplicateQuery: fc.boolean(),
    authorization,
    body: bodyKind,
  })
}

describe('fuzz: every endpoint', () => {
  it('answers random paths, queries, credentials and bodies with a coded 4xx or success, never 5xx', async () => {
    const t = await build(FUZZ_ENV)
    const { token } = await t.register()
    const ops = [...await operations(t), ...EXTRA]
    expect(ops.length).toBeGreaterThan(25)
    const seen = new Set<string>()
    await fc.assert(fc.asyncProperty(request(ops), async (r) => {
      let i = 0
      const path = r.op.path.replace(/\{[^}]+\}/g, () => r.params[i++] as string)
      const query = [
        ...r.op.query.map((name, j) => `${name}=${r.known[j % r.known.length] as string}`),
        ...r.query.map(([k, v]) => `${k}=${v}`),
        ...(r.duplicateQuery ? r.op.query.map((name) => `${name}=${r.known[0] as string}`) : []),
      ].join('&')
      const headers: Record<string, string> = {}
      if (r.authorization === 'admin') headers.authorization = `Bearer ${ADMIN_TOKEN}`
      else if (r.authorization === 'installation') headers.authorization = `Bearer ${token}`
      else if (r.authorization !== undefined) headers.authorization = r.authorization
      let payload: InjectOptions['payload']
      if (r.body.kind === 'json') {
        const framed = frame(damage(literal(JSON.stringify(r.body.value) ?? 'null'), r.body.damage), r.body.framing)
        Object.assign(headers, framed.headers)
        payload = framed.body
      } else if (r.body.kind === 'bytes') {
        headers['content-type'] = r.body.type
        payload = Buffer.from(r.body.value)
      }
      const res = await t.inject({ method: r.op.method as InjectOptions['method'], url: query === '' ? path : `${path}?${query}`, headers, ...(payload === undefined ? {} : { payload }) })
      seen.add(`${r.op.method} ${r.op.path}`)
      expectClientAnswer(res, `${r.op.method} ${path}?${query.slice(0, 200)}`)
    }), fuzzParameters(300))
    expect(seen.size).toBeGreaterThan(ops.length / 2)
    expect((await t.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
  }, fuzzTimeout(40_000, 300))
})

describe('fuzz findings: URLs the router refuses', () => {
  // Regression: these answered Fastify's own `{"error":…,"code":"FST_ERR_…"}`, not `{code, detail}`.
  it.each<[string, number, string]>([
    [`/api/v2/admin/installations/${'a'.repeat(101)}`, 414, 'HP_ERR_URI_TOO_LONG'],
    [`/api/v2/admin/models/${'m'.repeat(5000)}`, 414, 'HP_ERR_URI_TOO_LONG'],
    ['/api/v2/admin/installations/%zz', 400, 'HP_ERR_BAD_REQUEST'],
    ['/api/v2/admin/training/%E0%A4%A', 400, 'HP_ERR_BAD_REQUEST'],
  ])('%s answers %i %s', async (url, status, code) => {
    const t = await build(FUZZ_ENV)
    const res = await t.inject({ method: url.includes('models') ? 'DELETE' : 'GET', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(res.statusCode, res.body.slice(0, 300)).toBe(status)
    expect(res.json()).toEqual({ code, detail: expect.any(String) })
  })
})

describe('fuzz findings: infinite numbers in the query', () => {
  // Regression: Ajv coerced "1e400" and "Infinity" to ±Infinity and let them past minimum/maximum;
  // growth and quality answered 500 (date arithmetic), the admin lists 503 (SQLite datatype mismatch).
  it.each([
    '/api/v2/community/growth?days=1e400',
    '/api/v2/community/growth?days=Infinity',
    '/api/v2/admin/quality?days=-1e400',
    '/api/v2/admin/installations?limit=1e400',
    '/api/v2/admin/installations?offset=Infinity',
    '/api/v2/admin/training?limit=1e400',
  ])('%s answers 422 HP_ERR_VALIDATION', async (url) => {
    const t = await build(FUZZ_ENV)
    const res = await t.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(res.statusCode, res.body.slice(0, 300)).toBe(422)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_VALIDATION', detail: expect.stringContaining('finite') })
  })

  it('still takes finite values and the defaults', async () => {
    const t = await build(FUZZ_ENV)
    for (const url of ['/api/v2/community/growth?days=30', '/api/v2/community/growth', '/api/v2/admin/quality?days=7', '/api/v2/admin/installations?limit=10&offset=0']) {
      const res = await t.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200)
    }
  })
})
