import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, build, type TestApp } from '../helper.js'

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

const dirs: string[] = []
afterEach(() => {
  while (dirs.length > 0) rmSync(dirs.pop() as string, { recursive: true, force: true })
})

/** A MODEL_DIR outside DATA_DIR, so files can be dropped there before the app starts. */
function modelDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'heatpool-modeldir-'))
  dirs.push(dir)
  return dir
}

function upload (t: TestApp, bytes: Buffer | string, heatpumpModel?: string, headers: Record<string, string> = admin) {
  const query = heatpumpModel === undefined ? '' : `?heatpump_model=${encodeURIComponent(heatpumpModel)}`
  return t.inject({
    method: 'POST',
    url: `/api/v2/admin/models${query}`,
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    payload: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes),
  })
}

describe.each([
  ['GET', '/api/v1/models'],
  ['POST', '/api/v2/admin/models'],
  ['DELETE', '/api/v2/admin/models/AERO_SLM'],
  ['POST', '/api/v2/admin/models/sync'],
] as const)('%s %s is admin-only', (method, url) => {
  it.each([
    ['no token', {}, 401, 'HP_ERR_MISSING_AUTH'],
    ['a wrong token', { authorization: 'Bearer nope' }, 403, 'HP_ERR_INVALID_TOKEN'],
  ])('refuses %s', async (_name, headers, status, code) => {
    const t = await build()
    const res = await t.inject({ method, url, headers: { ...headers, 'content-type': 'application/octet-stream' }, payload: Buffer.from('x') })
    expect(res.statusCode).toBe(status)
    expect(res.json()).toMatchObject({ code })
  })

  it('refuses an installation token', async () => {
    const t = await build()
    const { token } = await t.register()
    const res = await t.inject({ method, url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' }, payload: Buffer.from('x') })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_ADMIN_REQUIRED' })
  })
})

describe('GET /api/v1/models', () => {
  it('answers the upstream shape with no models', async () => {
    const t = await build()
    const res = await t.inject({ method: 'GET', url: '/api/v1/models', headers: admin })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ models: [], total: 0, model_dir: 'MODEL_DIR' })
  })

  it('lists uploaded and dropped files without leaking the server path', async () => {
    const dir = modelDir()
    const dropped = Date.UTC(2026, 10, 1, 3, 0, 0, 250)
    writeFileSync(join(dir, 'TERRA_SW.enc'), 'from the trainer')
    utimesSync(join(dir, 'TERRA_SW.enc'), new Date(dropped), new Date(dropped))
    writeFileSync(join(dir, 'model.enc'), 'upstream trainer output, names no heat-pump model')
    const t = await build({ MODEL_DIR: dir })
    expect((await upload(t, 'aero', 'AERO SLM')).statusCode).toBe(201)

    const res = await t.inject({ method: 'GET', url: '/api/v1/models', headers: admin })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      models: [
        { name: 'AERO SLM', filename: 'AERO_SLM.enc', size_bytes: 4, hash: sha256('aero'), modified: t.clock.ms / 1000, version: 1, heatpump_model_key: 'aero_slm' },
        { name: 'TERRA SW', filename: 'TERRA_SW.enc', size_bytes: 16, hash: sha256('from the trainer'), modified: dropped / 1000, version: 1, heatpump_model_key: 'terra_sw' },
      ],
      total: 2,
      model_dir: 'MODEL_DIR',
    })
    expect(res.body).not.toContain(dir)
    expect(res.body).not.toContain(t.dataDir)
  })
})

describe('POST /api/v2/admin/models', () => {
  it('stores the file under the upstream name as the next version', async () => {
    const t = await build()
    const bytes = Buffer.from('encrypted model v1')
    const res = await upload(t, bytes, 'AERO SLM')
    expect(res.statusCode).toBe(201)
    expect(res.json()).toEqual({
      name: 'AERO_SLM',
      filename: 'AERO_SLM.enc',
      heatpump_model_key: 'aero_slm',
      version: 1,
      sha256: sha256(bytes),
      size_bytes: bytes.length,
      created: new Date(t.clock.ms).toISOString(),
    })
    expect(readFileSync(join(t.dataDir, 'models', 'AERO_SLM.enc'))).toEqual(bytes)

    t.clock.advance(60_000)
    const second = await upload(t, 'encrypted model v2', 'AERO SLM')
    expect(second.json()).toMatchObject({ version: 2, sha256: sha256('encrypted model v2'), created: new Date(t.clock.ms).toISOString() })
  })

  it('stores the generic model without heatpump_model, or with an empty one', async () => {
    const t = await build()
    expect((await upload(t, 'generic')).json()).toMatchObject({ name: 'community_model', filename: 'community_model.enc', heatpump_model_key: null, version: 1 })
    expect((await upload(t, 'generic 2', '')).json()).toMatchObject({ name: 'community_model', version: 2 })
  })

  it('accepts names with umlauts', async () => {
    const t = await build()
    const res = await upload(t, 'x', 'IDM Wärmepumpe Pro')
    expect(res.statusCode).toBe(201)
    expect(res.json()).toMatchObject({ name: 'IDM_Wärmepumpe_Pro', heatpump_model_key: 'idm_wärmepumpe_pro' })
    expect(existsSync(join(t.dataDir, 'models', 'IDM_Wärmepumpe_Pro.enc'))).toBe(true)
  })

  it('refuses an empty body', async () => {
    const t = await build()
    const res = await upload(t, Buffer.alloc(0), 'AERO SLM')
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_MODEL_EMPTY', detail: expect.stringMatching(/^cannot store model: the body is empty/) })
    const none = await t.inject({ method: 'POST', url: '/api/v2/admin/models', headers: admin })
    expect(none.statusCode).toBe(400)
    expect(none.json()).toMatchObject({ code: 'HP_ERR_MODEL_EMPTY' })
  })

  it.each([
    ['../../etc/cron', /file name/],
    ['..\\x', /file name/],
    ['.hidden', /file name/],
    ['Andere / Unbekannt', /placeholder/],
    ['model', /upstream trainer/],
  ])('refuses heatpump_model %j', async (heatpumpModel, detail) => {
    const t = await build()
    const res = await upload(t, 'x', heatpumpModel)
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_INVALID_MODEL_NAME', detail: expect.stringMatching(detail) })
    const list = await t.inject({ method: 'GET', url: '/api/v1/models', headers: admin })
    expect(list.json().total).toBe(0)
  })

  it('refuses bodies that are not application/octet-stream', async () => {
    const t = await build()
    const json = await t.inject({ method: 'POST', url: '/api/v2/admin/models', headers: admin, payload: { model: 'x' } })
    expect(json.statusCode).toBe(415)
    expect(json.json()).toMatchObject({ code: 'HP_ERR_UNSUPPORTED_MEDIA_TYPE' })
    const text = await t.inject({ method: 'POST', url: '/api/v2/admin/models', headers: { ...admin, 'content-type': 'text/plain' }, payload: 'x' })
    expect(text.statusCode).toBe(415)
  })

  it('accepts up to 64 MiB and refuses more', async () => {
    const t = await build()
    expect((await upload(t, Buffer.alloc(64 * 1024 * 1024, 1))).statusCode).toBe(201)
    const res = await upload(t, Buffer.alloc(64 * 1024 * 1024 + 1, 2))
    expect(res.statusCode).toBe(413)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_BODY_TOO_LARGE' })
  })

  it('keeps octet-stream bodies to its own routes', async () => {
    const t = await build()
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/submit',
      headers: { authorization: 'Bearer nope', 'content-type': 'application/octet-stream' },
      payload: Buffer.from('{}'),
    })
    expect(res.statusCode).toBe(403)
    const { token } = await t.register()
    const raw = await t.inject({
      method: 'POST',
      url: '/api/v1/submit',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      payload: Buffer.from('{}'),
    })
    expect(raw.statusCode).toBe(415)
  })
})

describe('DELETE /api/v2/admin/models/:name', () => {
  it('removes the file and its listing', async () => {
    const t = await build()
    await upload(t, 'x', 'AERO SLM')
    const res = await t.inject({ method: 'DELETE', url: '/api/v2/admin/models/AERO_SLM', headers: admin })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ name: 'AERO_SLM' })
    expect(existsSync(join(t.dataDir, 'models', 'AERO_SLM.enc'))).toBe(false)
    expect((await t.inject({ method: 'GET', url: '/api/v1/models', headers: admin })).json().total).toBe(0)
  })

  it('removes a name with umlauts', async () => {
    const t = await build()
    await upload(t, 'x', 'IDM Wärmepumpe Pro')
    const res = await t.inject({ method: 'DELETE', url: `/api/v2/admin/models/${encodeURIComponent('IDM_Wärmepumpe_Pro')}`, headers: admin })
    expect(res.statusCode).toBe(200)
  })

  it.each(['AERO_SLM', '..%2F..%2Fheatpool.db', 'a..b', '.hidden', 'a%5Cb'])('answers 404 for %s', async (name) => {
    const t = await build()
    const res = await t.inject({ method: 'DELETE', url: `/api/v2/admin/models/${name}`, headers: admin })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_MODEL_NOT_FOUND', detail: expect.stringMatching(/^cannot find model /) })
    expect(existsSync(join(t.dataDir, 'heatpool.db'))).toBe(true)
  })
})

describe('POST /api/v2/admin/models/sync', () => {
  it('registers files dropped while the server runs and forgets removed ones', async () => {
    const t = await build()
    const dir = join(t.dataDir, 'models')
    writeFileSync(join(dir, 'community_model.enc'), 'generic')
    const res = await t.inject({ method: 'POST', url: '/api/v2/admin/models/sync', headers: admin })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ added: ['community_model'], updated: [], removed: [], skipped: [] })
    expect((await t.app.models.forHeatPumpModel('aero_slm'))?.sha256).toBe(sha256('generic'))

    rmSync(join(dir, 'community_model.enc'))
    mkdirSync(join(dir, 'sub.enc'))
    const again = await t.inject({ method: 'POST', url: '/api/v2/admin/models/sync', headers: admin })
    expect(again.json()).toMatchObject({ removed: ['community_model'], skipped: [{ file: 'sub.enc', reason: 'not a regular file' }] })
  })
})
