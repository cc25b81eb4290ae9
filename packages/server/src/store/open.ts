import { usesPostgres, victoriaMetricsBaseUrl, type Config } from '../config.js'
import { openSqliteStore } from './sqlite/open.js'
import type { RelationalStore, SampleStore, Store } from './types.js'
import { VictoriaMetricsSampleStore } from './victoriametrics/sample-store.js'

/**
 * Opens the store the configuration selects: relational data in SQLite under `DATA_DIR` or in
 * PostgreSQL (`DATABASE_URL`), samples in the embedded SQLite file or in VictoriaMetrics
 * (`SAMPLE_STORE`, `VM_URL`). `loadConfig` has already refused combinations that cannot work.
 */
export async function openStore (config: Config): Promise<Store> {
  if (!usesPostgres(config)) {
    const embedded = await openSqliteStore({ dataDir: config.DATA_DIR, synchronous: config.SQLITE_SYNCHRONOUS })
    if (config.SAMPLE_STORE === 'sqlite') return embedded
    return combine(embedded, victoriaMetrics(config, embedded))
  }
  // Loaded only when selected: the embedded profile never loads the PostgreSQL driver.
  const { openPostgresStore } = await import('./postgres/open.js')
  const relational = await openPostgresStore({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE })
  return combine(relational, victoriaMetrics(config, relational))
}

function victoriaMetrics (config: Config, relational: RelationalStore): VictoriaMetricsSampleStore {
  return new VictoriaMetricsSampleStore({
    baseUrl: victoriaMetricsBaseUrl(config),
    timeoutMs: config.VM_TIMEOUT_MS,
    pool: config.VM_POOL,
    db: relational.db,
    replayWindowMs: config.VM_REPLAY_SECONDS * 1000,
  })
}

/** A relational store with another sample store; ready only when both answer, closed together. */
export function combine (relational: RelationalStore, samples: SampleStore): Store {
  return {
    dialect: relational.dialect,
    db: relational.db,
    samples,
    transaction: (fn) => relational.transaction(fn),
    lockInstallation: (trx, id) => relational.lockInstallation(trx, id),
    async ping () {
      await relational.ping()
      await samples.ping()
    },
    async close () {
      try {
        await samples.close()
      } finally {
        await relational.close()
      }
    },
  }
}
