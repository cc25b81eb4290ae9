import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DAY_MS } from '../../src/ledger/contribution.js'
import { ADMIN_TOKEN, build, newId, v1Payload, v1Record, type TestApp } from '../helper.js'

const env = { MIN_INSTALLATIONS: '1', MIN_DATA_POINTS: '1', PUBLIC_CACHE_SECONDS: '0', CONTRIBUTION_MIN_SAMPLES: '100', AUTH_TOKEN: 'shared', ELIGIBILITY_DAYS: '3' }
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

async function eligibleInstallation (t: TestApp, heatpumpModel = 'AERO SLM') {
  const inst = await t.register({ heatpump_model: heatpumpModel })
  for (let d = 0; d < 3; d++) {
    if (d > 0) t.clock.advance(DAY_MS)
    const base = t.clock.ms - 3 * 3_600_000
    await t.submit(v1Payload(inst.id, Array.from({ length: 20 }, (_, i) => v1Record((base + i * 60_000) / 1000)), { heatpump_model: heatpumpModel }), inst.token)
  }
  return inst
}

async function upload (t: TestApp, bytes: string, heatpumpModel?: string) {
  const query = heatpumpModel === undefined ? '' : `?heatpump_model=${encodeURIComponent(heatpumpModel)}`
  const res = await t.inject({ method: 'POST', url: `/api/v2/admin/models${query}`, headers: { ...admin, 'content-type': 'application/octet-stream' }, payload: Buffer.from(bytes) })
  expect(res.statusCode).toBe(201)
  return createHash('sha256').update(bytes).digest('hex')
}

function download (t: TestApp, query: string, headers: Record<string, string>) {
  return t.inject({ method: 'GET', url: `/api/v1/model/download${query}`, headers })
}

describe('GET /api/v1/model/download', () => {
  it('serves the model of the installation\'s heat pump to its token, without installation_id as old clients call it', async () => {
    const t = await build(env)
    const { token } = await eligibleInstallation(t)
    await upload(t, 'generic')
    const hash = await upload(t, 'the AERO SLM model', 'AERO SLM')
    const res = await download(t, '', { authorization: `Bearer ${token}` })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('application/octet-stream')
    expect(res.body).toBe('the AERO SLM model')
    expect(res.headers['x-model-hash']).toBe(hash)
    expect(res.headers['x-model-name']).toBe('AERO_SLM')
    expect(res.headers.etag).toBe(`"${hash}"`)
    expect(res.headers['content-disposition']).toBe('attachment; filename="AERO_SLM.enc"')

    const again = await download(t, '', { authorization: `Bearer ${token}`, 'if-none-match': `"${hash}"` })
    expect(again.statusCode).toBe(304)
    expect(again.body).toBe('')
    // An explicit model wins; one without a file falls back to the generic model.
    expect((await download(t, '?model=TERRA%20SW', { authorization: `Bearer ${token}` })).body).toBe('generic')
  })

  it('serves the shared-token client that names its installation', async () => {
    const t = await build(env)
    const { id } = await eligibleInstallation(t)
    await upload(t, 'generic')
    const res = await download(t, `?installation_id=${id}`, { authorization: 'Bearer shared' })
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe('generic')
  })

  it.each([
    ['no token', '', {}, 401, 'HP_ERR_MISSING_AUTH', 'Missing Authorization Header'],
    ['a wrong token', '', { authorization: 'Bearer nope' }, 403, 'HP_ERR_INVALID_TOKEN', 'Invalid Token'],
    ['the shared token without installation_id', '', { authorization: 'Bearer shared' }, 422, 'HP_ERR_VALIDATION', undefined],
    ['a bad installation_id', '?installation_id=nope', { authorization: 'Bearer shared' }, 400, 'HP_ERR_BAD_INSTALLATION_ID', 'Invalid installation_id format (must be UUID)'],
    ['a bad model', `?installation_id=${newId()}&model=%01`, { authorization: 'Bearer shared' }, 400, 'HP_ERR_BAD_MODEL_NAME', 'Invalid model name format'],
  ])('refuses %s', async (_name, query, headers, status, code, detail) => {
    const t = await build(env)
    const res = await download(t, query, headers)
    expect(res.statusCode).toBe(status)
    expect(res.json().code).toBe(code)
    if (detail !== undefined) expect(res.json().detail).toBe(detail)
  })

  it('refuses an installation that is not eligible with upstream\'s 403 text', async () => {
    const t = await build(env)
    await eligibleInstallation(t)
    await upload(t, 'generic')
    const newcomer = await t.register()
    const res = await download(t, '', { authorization: `Bearer ${newcomer.token}` })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toEqual({ code: 'HP_ERR_NOT_ELIGIBLE', detail: 'Not eligible. Contribute data for 3 days to access community models.' })
  })

  it('refuses downloads while the pool is not sufficient (upstream never checked)', async () => {
    const t = await build({ ...env, MIN_INSTALLATIONS: '2' })
    const { token } = await eligibleInstallation(t)
    await upload(t, 'generic')
    const res = await download(t, '', { authorization: `Bearer ${token}` })
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toBe('HP_ERR_POOL_NOT_READY')
  })

  it('answers 404 with upstream\'s text when there is no model', async () => {
    const t = await build(env)
    const { token } = await eligibleInstallation(t)
    const res = await download(t, '', { authorization: `Bearer ${token}` })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ code: 'HP_ERR_NO_MODEL', detail: 'No model available yet. The community model is still being trained.' })
  })

  it('refuses a token used for another installation\'s id', async () => {
    const t = await build(env)
    const { token } = await eligibleInstallation(t)
    const res = await download(t, `?installation_id=${newId()}`, { authorization: `Bearer ${token}` })
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toBe('HP_ERR_WRONG_INSTALLATION')
  })
})
