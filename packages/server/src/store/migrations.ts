import type { CreateTableBuilder, Kysely, Migration, MigrationProvider } from 'kysely'
import { columnTypes } from './migration-types.js'

/**
 * Relational migrations, in order. Written with Kysely's schema builder only, so SQLite and
 * PostgreSQL get the same schema; the few types the engines spell differently come from
 * `columnTypes` (SQLite's DDL is exactly what shipped). Never edit a shipped migration; add one.
 */
/** The rollup sum columns as migration 002 created them (rollups/rollup.ts ROLLUP_SUM_COLUMNS). */
const ROLLUP_SUM_COLUMNS_002 = [
  'records', 'samples', 'heat_wh', 'electric_wh', 'heat_wh_space', 'electric_wh_space', 'heat_wh_dhw',
  'electric_wh_dhw', 'running_s', 'covered_s', 'outdoor_s', 'outdoor_ts', 'outdoor_h', 'outdoor_hw',
  'flow_h', 'flow_hw', 'return_h', 'return_hw',
] as const

/** The ingest figure columns as migration 007 created them (store/ingest-stats.ts INGEST_HOUR_COLUMNS). */
const INGEST_HOUR_COLUMNS_007 = [
  'batches', 'records_received', 'records_accepted', 'records_rejected',
  'values_accepted', 'values_stored', 'values_duplicate', 'values_rejected', 'values_ignored',
] as const

const migrations: Record<string, Migration> = {
  '001-initial': {
    async up (db: Kysely<unknown>) {
      const { text, autoIncrementId } = columnTypes(db)
      await db.schema.createTable('installations')
        .addColumn('id', text, (c) => c.primaryKey())
        .addColumn('token_hash', text, (c) => c.unique())
        .addColumn('registered_at', 'bigint')
        .addColumn('consent_version', text)
        .addColumn('manufacturer', text)
        .addColumn('model_name', text)
        .addColumn('model_key', text)
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('first_seen_at', 'bigint')
        .addColumn('last_seen_at', 'bigint')
        .addColumn('last_sample_ts', 'bigint')
        .addColumn('samples_total', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('contribution_days', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_contribution_day', 'integer')
        .execute()
      await db.schema.createIndex('installations_last_seen').on('installations').column('last_seen_at').execute()

      await db.schema.createTable('heat_pumps')
        .addColumn('id', 'integer', autoIncrementId)
        .addColumn('installation_id', text, (c) => c.notNull().references('installations.id').onDelete('cascade'))
        .addColumn('hp_key', text, (c) => c.notNull())
        .addColumn('manufacturer', text, (c) => c.notNull())
        .addColumn('driver_model', text, (c) => c.notNull())
        .addColumn('model_name', text)
        .addColumn('model_key', text)
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('heat_pumps_installation_key', ['installation_id', 'hp_key'])
        .execute()

      await db.schema.createTable('ledger_days')
        .addColumn('installation_id', text, (c) => c.notNull().references('installations.id').onDelete('cascade'))
        .addColumn('day', 'integer', (c) => c.notNull())
        .addColumn('samples', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('ledger_days_pk', ['installation_id', 'day'])
        .execute()

      await db.schema.createTable('idempotency_keys')
        .addColumn('key_hash', text, (c) => c.primaryKey())
        .addColumn('installation_id', text, (c) => c.notNull())
        .addColumn('body_hash', text, (c) => c.notNull())
        .addColumn('status_code', 'integer', (c) => c.notNull())
        .addColumn('response', text, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute()

      await db.schema.createTable('settings')
        .addColumn('key', text, (c) => c.primaryKey())
        .addColumn('value', text, (c) => c.notNull())
        .execute()
    },
  },
  '002-rollups-pool-models': {
    async up (db: Kysely<unknown>) {
      const { text, real } = columnTypes(db)
      // Additive per-hour sums of one heat pump (see rollups/rollup.ts): every community figure
      // is computed from these, never from raw samples.
      for (const [table, key] of [['rollups_hourly', 'hour'], ['rollups_daily', 'day']] as const) {
        let builder: CreateTableBuilder<string, string> = db.schema.createTable(table)
          .addColumn('heat_pump_id', 'integer', (c) => c.notNull().references('heat_pumps.id').onDelete('cascade'))
          .addColumn(key, 'integer', (c) => c.notNull())
        for (const col of ROLLUP_SUM_COLUMNS_002) builder = builder.addColumn(col, real, (c) => c.notNull().defaultTo(0))
        if (table === 'rollups_hourly') builder = builder.addColumn('outdoor_band', 'integer')
        await builder.addPrimaryKeyConstraint(`${table}_pk`, ['heat_pump_id', key]).execute()
      }

      await db.schema.createTable('pool_days')
        .addColumn('day', 'integer', (c) => c.primaryKey())
        .addColumn('samples', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.alterTable('ledger_days').addColumn('stored', 'bigint', (c) => c.notNull().defaultTo(0)).execute()
      await db.schema.alterTable('heat_pumps').addColumn('last_sample_ts', 'bigint').execute()
      await db.schema.createIndex('installations_last_sample').on('installations').column('last_sample_ts').execute()
      await db.schema.createIndex('heat_pumps_model_key').on('heat_pumps').column('model_key').execute()

      await db.schema.createTable('models')
        .addColumn('name', text, (c) => c.primaryKey())
        .addColumn('model_key', text)
        .addColumn('filename', text, (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('sha256', text, (c) => c.notNull())
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('models_model_key').on('models').column('model_key').execute()
    },
  },
  '003-last-sample-values': {
    async up (db: Kysely<unknown>) {
      const { text } = columnTypes(db)
      // The newest stored sample of each heat pump (JSON of its values): the next in-order batch
      // integrates from it without reading the sample store back (rollup-updater.ts).
      await db.schema.alterTable('heat_pumps').addColumn('last_sample_values', text).execute()
    },
  },
  '004-recent-sample-writes': {
    async up (db: Kysely<unknown>) {
      const { text, autoIncrementId, bigId } = columnTypes(db)
      // Batches written to VictoriaMetrics in the last VM_REPLAY_SECONDS, committed with the
      // ingest transaction, re-sent if VictoriaMetrics restarts before it has them on disk
      // (store/victoriametrics/recent-writes.ts). Unused by the embedded store.
      await db.schema.createTable('recent_sample_writes')
        .addColumn('id', bigId, autoIncrementId)
        .addColumn('body', text, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('recent_sample_writes_created').on('recent_sample_writes').column('created_at').execute()
    },
  },
  '005-badges': {
    async up (db: Kysely<unknown>) {
      const { text } = columnTypes(db)
      // Badges earned per installation and rules version, with the day first earned (badges/job.ts).
      await db.schema.createTable('badges')
        .addColumn('installation_id', text, (c) => c.notNull().references('installations.id').onDelete('cascade'))
        .addColumn('badge', text, (c) => c.notNull())
        .addColumn('rules_version', 'integer', (c) => c.notNull())
        .addColumn('earned_day', 'integer', (c) => c.notNull())
        .addColumn('computed_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('badges_pk', ['installation_id', 'rules_version', 'badge'])
        .execute()
    },
  },
  '006-training-runs': {
    async up (db: Kysely<unknown>) {
      const { text, autoIncrementId } = columnTypes(db)
      // One row per community-model training of one heat-pump model (training/job.ts): progress
      // while it runs, then what it learnt or why it did not train, as JSON.
      await db.schema.createTable('training_runs')
        .addColumn('id', 'integer', autoIncrementId)
        .addColumn('model_key', text, (c) => c.notNull())
        .addColumn('model_name', text, (c) => c.notNull())
        .addColumn('trigger', text, (c) => c.notNull())
        .addColumn('status', text, (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .addColumn('progress', text)
        .addColumn('summary', text)
        .addColumn('error', text)
        .execute()
      await db.schema.createIndex('training_runs_started').on('training_runs').column('started_at').execute()
    },
  },
  '007-ingest-stats': {
    async up (db: Kysely<unknown>) {
      const { text } = columnTypes(db)
      // What ingest accepted and dropped (store/ingest-stats.ts), added in the transaction of each
      // stored batch. Pool-wide per hour of arrival; they name no installation, so erasure keeps them.
      let hours = db.schema.createTable('ingest_hours').addColumn('hour', 'integer', (c) => c.primaryKey())
      for (const col of INGEST_HOUR_COLUMNS_007) hours = hours.addColumn(col, 'bigint', (c) => c.notNull().defaultTo(0))
      await hours.execute()
      await db.schema.createTable('ingest_rejection_hours')
        .addColumn('hour', 'integer', (c) => c.notNull())
        .addColumn('reason', text, (c) => c.notNull())
        .addColumn('records_rejected', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('values_rejected', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('ingest_rejection_hours_pk', ['hour', 'reason'])
        .execute()
      // Per installation and UTC day of arrival: what was dropped, by reason (goes with an erasure).
      await db.schema.createTable('installation_rejection_days')
        .addColumn('installation_id', text, (c) => c.notNull().references('installations.id').onDelete('cascade'))
        .addColumn('day', 'integer', (c) => c.notNull())
        .addColumn('reason', text, (c) => c.notNull())
        .addColumn('records_rejected', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('values_rejected', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('installation_rejection_days_pk', ['installation_id', 'day', 'reason'])
        .execute()
      // Pool growth and the quality window read ledger days by day across installations.
      await db.schema.createIndex('ledger_days_day').on('ledger_days').column('day').execute()
    },
  },
  '008-installation-revocation': {
    async up (db: Kysely<unknown>) {
      // When an admin revoked the installation (admin/installations.ts): its id can no longer be
      // registered nor written with the shared token or openly, so a thief cannot claim it back.
      await db.schema.alterTable('installations').addColumn('revoked_at', 'bigint').execute()
    },
  },
}

export const relationalMigrations: MigrationProvider = {
  async getMigrations () {
    return migrations
  },
}
