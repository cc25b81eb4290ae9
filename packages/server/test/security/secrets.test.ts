import { createPrivateKey, randomBytes } from 'node:crypto'
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { loadOrCreateSigningKey, signingKeyPath } from '../../src/models/signing-key.js'
import { v1Payload, v1Record } from '../helper.js'
import { listRoutes } from './routes.js'

const ADMIN = 'admin-secret-' + randomBytes(12).toString('hex')
const SHARED = 'shared-secret-' + randomBytes(12).toString('hex')
const PAYLOAD_KEY = randomBytes(32).toString('base64')
const ADDRESSES = ['203.0.113.77', '198.51.100.23', '192.0.2.201', '2001:db8:1234:5678::9', '2001:db8:abcd:ef01:2345:6789:abcd:ef01']
const NOW_S = Date.now() / 1000

let open: { app: FastifyInstance, dir: string } | undefined
afterEach(async () => {
  if (open === undefined) return
  await open.app.close()
  rmSync(open.dir, { recursive: true, force: true })
  open = undefined
})

/** A server as deployed (pino at `level`, logs captured), with every kind of secret configured. */
async function server (level: string): Promise<{ app: FastifyInstance, dir: string, lines: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'heatpool-secrets-'))
  const lines: string[] = []
  const app = await buildApp({
    config: loadConfig({
      DATA_DIR: dir, ADMIN_TOKEN: ADMIN, AUTH_TOKEN: SHARED, MODEL_ENCRYPTION_KEY: PAYLOAD_KEY, LOG_LEVEL: level,
      RETENTION_SCHEDULE: '', BADGES_SCHEDULE: '', TRAINING_TIME: '', RATE_LIMIT_IP_PER_MINUTE: '40', SQLITE_SYNCHRONOUS: 'normal',
    }),
    logStream: { write: (line) => { lines.push(line) } },
  })
  await app.ready()
  open = { app, dir }
  return { app, dir, lines }
}

/** The signing key's private half in every spelling it could leak in: PEM body lines, raw seed as base64, base64url and hex. */
function privateKeyForms (dir: string): string[] {
  const pem = readFileSync(signingKeyPath({ MODEL_SIGNING_KEY_FILE: '', DATA_DIR: dir }), 'utf8')
  const d = createPrivateKey(pem).export({ format: 'jwk' }).d as string
  const seed = Buffer.from(d, 'base64url')
  const body = pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'))
  return [...body, d, seed.toString('base64'), seed.toString('hex')]
}

/**
 * OWASP API8 and GDPR (docs/SECURITY.md, docs/PRIVACY.md): after a busy run — registrations,
 * uploads, wrong and right tokens, admin work, rate-limited and malformed requests from several
 * addresses — neither the logs nor /metrics hold a token, the admin or shared token, a key, or a
 * client address; and the model signing key's private half is in no answer and in a 0600 file.
 */
describe('secrets', () => {
  it('never reach the logs or /metrics, even at debug level after a busy run', async () => {
    const { app, dir, lines } = await server('debug')
    const tokens: string[] = []
    for (const [i, remoteAddress] of ADDRESSES.entries()) {
      const reg = await app.inject({ method: 'POST', url: '/api/v2/installations', remoteAddress, payload: { consent_version: '1', heatpump_model: 'AERO SLM' } })
      expect(reg.statusCode).toBe(201)
      const { installation_id: id, token } = reg.json() as { installation_id: string, token: string }
      tokens.push(token)
      const bearer = { authorization: `Bearer ${token}` }
      const requests = [
        { method: 'POST', url: '/api/v1/submit', headers: { ...bearer, 'idempotency-key': randomBytes(8).toString('hex') }, payload: v1Payload(id, [v1Record(NOW_S - 60 * i), v1Record(NOW_S - 60 * i - 30, { temp_outside: 9999 })]) },
        { method: 'POST', url: '/api/v1/submit', headers: { authorization: `Bearer ${SHARED}` }, payload: v1Payload(id, [v1Record(NOW_S)]) },
        { method: 'POST', url: '/api/v1/submit', headers: { authorization: `Bearer ${token}x` }, payload: v1Payload(id, [v1Record(NOW_S)]) },
        { method: 'POST', url: '/api/v1/submit', headers: { ...bearer, 'content-type': 'application/json' }, payload: '{"installation_id":' },
        { method: 'GET', url: '/api/v2/installations/me', headers: bearer },
        { method: 'GET', url: `/api/v1/model/check?installation_id=${id}`, headers: bearer },
        { method: 'GET', url: '/api/v1/model/download', headers: bearer },
        { method: 'GET', url: '/api/v2/community/ranking', headers: bearer },
        { method: 'GET', url: '/api/v2/admin/installations', headers: bearer },
        { method: 'GET', url: '/api/v2/admin/installations', headers: { authorization: `Bearer ${ADMIN}` } },
        { method: 'GET', url: '/api/v2/admin/quality', headers: { authorization: `Bearer ${ADMIN}` } },
        { method: 'POST', url: '/api/v2/admin/training', headers: { authorization: `Bearer ${ADMIN}` } },
        { method: 'GET', url: '/api/v2/models/signing-key' },
        { method: 'GET', url: '/no/such/route', headers: { authorization: `Bearer ${ADMIN}` } },
      ] as const
      for (const r of requests) await app.inject({ ...r, remoteAddress })
    }
    // Past the per-address limit: the 429s are logged too.
    let limited = 0
    for (let i = 0; i < 45; i++) {
      const res = await app.inject({ method: 'GET', url: '/api/v2/installations/me', remoteAddress: ADDRESSES[0], headers: { authorization: `Bearer ${tokens[0] as string}` } })
      if (res.statusCode === 429) limited++
    }
    expect(limited).toBeGreaterThan(0)
    const metrics = await app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.statusCode).toBe(200)

    const logs = lines.join('')
    expect(lines.length).toBeGreaterThan(100) // the run was logged, request by request
    expect(logs).toContain('203.0.xxx.xxx') // addresses appear masked
    const secrets = [...tokens, ADMIN, SHARED, PAYLOAD_KEY, Buffer.from(PAYLOAD_KEY, 'base64').toString('hex'), ...privateKeyForms(dir)]
    for (const [where, text] of [['logs', logs], ['/metrics', metrics.body]] as const) {
      for (const secret of secrets) expect(text.includes(secret), `${where} contain a secret (${secret.slice(0, 6)}…)`).toBe(false)
      for (const address of ADDRESSES) expect(text.includes(address), `${where} contain ${address}`).toBe(false)
      // Neither the IPv4 host part nor the IPv6 interface part in any spelling.
      expect(text, where).not.toMatch(/203\.0\.113|198\.51\.100|192\.0\.2\.|1234:5678|abcd:ef01/)
      expect(text.toLowerCase(), where).not.toContain('bearer ')
      expect(text.toLowerCase(), where).not.toContain('authorization')
    }
  })

  it('keep the model signing key on the server: in a 0600 file, in no answer of any route', async () => {
    const { app, dir } = await server('silent')
    const file = signingKeyPath({ MODEL_SIGNING_KEY_FILE: '', DATA_DIR: dir })
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700)
    const forms = privateKeyForms(dir)

    // Every GET route without parameters, as admin (who sees most), and the key's own route.
    const gets = listRoutes(app).filter((r) => r.method === 'GET' && !r.url.includes(':') && !r.url.includes('*'))
    expect(gets.map((r) => r.url)).toContain('/api/v2/models/signing-key')
    for (const route of gets) {
      const res = await app.inject({ method: 'GET', url: route.url, headers: { authorization: `Bearer ${ADMIN}` } })
      for (const form of forms) expect(res.body.includes(form), `GET ${route.url} answers the private key`).toBe(false)
      expect(res.body, route.url).not.toContain('PRIVATE KEY')
    }
    const published = (await app.inject({ method: 'GET', url: '/api/v2/models/signing-key' })).json()
    expect(published).toMatchObject({ algorithm: 'Ed25519', public_key: expect.any(String), fingerprint: expect.any(String) })
    expect(Buffer.from(published.public_key as string, 'base64')).toHaveLength(32)

    // A key file others could read is refused at start (whoever reads it can sign models).
    chmodSync(file, 0o644)
    expect(() => loadOrCreateSigningKey({ MODEL_SIGNING_KEY: '', MODEL_SIGNING_KEY_FILE: '', DATA_DIR: dir })).toThrow(/others may read it/)
    chmodSync(file, 0o600)
  })
})
