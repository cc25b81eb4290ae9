import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  displayName,
  isSafeModelName,
  ModelRegistry,
  ModelRegistryError,
  modelTargetFor,
} from '../../src/models/registry.js'
import { resolveModelDir } from '../../src/models/plugin.js'
import { openSqliteStore } from '../../src/store/sqlite/open.js'
import type { Store } from '../../src/store/types.js'
import { FakeClock } from '../helper.js'

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length > 0) await (cleanups.pop() as () => Promise<void>)()
})

interface Fixture {
  readonly root: string
  readonly dir: string
  readonly store: Store
  readonly clock: FakeClock
  readonly registry: ModelRegistry
  /** A second registry on the same store and directory, as after a restart. */
  reopen (): ModelRegistry
}

async function fixture (): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), 'heatpool-models-'))
  const store = await openSqliteStore({ dataDir: root, synchronous: 'normal' })
  const clock = new FakeClock(Date.UTC(2026, 10, 27, 12))
  const dir = join(root, 'models')
  const make = () => new ModelRegistry({ dir, db: store.db, clock: clock.now })
  cleanups.push(async () => {
    await store.close()
    rmSync(root, { recursive: true, force: true })
  })
  return { root, dir, store, clock, registry: make(), reopen: make }
}

/** Files in the directory other than finished models: temp files a write left behind. */
const leftovers = (dir: string) => readdirSync(dir).filter((f) => !f.endsWith('.enc'))

describe('model names', () => {
  it.each([
    ['AERO_SLM', true],
    ['community_model', true],
    ['Navigator_2.0', true],
    ['IDM_Wärmepumpe_(Pro)', true],
    ['a-b', true],
    ['', false],
    ['../etc/passwd', false],
    ['a/b', false],
    ['a\\b', false],
    ['..', false],
    ['a..b', false],
    ['.hidden', false],
    ['a b', false],
    ['a\u0000b', false],
    ['a\nb', false],
    ['a\u007fb', false],
    ['x'.repeat(201), false],
    ['ä'.repeat(101), false],
  ])('isSafeModelName(%j) is %s', (name, safe) => {
    expect(isSafeModelName(name)).toBe(safe)
  })

  it.each([
    ['AERO SLM', 'AERO_SLM', 'aero_slm'],
    ['  AERO   SLM ', 'AERO_SLM', 'aero_slm'],
    ['Navigator 2.0', 'Navigator_2.0', 'navigator_2.0'],
    ['IDM Wärmepumpe Pro', 'IDM_Wärmepumpe_Pro', 'idm_wärmepumpe_pro'],
    ['TERRA SW/BA', 'TERRA_SW_BA', 'terra_sw_ba'],
    [null, 'community_model', null],
    [undefined, 'community_model', null],
    ['', 'community_model', null],
    ['community model', 'community_model', null],
  ])('a model for heatpump_model %j is stored as %s (key %s)', (heatpumpModel, name, key) => {
    expect(modelTargetFor(heatpumpModel)).toEqual({ name, key })
  })

  it.each([
    ['Andere / Unbekannt', /placeholder/],
    ['IDM Wärmepumpe', /placeholder/],
    ['../../etc/cron', /file name/],
    ['a\\b', /file name/],
    ['.hidden', /file name/],
    ['a+b', /file name/],
    ['model', /upstream trainer/],
    ['a\u0007b', /control characters/],
  ])('refuses heatpump_model %j', (heatpumpModel, message) => {
    expect(() => modelTargetFor(heatpumpModel)).toThrow(ModelRegistryError)
    expect(() => modelTargetFor(heatpumpModel)).toThrow(message)
  })

  it('displays stems with spaces, as upstream', () => {
    expect(displayName('AERO_SLM')).toBe('AERO SLM')
    expect(displayName('community_model')).toBe('community model')
  })

  it('puts MODEL_DIR under DATA_DIR unless set', () => {
    expect(resolveModelDir({ DATA_DIR: '/var/lib/heatpool', MODEL_DIR: '' })).toBe('/var/lib/heatpool/models')
    expect(resolveModelDir({ DATA_DIR: '/var/lib/heatpool', MODEL_DIR: '/srv/models' })).toBe('/srv/models')
  })
})

describe('ModelRegistry.put', () => {
  it('writes the file and its row: hash, size, version 1, created now, no temp file left', async () => {
    const f = await fixture()
    const bytes = Buffer.from('model-bytes-v1')
    const model = await f.registry.put({ heatpumpModel: 'AERO SLM', bytes })
    expect(model).toEqual({
      name: 'AERO_SLM',
      model_key: 'aero_slm',
      filename: 'AERO_SLM.enc',
      version: 1,
      sha256: sha256(bytes),
      size_bytes: bytes.length,
      created_at: f.clock.ms,
    })
    expect(readFileSync(join(f.dir, 'AERO_SLM.enc'))).toEqual(bytes)
    expect(Math.floor(statSync(join(f.dir, 'AERO_SLM.enc')).mtimeMs)).toBe(f.clock.ms)
    expect(leftovers(f.dir)).toEqual([])
    expect(await f.registry.find('AERO_SLM')).toEqual(model)
  })

  it('stores the generic model without a heat-pump model', async () => {
    const f = await fixture()
    const model = await f.registry.put({ bytes: Buffer.from('generic') })
    expect(model).toMatchObject({ name: 'community_model', model_key: null, filename: 'community_model.enc', version: 1 })
  })

  it('increments the version with every upload, also across a removal', async () => {
    const f = await fixture()
    const versions = []
    for (const content of ['a', 'b']) {
      f.clock.advance(1000)
      versions.push((await f.registry.put({ heatpumpModel: 'AERO SLM', bytes: Buffer.from(content) })).version)
    }
    expect(versions).toEqual([1, 2])
    expect(readFileSync(join(f.dir, 'AERO_SLM.enc'), 'utf8')).toBe('b')
    expect(await f.registry.remove('AERO_SLM')).toBe(true)
    // A re-upload after a removal must not reuse a version agents have already seen (rollback protection).
    expect((await f.registry.put({ heatpumpModel: 'AERO SLM', bytes: Buffer.from('c') })).version).toBe(3)
  })

  it('keeps one model per heat-pump model key: another spelling replaces it', async () => {
    const f = await fixture()
    await f.registry.put({ heatpumpModel: 'AERO SLM', bytes: Buffer.from('a') })
    const second = await f.registry.put({ heatpumpModel: 'Aero slm', bytes: Buffer.from('b') })
    expect(second).toMatchObject({ name: 'AERO_SLM', model_key: 'aero_slm', version: 2 })
    expect((await f.registry.list()).map((m) => m.name)).toEqual(['AERO_SLM'])
  })

  it('gives concurrent uploads distinct versions', async () => {
    const f = await fixture()
    const models = await Promise.all([1, 2, 3, 4, 5].map((i) => f.registry.put({ heatpumpModel: 'AERO SLM', bytes: Buffer.from(`v${i}`) })))
    expect(models.map((m) => m.version).sort()).toEqual([1, 2, 3, 4, 5])
    const last = models.find((m) => m.version === 5)
    expect(await f.registry.find('AERO_SLM')).toEqual(last)
    expect(sha256(readFileSync(join(f.dir, 'AERO_SLM.enc')))).toBe(last?.sha256)
  })

  it('never lets a reader see a half-written file', async () => {
    const f = await fixture()
    const size = 4 * 1024 * 1024
    const payloads = ['a', 'b', 'c', 'd'].map((c) => Buffer.alloc(size, c))
    await f.registry.put({ heatpumpModel: 'AERO SLM', bytes: payloads[0] as Buffer })
    const path = join(f.dir, 'AERO_SLM.enc')
    let writing = true
    const reads: Buffer[] = []
    const reader = (async () => {
      while (writing) reads.push(await readFile(path))
    })()
    for (let i = 1; i < 12; i++) await f.registry.put({ heatpumpModel: 'AERO SLM', bytes: payloads[i % payloads.length] as Buffer })
    writing = false
    await reader
    expect(reads.length).toBeGreaterThan(0)
    for (const read of reads) expect(payloads.some((p) => p.equals(read))).toBe(true)
    expect(leftovers(f.dir)).toEqual([])
  })

  it('lets a stream opened before a replacement read the whole old version', async () => {
    const f = await fixture()
    const old = Buffer.alloc(2 * 1024 * 1024, 'o')
    const model = await f.registry.put({ heatpumpModel: 'AERO SLM', bytes: old })
    const stream = f.registry.openStream(model)
    await new Promise((resolve) => stream.once('open', resolve))
    await f.registry.put({ heatpumpModel: 'AERO SLM', bytes: Buffer.from('new') })
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    expect(Buffer.concat(chunks).equals(old)).toBe(true)
  })

  it('leaves no temp file and no row when the write fails', async () => {
    const f = await fixture()
    mkdirSync(join(f.dir, 'AERO_SLM.enc'), { recursive: true }) // rename over a directory fails
    await expect(f.registry.put({ heatpumpModel: 'AERO SLM', bytes: Buffer.from('x') })).rejects.toThrow()
    expect(readdirSync(f.dir)).toEqual(['AERO_SLM.enc'])
    expect(await f.registry.find('AERO_SLM')).toBeUndefined()
  })

  it('refuses empty files and unsafe names without touching the disk', async () => {
    const f = await fixture()
    await expect(f.registry.put({ heatpumpModel: 'AERO SLM', bytes: Buffer.alloc(0) })).rejects.toMatchObject({ reason: 'empty' })
    for (const heatpumpModel of ['../escape', '..\\escape', '.hidden', 'Andere / Unbekannt']) {
      await expect(f.registry.put({ heatpumpModel, bytes: Buffer.from('x') })).rejects.toMatchObject({ reason: 'invalid_name' })
    }
    expect(readdirSync(f.root).sort()).toEqual(['heatpool.db', 'heatpool.db-shm', 'heatpool.db-wal'])
  })
})

describe('ModelRegistry.remove', () => {
  it('deletes the file and the row', async () => {
    const f = await fixture()
    await f.registry.put({ heatpumpModel: 'AERO SLM', bytes: Buffer.from('a') })
    expect(await f.registry.remove('AERO_SLM')).toBe(true)
    expect(readdirSync(f.dir)).toEqual([])
    expect(await f.registry.list()).toEqual([])
    expect(await f.registry.remove('AERO_SLM')).toBe(false)
  })

  it('removes an untracked file of that name (the upstream trainer output)', async () => {
    const f = await fixture()
    await f.registry.sync()
    writeFileSync(join(f.dir, 'model.enc'), 'trainer output')
    expect(await f.registry.remove('model')).toBe(true)
    expect(readdirSync(f.dir)).toEqual([])
  })

  it('never touches a file outside MODEL_DIR', async () => {
    const f = await fixture()
    await f.registry.sync()
    writeFileSync(join(f.root, 'outside.enc'), 'keep me')
    for (const name of ['../outside', '..', '/etc/outside', '..\\outside', '.']) expect(await f.registry.remove(name)).toBe(false)
    expect(readFileSync(join(f.root, 'outside.enc'), 'utf8')).toBe('keep me')
  })

  it('refuses to stream a file name that is not a model file', async () => {
    const f = await fixture()
    expect(() => f.registry.openStream({ filename: '../heatpool.db' })).toThrow(ModelRegistryError)
    expect(() => f.registry.openStream({ filename: 'AERO_SLM' })).toThrow(ModelRegistryError)
  })
})

describe('ModelRegistry.sync', () => {
  it('creates MODEL_DIR when it is missing', async () => {
    const f = await fixture()
    expect(await f.registry.sync()).toEqual({ added: [], updated: [], removed: [], skipped: [] })
    expect(statSync(f.dir).isDirectory()).toBe(true)
  })

  it('registers a file dropped into MODEL_DIR with its hash, size and mtime, and forgets it once removed', async () => {
    const f = await fixture()
    await f.registry.sync()
    const mtime = Date.UTC(2026, 10, 20, 3)
    writeFileSync(join(f.dir, 'TERRA_SW.enc'), 'dropped by a trainer')
    utimesSync(join(f.dir, 'TERRA_SW.enc'), new Date(mtime), new Date(mtime))

    expect(await f.registry.sync()).toMatchObject({ added: ['TERRA_SW'], removed: [] })
    expect(await f.registry.find('TERRA_SW')).toEqual({
      name: 'TERRA_SW',
      model_key: 'terra_sw',
      filename: 'TERRA_SW.enc',
      version: 1,
      sha256: sha256('dropped by a trainer'),
      size_bytes: 20,
      created_at: mtime,
    })
    // Unchanged: nothing to do, nothing hashed again.
    expect(await f.registry.sync()).toEqual({ added: [], updated: [], removed: [], skipped: [] })

    rmSync(join(f.dir, 'TERRA_SW.enc'))
    expect(await f.registry.sync()).toMatchObject({ added: [], removed: ['TERRA_SW'] })
    expect(await f.registry.list()).toEqual([])
  })

  it('gives a file changed in place a new hash and version', async () => {
    const f = await fixture()
    const first = await f.registry.put({ heatpumpModel: 'AERO SLM', bytes: Buffer.from('one') })
    writeFileSync(join(f.dir, 'AERO_SLM.enc'), 'two, overwritten')
    expect(await f.reopen().sync()).toMatchObject({ updated: ['AERO_SLM'] })
    expect(await f.registry.find('AERO_SLM')).toMatchObject({ version: first.version + 1, sha256: sha256('two, overwritten'), size_bytes: 16 })
  })

  it('keeps the version of a file that was only touched', async () => {
    const f = await fixture()
    await f.registry.put({ heatpumpModel: 'AERO SLM', bytes: Buffer.from('one') })
    utimesSync(join(f.dir, 'AERO_SLM.enc'), new Date(), new Date())
    expect(await f.registry.sync()).toEqual({ added: [], updated: [], removed: [], skipped: [] })
    expect(await f.registry.find('AERO_SLM')).toMatchObject({ version: 1 })
  })

  it('skips the upstream trainer\'s model.enc, placeholders, unsafe names and directories, with reasons', async () => {
    const f = await fixture()
    await f.registry.sync()
    writeFileSync(join(f.dir, 'model.enc'), 'x')
    writeFileSync(join(f.dir, 'Andere___Unbekannt.enc'), 'x')
    writeFileSync(join(f.dir, '.hidden.enc'), 'x')
    writeFileSync(join(f.dir, 'a b.enc'), 'x')
    writeFileSync(join(f.dir, 'notes.txt'), 'x')
    mkdirSync(join(f.dir, 'dir.enc'))
    const report = await f.registry.sync()
    expect(report.added).toEqual([])
    expect(report.skipped.map((s) => s.file).sort()).toEqual(['.hidden.enc', 'Andere___Unbekannt.enc', 'a b.enc', 'dir.enc', 'model.enc'])
    expect(report.skipped.find((s) => s.file === 'model.enc')?.reason).toMatch(/upstream trainer/)
    expect(await f.registry.list()).toEqual([])
  })

  it('keeps a recent temp file (a write may be in progress in another process)', async () => {
    const f = await fixture()
    await f.registry.sync()
    writeFileSync(join(f.dir, '.AERO_SLM.enc.0123456789ab.tmp'), 'partial')
    await f.registry.sync()
    expect(readdirSync(f.dir)).toEqual(['.AERO_SLM.enc.0123456789ab.tmp'])
  })
})

describe('ModelRegistry lookup', () => {
  it('serves the heat-pump model\'s own model, else the generic one, else nothing', async () => {
    const f = await fixture()
    expect(await f.registry.forHeatPumpModel('aero_slm')).toBeUndefined()
    expect(await f.registry.forHeatPumpModel(null)).toBeUndefined()

    await f.registry.put({ bytes: Buffer.from('generic') })
    expect(await f.registry.forHeatPumpModel('aero_slm')).toMatchObject({ name: 'community_model' })
    expect(await f.registry.forHeatPumpModel(null)).toMatchObject({ name: 'community_model' })

    await f.registry.put({ heatpumpModel: 'AERO SLM', bytes: Buffer.from('specific') })
    expect(await f.registry.forHeatPumpModel('aero_slm')).toMatchObject({ name: 'AERO_SLM' })
    expect(await f.registry.forHeatPumpModel('terra_sw')).toMatchObject({ name: 'community_model' })
    expect(await f.registry.forHeatPumpModel(null)).toMatchObject({ name: 'community_model' })

    await f.registry.remove('community_model')
    expect(await f.registry.forHeatPumpModel('terra_sw')).toBeUndefined()
  })

  it('serves a dropped upstream-named file to its heat-pump model', async () => {
    const f = await fixture()
    await f.registry.sync()
    writeFileSync(join(f.dir, 'Navigator_2.0.enc'), 'x')
    await f.registry.sync()
    expect(await f.registry.forHeatPumpModel('navigator_2.0')).toMatchObject({ name: 'Navigator_2.0' })
  })

  it('lists models by name and their display names', async () => {
    const f = await fixture()
    await f.registry.put({ heatpumpModel: 'TERRA SW', bytes: Buffer.from('t') })
    await f.registry.put({ bytes: Buffer.from('g') })
    await f.registry.put({ heatpumpModel: 'AERO SLM', bytes: Buffer.from('a') })
    expect((await f.registry.list()).map((m) => m.name)).toEqual(['AERO_SLM', 'TERRA_SW', 'community_model'])
    expect(await f.registry.modelsAvailable()).toEqual(['AERO SLM', 'TERRA SW', 'community model'])
  })
})
