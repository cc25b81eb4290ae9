import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, type ReadStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { parseHeatPumpModel } from '@heatpool/protocol'
import type { Kysely, Selectable } from 'kysely'
import type { Database, ModelsTable } from '../store/schema.js'

/**
 * The community model registry: model files in `MODEL_DIR` named `<name>.enc` (upstream's
 * layout, upstream.md §1.1), and one `models` row per file caching its sha256, size, version and
 * heat-pump model key, so no request ever hashes a file. The registry is the only writer of both;
 * files dropped into the directory by someone else (an upstream trainer) are picked up by
 * `sync()`. Mutations run one at a time within the process.
 */

export type RegisteredModel = Selectable<ModelsTable>

/** Stem of the generic model, served when no model exists for a heat pump's own model (upstream). */
export const GENERIC_MODEL_NAME = 'community_model'
export const MODEL_FILE_EXTENSION = '.enc'

/**
 * The upstream trainer always writes `model.enc` whatever heat-pump model it trained for, and
 * each target overwrites the last (upstream.md §3.3, §8 S8). Such a file names no heat-pump model,
 * so it is never registered or listed; `model` is refused as an upload name for the same reason.
 */
const UPSTREAM_TRAINER_STEM = 'model'

/** Longest stem in UTF-8 bytes: with `.enc` and a temp suffix it stays under the usual 255-byte limit. */
const MAX_NAME_BYTES = 200

/** Upstream's file-name characters `[A-Za-z0-9_.()-]` plus letters and marks of any script (`Wärmepumpe`). */
const NAME_CHARACTERS = /^[\p{L}\p{M}0-9_.()-]+$/u

/** `.<file>.<12 hex>.tmp`: a file being written by `put` (or left behind by a crash during one). */
const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/

/** Temp files older than this are leftovers of a crashed write and are deleted by `sync`. */
const STALE_TEMP_MS = 60 * 60 * 1000

/** Settings key remembering the highest version a name ever had, so a removed model's successor continues its numbering. */
const versionSetting = (name: string) => `model_version:${name}`

/**
 * Whether `name` is safe as a file stem inside `MODEL_DIR`: it can never address another directory
 * (no `/`, `\`, `..`, leading `.`), has no control characters or spaces, and is not empty.
 */
export function isSafeModelName (name: string): boolean {
  return name !== '' &&
    Buffer.byteLength(name) <= MAX_NAME_BYTES &&
    NAME_CHARACTERS.test(name) &&
    !name.startsWith('.') &&
    !name.includes('..')
}

/** Upstream's display name of a model file: the stem with `_` as spaces (`AERO_SLM` → `AERO SLM`). */
export function displayName (name: string): string {
  return name.replaceAll('_', ' ')
}

/** Why the registry refused an input; the message reads `cannot <verb> <object>: <cause>`. */
export class ModelRegistryError extends Error {
  override readonly name = 'ModelRegistryError'

  constructor (readonly reason: 'invalid_name' | 'empty', message: string) {
    super(message)
  }
}

export interface ModelTarget {
  /** File stem. */
  readonly name: string
  /** Heat-pump model key the file is served to; null for the generic model. */
  readonly key: string | null
}

/**
 * The file a model for `heatpumpModel` is stored under, as upstream named it: the model name with
 * spaces and `/` as `_` (`"AERO SLM"` → `AERO_SLM`); no name → the generic `community_model`.
 * Throws `ModelRegistryError` for names that are not heat-pump models (placeholders such as
 * `Andere / Unbekannt`, control characters) or that would not make a safe file name.
 */
export function modelTargetFor (heatpumpModel: string | null | undefined): ModelTarget {
  const parsed = parseHeatPumpModel(heatpumpModel)
  const quoted = JSON.stringify(heatpumpModel)
  if (typeof parsed === 'string') {
    throw new ModelRegistryError('invalid_name', `cannot name a model for heatpump_model ${quoted}: ${parsed.replaceAll('_', ' ')}`)
  }
  if (parsed.name === null) return { name: GENERIC_MODEL_NAME, key: null }
  if (parsed.key === null) {
    throw new ModelRegistryError('invalid_name', `cannot name a model for heatpump_model ${quoted}: it is a placeholder, not a heat-pump model; omit heatpump_model to store the generic model`)
  }
  const name = parsed.name.replace(/[ /]/g, '_')
  if (name === GENERIC_MODEL_NAME) return { name, key: null }
  if (name.toLowerCase() === UPSTREAM_TRAINER_STEM) {
    throw new ModelRegistryError('invalid_name', `cannot name a model for heatpump_model ${quoted}: model.enc is the upstream trainer's output name and is never served`)
  }
  if (!isSafeModelName(name)) {
    throw new ModelRegistryError('invalid_name', `cannot name a model for heatpump_model ${quoted}: the file name ${JSON.stringify(name)} would contain characters other than letters, digits and _.()- , a leading dot or ".."`)
  }
  return { name, key: parsed.key }
}

/** The heat-pump model key a file stem stands for (the generic model's is null). */
function keyOfName (name: string): string | null {
  if (name === GENERIC_MODEL_NAME) return null
  const parsed = parseHeatPumpModel(name)
  return typeof parsed === 'string' ? null : parsed.key
}

/** What a file about to be stored will be registered as: signed manifests name it. */
export interface FileIdentity {
  readonly name: string
  readonly key: string | null
  readonly version: number
  /** `created_at` of the row, ms. */
  readonly createdAt: number
}

export interface SyncReport {
  /** Files that were not in the table. */
  readonly added: string[]
  /** Files whose contents changed behind the registry's back (new hash, next version). */
  readonly updated: string[]
  /** Rows whose file is gone. */
  readonly removed: string[]
  /** `*.enc` files left out, with the reason. */
  readonly skipped: { readonly file: string, readonly reason: string }[]
}

export interface ModelRegistryOptions {
  /** `MODEL_DIR`, resolved. */
  readonly dir: string
  readonly db: Kysely<Database>
  /** Milliseconds since the epoch: the `created_at` of uploads. */
  readonly clock: () => number
}

export class ModelRegistry {
  readonly dir: string
  readonly #db: Kysely<Database>
  readonly #clock: () => number
  #queue: Promise<unknown> = Promise.resolve()

  constructor (options: ModelRegistryOptions) {
    this.dir = options.dir
    this.#db = options.db
    this.#clock = options.clock
  }

  /**
   * Brings the table in line with the directory (creating it if missing): untracked `*.enc`
   * files are registered (sha256 and size computed once, `created_at` = mtime, version 1 or the
   * successor of a removed one), files changed in place get a new hash and version, rows
   * whose file is gone are dropped, and temp files of crashed writes are deleted.
   */
  async sync (): Promise<SyncReport> {
    return this.#exclusive(async () => {
      await mkdir(this.dir, { recursive: true })
      const report: SyncReport = { added: [], updated: [], removed: [], skipped: [] }
      const rows = new Map((await this.#db.selectFrom('models').selectAll().execute()).map((r) => [r.name, r]))
      const present = new Set<string>()

      for (const entry of await readdir(this.dir, { withFileTypes: true })) {
        const file = entry.name
        const path = join(this.dir, file)
        if (TEMP_FILE.test(file)) {
          await removeIfStale(path)
          continue
        }
        if (!file.endsWith(MODEL_FILE_EXTENSION)) continue
        const name = file.slice(0, -MODEL_FILE_EXTENSION.length)
        const row = rows.get(name)
        const reason = !entry.isFile()
          ? 'not a regular file'
          : !isSafeModelName(name)
              ? 'its name has characters other than letters, digits and _.()- , a leading dot or ".."'
              : name.toLowerCase() === UPSTREAM_TRAINER_STEM
                ? 'the upstream trainer\'s output names no heat-pump model; upload it with POST /api/v2/admin/models?heatpump_model=<model> or rename it to <model>.enc'
                : name !== GENERIC_MODEL_NAME && keyOfName(name) === null
                  ? 'its name is a placeholder, not a heat-pump model'
                  : undefined
        if (reason !== undefined) {
          report.skipped.push({ file, reason })
          continue
        }
        present.add(name)

        const info = await stat(path)
        const mtime = Math.floor(info.mtimeMs)
        if (row !== undefined && Number(row.size_bytes) === info.size && Number(row.created_at) === mtime) continue
        const sha256 = await hashFile(path)
        if (row !== undefined && row.sha256 === sha256) {
          // Touched but unchanged: remember the new mtime so the next sync does not hash it again.
          await this.#db.updateTable('models').set({ created_at: mtime }).where('name', '=', name).execute()
          continue
        }
        const version = await this.#nextVersion(name, row)
        await this.#save({ name, model_key: keyOfName(name), filename: file, version, sha256, size_bytes: info.size, created_at: mtime })
        if (row === undefined) report.added.push(name)
        else report.updated.push(name)
      }

      for (const name of rows.keys()) {
        if (present.has(name)) continue
        await this.#db.deleteFrom('models').where('name', '=', name).execute()
        report.removed.push(name)
      }
      return report
    })
  }

  /** Every registered model, by name. */
  async list (): Promise<RegisteredModel[]> {
    return this.#db.selectFrom('models').selectAll().orderBy('name').execute()
  }

  async find (name: string): Promise<RegisteredModel | undefined> {
    return this.#db.selectFrom('models').selectAll().where('name', '=', name).executeTakeFirst()
  }

  /**
   * The model served to a heat pump of model `modelKey`: the one made for that key, else the
   * generic `community_model`, else undefined (upstream: `<model>.enc`, else `community_model.enc`).
   */
  async forHeatPumpModel (modelKey: string | null): Promise<RegisteredModel | undefined> {
    if (modelKey !== null) {
      const specific = await this.#db.selectFrom('models').selectAll()
        .where('model_key', '=', modelKey)
        .orderBy('created_at', 'desc').orderBy('name')
        .executeTakeFirst()
      if (specific !== undefined) return specific
    }
    return this.find(GENERIC_MODEL_NAME)
  }

  /** Display names of every model (`models_available` of pool status). */
  async modelsAvailable (): Promise<string[]> {
    return modelsAvailable(this.#db)
  }

  /**
   * Stores a model for `heatpumpModel` (absent/null/empty: the generic model) under the upstream
   * file name, as the next version of that name. An existing model for the same heat-pump model
   * key keeps its name (`"Aero SLM"` replaces `AERO_SLM`), so each key has one model. The file is
   * written atomically — temp file in `MODEL_DIR`, fsync, rename over the final name, fsync of
   * the directory — so a download never reads a half-written file (upstream.md §8 P4) and a
   * crash leaves the previous version. `bytes` may be a function of the file's name and version,
   * called inside the registry's lock (a trained model signs both into its manifest). Throws
   * `ModelRegistryError` for empty bytes or a name that cannot be stored.
   */
  async put (input: { readonly heatpumpModel?: string | null, readonly bytes: Buffer | ((file: FileIdentity) => Buffer) }): Promise<RegisteredModel> {
    if (Buffer.isBuffer(input.bytes) && input.bytes.length === 0) throw new ModelRegistryError('empty', 'cannot store model: it is empty')
    const target = modelTargetFor(input.heatpumpModel)
    return this.#exclusive(async () => {
      await mkdir(this.dir, { recursive: true })
      const sameKey = target.key === null
        ? undefined
        : await this.#db.selectFrom('models').select('name').where('model_key', '=', target.key).orderBy('created_at', 'desc').executeTakeFirst()
      const name = sameKey?.name ?? target.name
      const filename = `${name}${MODEL_FILE_EXTENSION}`
      const version = await this.#nextVersion(name, await this.find(name))
      const createdAt = this.#clock()
      const bytes = Buffer.isBuffer(input.bytes) ? input.bytes : input.bytes({ name, key: target.key, version, createdAt })
      if (bytes.length === 0) throw new ModelRegistryError('empty', 'cannot store model: it is empty')
      const row: RegisteredModel = {
        name,
        model_key: target.key,
        filename,
        version,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        size_bytes: bytes.length,
        created_at: createdAt,
      }
      await writeFileAtomically(this.dir, filename, bytes, row.created_at)
      await this.#save(row)
      return row
    })
  }

  /**
   * Deletes the model file `<name>.enc` and its row. Also removes an untracked file of that name
   * (e.g. the upstream trainer's `model.enc`). False when neither existed or the name is unsafe.
   */
  async remove (name: string): Promise<boolean> {
    if (!isSafeModelName(name)) return false
    return this.#exclusive(async () => {
      const row = await this.find(name)
      let existed = row !== undefined
      try {
        await unlink(join(this.dir, `${name}${MODEL_FILE_EXTENSION}`))
        existed = true
        await fsyncDirectory(this.dir)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      }
      if (row !== undefined) await this.#db.deleteFrom('models').where('name', '=', name).execute()
      return existed
    })
  }

  /** The model's file on disk. */
  pathOf (model: Pick<RegisteredModel, 'filename'>): string {
    const stem = model.filename.endsWith(MODEL_FILE_EXTENSION) ? model.filename.slice(0, -MODEL_FILE_EXTENSION.length) : ''
    if (!isSafeModelName(stem)) throw new ModelRegistryError('invalid_name', `cannot open model ${JSON.stringify(model.filename)}: not a model file name`)
    return join(this.dir, model.filename)
  }

  /**
   * A stream of the model's file. Files are only ever replaced by rename, so an opened stream
   * reads one complete version even if a new one is stored meanwhile.
   */
  openStream (model: Pick<RegisteredModel, 'filename'>): ReadStream {
    return createReadStream(this.pathOf(model))
  }

  /** Runs mutations one at a time, so a sync never sees a put between its file and its row. */
  #exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** One more than the highest version the name ever had (its row, or a removed row's remembered version). */
  async #nextVersion (name: string, row: RegisteredModel | undefined): Promise<number> {
    const remembered = await this.#db.selectFrom('settings').select('value').where('key', '=', versionSetting(name)).executeTakeFirst()
    return Math.max(row?.version ?? 0, Number(remembered?.value ?? 0)) + 1
  }

  async #save (row: RegisteredModel): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.insertInto('models').values(row)
        .onConflict((oc) => oc.column('name').doUpdateSet({
          model_key: row.model_key,
          filename: row.filename,
          version: row.version,
          sha256: row.sha256,
          size_bytes: row.size_bytes,
          created_at: row.created_at,
        }))
        .execute()
      const key = versionSetting(row.name)
      await trx.insertInto('settings').values({ key, value: String(row.version) })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(row.version) })).execute()
    })
  }
}

/** Display names of every registered model, sorted (pool status `models_available`). */
export async function modelsAvailable (db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('models').select('name').orderBy('name').execute()
  return rows.map((r) => displayName(r.name))
}

async function hashFile (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * Writes `dir/filename` so that readers see the old file or the new one, never a part: a temp
 * file in the same directory (same file system, so rename is atomic), fsynced with its mtime set
 * to `mtimeMs`, renamed over the final name, then the directory fsynced so the rename survives
 * a power loss.
 */
async function writeFileAtomically (dir: string, filename: string, bytes: Buffer, mtimeMs: number): Promise<void> {
  const temp = join(dir, `.${filename}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const handle = await open(temp, 'wx', 0o644)
    try {
      await handle.writeFile(bytes)
      await handle.utimes(new Date(mtimeMs), new Date(mtimeMs))
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, join(dir, filename))
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
  await fsyncDirectory(dir)
}

/** fsync of a directory, where the platform supports it (not Windows). */
async function fsyncDirectory (dir: string): Promise<void> {
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw err
  } finally {
    await handle?.close()
  }
}

/** Deletes a temp file no write has touched for a while (ctime: real time, unlike the mtime `put` sets). */
async function removeIfStale (path: string): Promise<void> {
  try {
    const info = await stat(path)
    if (Date.now() - info.ctimeMs > STALE_TEMP_MS) await rm(path, { force: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}
