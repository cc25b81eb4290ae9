import { join, resolve } from 'node:path'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import type { Store } from '../store/types.js'
import { ModelRegistry, type SyncReport } from './registry.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The community model registry (files in MODEL_DIR, hashes in the `models` table). */
    models: ModelRegistry
    /** `models.sync()` with its outcome logged; never throws (a failed sync is logged and retried by the next one). */
    syncModels (): Promise<SyncReport | undefined>
  }
}

export interface ModelsPluginOptions {
  readonly config: Config
  readonly store: Store
}

/** `MODEL_DIR`, absolute; empty means `<DATA_DIR>/models`. */
export function resolveModelDir (config: Pick<Config, 'MODEL_DIR' | 'DATA_DIR'>): string {
  return resolve(config.MODEL_DIR === '' ? join(config.DATA_DIR, 'models') : config.MODEL_DIR)
}

/** Logs what a sync changed, and every file it left out (operators must see a dropped file that is not served). */
export function logSyncReport (log: FastifyBaseLogger, report: SyncReport): void {
  const { added, updated, removed, skipped } = report
  if (added.length + updated.length + removed.length > 0) log.info({ added, updated, removed }, 'model registry synced with MODEL_DIR')
  for (const s of skipped) log.warn({ file: s.file }, `cannot register model file ${s.file}: ${s.reason}`)
}

/**
 * Decorates `app.models`. The registry is synced with MODEL_DIR before the app is ready, so
 * files dropped there while the server was down are served; the directory is created if
 * missing, and a directory that cannot be created or read fails the boot.
 */
export default fp(async function modelsPlugin (app: FastifyInstance, opts: ModelsPluginOptions) {
  const dir = resolveModelDir(opts.config)
  const registry = new ModelRegistry({ dir, db: opts.store.db, clock: app.clock })
  try {
    logSyncReport(app.log, await registry.sync())
  } catch (err) {
    throw new Error(`cannot open MODEL_DIR ${dir}: ${(err as Error).message}`, { cause: err })
  }
  app.decorate('models', registry)
  app.decorate('syncModels', async function () {
    try {
      const report = await registry.sync()
      logSyncReport(app.log, report)
      return report
    } catch (err) {
      app.log.error({ err }, 'cannot sync the model registry with MODEL_DIR')
      return undefined
    }
  })
}, { name: 'models', dependencies: ['core'] })
