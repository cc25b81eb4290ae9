import { readFileSync } from 'node:fs'
import { CommunityModel, WindowBuilder } from '@heatpool/ml'
import { decryptPayload, payloadKeyFrom, publicKeyFromBase64, unpackModelBundle, verifyManifest, type SignedManifest } from '@heatpool/protocol/model-manifest'
import { describe, expect, it, vi } from 'vitest'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { recentTrainingRuns } from '../../src/store/training-runs.js'
import { trainingCron } from '../../src/training/plugin.js'
import { COMBINATIONS } from '../contract/combinations.js'
import { NO_ENGINE } from '../engines/missing.js'
import { ADMIN_TOKEN, build, type TestApp } from '../helper.js'
import { DAY_MS, pool, series, START, TRAINING_ENV } from './pool.js'

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

async function train (t: TestApp, model?: string) {
  const res = await t.inject({ method: 'POST', url: `/api/v2/admin/training${model === undefined ? '' : `?heatpump_model=${encodeURIComponent(model)}`}`, headers: admin })
  return res
}

const env = TRAINING_ENV

describe('community model training', () => {
  it('trains per heat-pump model, records what it learnt, and publishes a signed model that verifies and scores', async () => {
    const t = await build(env, START + 2 * DAY_MS)
    const installations = await pool(t, 3)
    t.clock.set(START + 2 * DAY_MS + 3_600_000)

    const res = await train(t, 'AERO SLM')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.runs).toHaveLength(1)
    const run = body.runs[0]
    expect(run.error).toBeNull()
    expect(run.summary.reason).toBeUndefined()
    expect(run).toMatchObject({ heatpump_model_key: 'aero_slm', trigger: 'admin', status: 'succeeded', error: null })
    expect(run.summary).toMatchObject({ samples: 3 * 2 * 1440, installations: 3, heat_pumps: 3, lookback_days: 30 })
    expect(run.summary.windows).toBeGreaterThan(3 * 2 * 96 - 6)
    expect(run.summary.modes.heating.threshold).toBeGreaterThan(0)
    expect(run.summary.modes.heating.threshold).toBeLessThan(1)
    expect(run.summary.modes.heating.scores.p50).toBeLessThanOrEqual(run.summary.modes.heating.scores.p99)
    expect(run.summary.features).toContain('carnot_efficiency')
    expect(run.summary.model).toMatchObject({ name: 'AERO_SLM', version: 1, encrypted: false, key_fingerprint: body.signing_key_fingerprint })

    // The published file: a bundle whose manifest the served public key verifies.
    const key = (await t.inject({ method: 'GET', url: '/api/v2/models/signing-key' })).json()
    expect(key.fingerprint).toBe(body.signing_key_fingerprint)
    const row = await t.app.models.find('AERO_SLM')
    expect(row?.sha256).toBe(run.summary.model.sha256)
    const { signed, payload } = unpackModelBundle(readFileSync(t.app.models.pathOf(row as { filename: string })))
    expect(verifyManifest(signed, publicKeyFromBase64(key.public_key), { nowMs: t.clock.now(), payload })).toMatchObject({ ok: true })
    const manifest = (signed as SignedManifest).manifest
    expect(manifest).toMatchObject({ name: 'AERO_SLM', heatpump_model: 'aero_slm', version: 1, payload_format: 'heatpool-anomaly/1' })
    expect(Date.parse(manifest.expires) - Date.parse(manifest.created)).toBe(30 * DAY_MS)
    expect(manifest.training).toMatchObject({ samples: 3 * 2 * 1440, installations: 3 })

    // The payload is a model: a window of short cycling scores above a window of normal operation.
    const model = CommunityModel.fromJSON(JSON.parse(payload.toString()))
    const window = (cycling: boolean) => {
      const builder = new WindowBuilder()
      for (const r of series(START, 1, 1).slice(120 * 3 + 30, 120 * 3 + 45)) {
        const ts = (r.timestamp as number) * 1000
        const on = cycling ? Math.floor(ts / 60_000) % 2 === 0 : true
        builder.push({ ts, values: { temp_outdoor: 2, temp_flow: 37, temp_return: on ? 32 : 36, power_heat: on ? 5600 : 0, power_electric: on ? 1500 : 15, operating_mode: on ? 1 : 0 } })
      }
      return model.score(builder.flush() as NonNullable<ReturnType<WindowBuilder['flush']>>)
    }
    const normal = window(false)
    const cycling = window(true)
    expect(cycling?.score).toBeGreaterThan(normal?.score as number)
    expect(cycling?.anomalous).toBe(true)
    expect(cycling?.top.map((c) => c.feature)).toContain('starts_per_hour')

    // Daily retraining publishes the next version; the runs are listed newest first.
    t.clock.advance(DAY_MS)
    const second = (await train(t)).json()
    expect(second.runs[0].summary.model.version).toBe(2)
    const listed = (await t.inject({ method: 'GET', url: '/api/v2/admin/training', headers: admin })).json()
    expect(listed.runs.map((r: { id: number }) => r.id)).toEqual([second.runs[0].id, run.id])
    expect(listed).toMatchObject({ busy: false, training_time: '' })

    // Eligible installations download it; one that never contributed gets 403.
    const [first] = installations as [{ id: string, token: string }]
    const download = await t.inject({ method: 'GET', url: `/api/v1/model/download?installation_id=${first.id}`, headers: { authorization: `Bearer ${first.token}` } })
    expect(download.statusCode).toBe(200)
    const downloaded = unpackModelBundle(download.rawPayload)
    expect(verifyManifest(downloaded.signed, publicKeyFromBase64(key.public_key), { nowMs: t.clock.now(), payload: downloaded.payload, currentVersion: 2 }).ok).toBe(true)
    const newcomer = await t.register({ heatpump_model: 'AERO SLM' })
    const refused = await t.inject({ method: 'GET', url: `/api/v1/model/download?installation_id=${newcomer.id}`, headers: { authorization: `Bearer ${newcomer.token}` } })
    expect(refused.statusCode).toBe(403)
    expect(refused.json().code).toBe('HP_ERR_NOT_ELIGIBLE')
  })

  it('trains once at start with RUN_ON_STARTUP, after marking runs a stopped server left behind as failed', async () => {
    const first = await build(env, START + DAY_MS)
    await pool(first, 3, 1)
    await first.app.store.db.insertInto('training_runs').values({ model_key: 'aero_slm', model_name: 'AERO SLM', trigger: 'schedule', status: 'running', started_at: START }).execute()
    await first.app.close()
    const config = loadConfig({ ...first.config as unknown as Record<string, string>, RUN_ON_STARTUP: 'true', TRAINING_TIME: '03:00' } as Record<string, string>)
    const app = await buildApp({ config, clock: () => START + DAY_MS + 3_600_000, logger: false })
    try {
      await app.ready()
      await vi.waitFor(async () => {
        const runs = await recentTrainingRuns(app.store.db, 10)
        expect(runs.map((r) => [r.trigger, r.status])).toEqual([['startup', 'succeeded'], ['schedule', 'failed']])
      }, { timeout: 30_000, interval: 100 })
      const listed = await app.inject({ method: 'GET', url: '/api/v2/admin/training', headers: admin })
      expect(listed.json()).toMatchObject({ training_time: '03:00', runs: [{ trigger: 'startup' }, { error: 'the server stopped while this run was going' }] })
    } finally {
      await app.close()
    }
  })

  it('turns TRAINING_TIME into a daily UTC cron pattern', () => {
    expect(trainingCron('03:00')).toBe('0 3 * * *')
    expect(trainingCron('23:45')).toBe('45 23 * * *')
    expect(trainingCron('')).toBeUndefined()
    expect(() => loadConfig({ TRAINING_TIME: '25:00' })).toThrow(/TRAINING_TIME/)
  })

  it('skips a heat-pump model with fewer installations than needed, says why, and publishes nothing', async () => {
    const t = await build({ ...env, K_ANONYMITY: '4' }, START + DAY_MS)
    await pool(t, 3, 1)
    t.clock.set(START + DAY_MS + 3_600_000)
    const run = (await train(t, 'AERO SLM')).json().runs[0]
    expect(run.status).toBe('skipped')
    expect(run.summary.reason).toMatch(/3 installations gave data, 4 are needed/)
    expect(await t.app.models.list()).toEqual([])
  })

  it('encrypts the payload with MODEL_ENCRYPTION_KEY: only the key opens it, the signature covers the ciphertext', async () => {
    const keyText = Buffer.alloc(32, 9).toString('base64')
    const t = await build({ ...env, MODEL_ENCRYPTION_KEY: keyText }, START + DAY_MS)
    await pool(t, 3, 1)
    t.clock.set(START + DAY_MS + 3_600_000)
    const run = (await train(t)).json().runs[0]
    expect(run.summary.model.encrypted).toBe(true)
    const row = await t.app.models.find('AERO_SLM')
    const { signed, payload } = unpackModelBundle(readFileSync(t.app.models.pathOf(row as { filename: string })))
    expect((signed as SignedManifest).manifest.encryption).toBe('aes-256-gcm')
    expect(payload.toString('utf8')).not.toContain('heatpool-anomaly')
    expect(CommunityModel.fromJSON(JSON.parse(decryptPayload(payload, payloadKeyFrom(keyText)).toString())).features).toContain('carnot_efficiency')
  })

  it('answers 400 for a name that is no heat-pump model, and 403 to installation tokens', async () => {
    const t = await build(env, START)
    const res = await train(t, 'Andere / Unbekannt')
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('HP_ERR_INVALID_MODEL_NAME')
    const inst = await t.register({ heatpump_model: 'AERO SLM' })
    const forbidden = await t.inject({ method: 'POST', url: '/api/v2/admin/training', headers: { authorization: `Bearer ${inst.token}` } })
    expect(forbidden.statusCode).toBe(403)
    expect((await t.inject({ method: 'GET', url: '/api/v2/admin/training/999', headers: admin })).statusCode).toBe(404)
  })
})

describe.each(COMBINATIONS)('training on every store: $name', (combination) => {
  it('reads the same samples and windows, and publishes a model that verifies', async (ctx) => {
    const engines = await combination.env()
    if (engines === undefined) return ctx.skip(NO_ENGINE)
    const t = await build({ ...engines, ...env }, START + DAY_MS)
    await pool(t, 3, 1)
    t.clock.set(START + DAY_MS + 3_600_000)
    const run = (await train(t, 'AERO SLM')).json().runs[0]
    expect(run.status).toBe('succeeded')
    expect(run.summary).toMatchObject({ samples: 3 * 1440, windows: 3 * 96, installations: 3, heat_pumps: 3, model: { version: 1 } })
    const key = (await t.inject({ method: 'GET', url: '/api/v2/models/signing-key' })).json()
    const row = await t.app.models.find('AERO_SLM')
    const { signed, payload } = unpackModelBundle(readFileSync(t.app.models.pathOf(row as { filename: string })))
    expect(verifyManifest(signed, publicKeyFromBase64(key.public_key), { nowMs: t.clock.now(), payload }).ok).toBe(true)
  })
})
