import type { Kysely, Migration, MigrationProvider } from 'kysely'

/**
 * Relational migrations, in order. Written with Kysely's schema builder only (no dialect SQL),
 * so SQLite and PostgreSQL get the same schema. Never edit a shipped migration; add one.
 */
const migrations: Record<string, Migration> = {
  '001-initial': {
    async up (db: Kysely<unknown>) {
      await db.schema.createTable('installations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.unique())
        .addColumn('registered_at', 'bigint')
        .addColumn('consent_version', 'text')
        .addColumn('manufacturer', 'text')
        .addColumn('model_name', 'text')
        .addColumn('model_key', 'text')
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
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id').onDelete('cascade'))
        .addColumn('hp_key', 'text', (c) => c.notNull())
        .addColumn('manufacturer', 'text', (c) => c.notNull())
        .addColumn('driver_model', 'text', (c) => c.notNull())
        .addColumn('model_name', 'text')
        .addColumn('model_key', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('heat_pumps_installation_key', ['installation_id', 'hp_key'])
        .execute()

      await db.schema.createTable('ledger_days')
        .addColumn('installation_id', 'text', (c) => c.notNull().references('installations.id').onDelete('cascade'))
        .addColumn('day', 'integer', (c) => c.notNull())
        .addColumn('samples', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('ledger_days_pk', ['installation_id', 'day'])
        .execute()

      await db.schema.createTable('idempotency_keys')
        .addColumn('key_hash', 'text', (c) => c.primaryKey())
        .addColumn('installation_id', 'text', (c) => c.notNull())
        .addColumn('body_hash', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer', (c) => c.notNull())
        .addColumn('response', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute()

      await db.schema.createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute()
    },
  },
}

export const relationalMigrations: MigrationProvider = {
  async getMigrations () {
    return migrations
  },
}
