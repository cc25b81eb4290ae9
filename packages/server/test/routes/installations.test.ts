import { describe, expect, it } from 'vitest'
import { hashToken } from '../../src/auth/tokens.js'
import { findInstallation } from '../../src/store/installations.js'
import { build, newId, v1Payload, v1Record } from '../helper.js'

describe('POST /api/v2/installations', () => {
  it('registers a new installation and returns its token once, storing only the hash', async () => {
    const t = await build()
    const res = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '2026-11', heatpump_model: 'AERO SLM', manufacturer: 'IDM' } })
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(body.created).toBe(true)
    expect(body.installation_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(body.token).toMatch(/^hpi_[A-Za-z0-9_-]{43}$/)
    const row = await findInstallation(t.app.store.db, body.installation_id)
    expect(row).toMatchObject({ token_hash: hashToken(body.token), consent_version: '2026-11', model_name: 'AERO SLM', model_key: 'aero_slm', manufacturer: 'idm' })
    expect(JSON.stringify(row)).not.toContain(body.token)
  })

  it('accepts a client-chosen UUID in any upstream spelling', async () => {
    const t = await build()
    const id = newId()
    const res = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', installation_id: `{${id.toUpperCase()}}` } })
    expect(res.statusCode).toBe(201)
    expect(res.json().installation_id).toBe(id)
  })

  it('refuses to re-register an existing id without its token', async () => {
    const t = await build()
    const { id } = await t.register()
    const res = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', installation_id: id } })
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_INSTALLATION_EXISTS' })
  })

  it('refuses another installation\'s token', async () => {
    const t = await build()
    const a = await t.register()
    const b = await t.register()
    const res = await t.inject({ method: 'POST', url: '/api/v2/installations', headers: { authorization: `Bearer ${b.token}` }, payload: { consent_version: '1', installation_id: a.id } })
    expect(res.statusCode).toBe(409)
  })

  it('rotates the token when the installation presents it', async () => {
    const t = await build()
    const { id, token } = await t.register()
    const res = await t.inject({ method: 'POST', url: '/api/v2/installations', headers: { authorization: `Bearer ${token}` }, payload: { consent_version: '2', installation_id: id } })
    expect(res.statusCode).toBe(200)
    const fresh = res.json().token
    expect(fresh).not.toBe(token)
    const now = t.clock.ms / 1000
    expect((await t.submit(v1Payload(id, [v1Record(now)]), token)).statusCode).toBe(403)
    expect((await t.submit(v1Payload(id, [v1Record(now)]), fresh)).statusCode).toBe(200)
  })

  it('lets a legacy installation be claimed, keeping its history, after which legacy writes stop', async () => {
    const t = await build({ AUTH_TOKEN: 'shared' })
    const id = newId()
    const now = t.clock.ms / 1000
    const legacy = await t.submit(v1Payload(id, [v1Record(now - 60)]), 'shared')
    expect(legacy.statusCode).toBe(200)
    const claim = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', installation_id: id } })
    expect(claim.statusCode).toBe(200)
    expect(claim.json().created).toBe(false)
    const row = await findInstallation(t.app.store.db, id)
    expect(Number(row?.samples_total)).toBe(legacy.json().values.stored)
    expect((await t.submit(v1Payload(id, [v1Record(now)]), 'shared')).json()).toMatchObject({ code: 'HP_ERR_INSTALLATION_REGISTERED' })
  })

  it.each([
    ['a bad UUID', { consent_version: '1', installation_id: 'nope' }, 422, 'HP_ERR_INVALID_INSTALLATION_ID'],
    ['no consent version', {}, 422, 'HP_ERR_VALIDATION'],
    ['a model name with control characters', { consent_version: '1', heatpump_model: 'A\u0007B' }, 400, 'HP_ERR_INVALID_MODEL_NAME'],
    ['unknown fields', { consent_version: '1', token_hash: 'x' }, 422, 'HP_ERR_VALIDATION'],
  ])('refuses %s', async (_name, payload, status, code) => {
    const t = await build()
    const res = await t.inject({ method: 'POST', url: '/api/v2/installations', payload })
    expect(res.statusCode).toBe(status)
    expect(res.json()).toMatchObject({ code })
  })
})

describe('POST /api/v2/installations with a client-chosen token', () => {
  const token = `hpi_${'a1B2c3D4'.repeat(6)}`

  it('answers a repeat with the same token 200 (the first answer may have been lost), another token 409', async () => {
    const t = await build()
    const id = newId()
    const first = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', installation_id: id, token } })
    expect(first.statusCode).toBe(201)
    expect(first.json()).toEqual({ installation_id: id, token, created: true })
    const again = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', installation_id: id, token } })
    expect(again.statusCode).toBe(200)
    expect(again.json()).toEqual({ installation_id: id, token, created: false })
    const other = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', installation_id: id, token: `${token}x` } })
    expect(other.statusCode).toBe(409)
    expect((await t.submit(v1Payload(id, [v1Record(t.clock.ms / 1000)]), token)).statusCode).toBe(200)
  })

  it('refuses a token too short to be secret', async () => {
    const t = await build()
    const res = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', token: 'short' } })
    expect(res.statusCode).toBe(422)
  })
})
