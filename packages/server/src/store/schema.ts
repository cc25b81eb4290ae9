import type { Generated } from 'kysely'
import type { RollupSums } from '../rollups/rollup.js'

/**
 * The relational part of the store (installations, heat pumps, ledger, idempotency, settings),
 * written once with Kysely for SQLite now and PostgreSQL in the scale-out profile. Times are
 * integer milliseconds since the epoch; days are UTC days since the epoch.
 */
export interface InstallationsTable {
  id: string
  /** sha256 (hex) of the installation's bearer token; null for installations known only from legacy uploads. */
  token_hash: string | null
  registered_at: number | null
  consent_version: string | null
  manufacturer: string | null
  model_name: string | null
  model_key: string | null
  created_at: number
  /** First and latest accepted submission (server clock). */
  first_seen_at: number | null
  last_seen_at: number | null
  /** Latest sample timestamp stored. */
  last_sample_ts: number | null
  /** Samples stored, late ones included. */
  samples_total: Generated<number>
  /** Days whose on-time samples reached the contribution threshold. */
  contribution_days: Generated<number>
  last_contribution_day: number | null
  /**
   * When an admin revoked the installation (migration 008); null while it is not revoked. A
   * revoked installation has no token, and its id cannot be registered or written again.
   */
  revoked_at: number | null
}

export interface HeatPumpsTable {
  id: Generated<number>
  installation_id: string
  /** The client's heat-pump id (`hp-legacy`, `hp-1a2b3c4d`). */
  hp_key: string
  manufacturer: string
  driver_model: string
  model_name: string | null
  model_key: string | null
  created_at: number
  last_seen_at: number
  /** Latest sample timestamp stored for this heat pump (rollups append after it). */
  last_sample_ts: number | null
  /** JSON of the values of that sample (migration 003; null for heat pumps stored before it). */
  last_sample_values: string | null
}

/** Per installation and UTC day: samples timestamped in that day that arrived on time. */
export interface LedgerDaysTable {
  installation_id: string
  day: number
  samples: number
  /** All samples of that day stored, late ones included (pool status counts these). */
  stored: Generated<number>
}

export interface RollupsHourlyTable extends RollupSums {
  heat_pump_id: number
  hour: number
  /** Lower bound (°C) of the 2 K outdoor band of the hour; null without an outdoor reading. */
  outdoor_band: number | null
}

export interface RollupsDailyTable extends RollupSums {
  heat_pump_id: number
  day: number
}

/** Samples stored per UTC day across the pool, for pool status without scanning samples. */
export interface PoolDaysTable {
  day: number
  samples: number
}

export interface ModelsTable {
  /** File stem, upstream style: `AERO_SLM`, `community_model`. */
  name: string
  /** Heat-pump model key it is for (identifiers.ts parseHeatPumpModel); null = the generic model. */
  model_key: string | null
  filename: string
  version: number
  sha256: string
  size_bytes: number
  created_at: number
}

export interface IdempotencyKeysTable {
  /** sha256 (hex) of installation id + key: keys are scoped to the installation. */
  key_hash: string
  installation_id: string
  body_hash: string
  status_code: number
  response: string
  created_at: number
}

export interface SettingsTable {
  key: string
  value: string
}

/** Line-protocol bodies written to VictoriaMetrics recently, kept until it has them on disk. */
export interface RecentSampleWritesTable {
  id: Generated<number>
  body: string
  created_at: number
}

/**
 * Badges an installation earned (migration 005, badges/rules.ts): one row per badge and rules
 * version, keeping the day it was first earned; never removed while the installation exists.
 */
export interface BadgesTable {
  installation_id: string
  /** Rule id, e.g. `streak_30`. */
  badge: string
  rules_version: number
  /** UTC day (days since the epoch) the badge was first earned. */
  earned_day: number
  /** When the job recorded the current earned_day (ms since the epoch). */
  computed_at: number
}

/** A community-model training of one heat-pump model (migration 006, training/job.ts). */
export interface TrainingRunsTable {
  id: Generated<number>
  model_key: string
  model_name: string
  /** `schedule`, `startup` or `admin`. */
  trigger: string
  /** `running`, `succeeded`, `skipped` (not enough data) or `failed`. */
  status: string
  started_at: number
  finished_at: number | null
  /** JSON `TrainingProgress` while running. */
  progress: string | null
  /** JSON `TrainingSummary` once finished (also why a run was skipped). */
  summary: string | null
  error: string | null
}

/**
 * Pool-wide ingest figures per hour of arrival (server clock, hours since the epoch), added in
 * the transaction of each stored batch (migration 007, store/ingest-stats.ts). As in the submit
 * response: records received, accepted and dropped whole; catalog values accepted, stored (new),
 * duplicate, dropped and ignored (not catalog metrics).
 */
export interface IngestHoursTable {
  hour: number
  batches: Generated<number>
  records_received: Generated<number>
  records_accepted: Generated<number>
  records_rejected: Generated<number>
  values_accepted: Generated<number>
  values_stored: Generated<number>
  values_duplicate: Generated<number>
  values_rejected: Generated<number>
  values_ignored: Generated<number>
}

/** Pool-wide drops per hour of arrival and reason (protocol reasons.ts). */
export interface IngestRejectionHoursTable {
  hour: number
  reason: string
  /** Records, or heat-pump entries, dropped for a record reason. */
  records_rejected: Generated<number>
  /** Values dropped for a value reason. */
  values_rejected: Generated<number>
}

/** Drops per installation, UTC day of arrival and reason; deleted with the installation. */
export interface InstallationRejectionDaysTable {
  installation_id: string
  day: number
  reason: string
  records_rejected: Generated<number>
  values_rejected: Generated<number>
}

export interface Database {
  ingest_hours: IngestHoursTable
  ingest_rejection_hours: IngestRejectionHoursTable
  installation_rejection_days: InstallationRejectionDaysTable
  training_runs: TrainingRunsTable
  recent_sample_writes: RecentSampleWritesTable
  installations: InstallationsTable
  heat_pumps: HeatPumpsTable
  ledger_days: LedgerDaysTable
  idempotency_keys: IdempotencyKeysTable
  settings: SettingsTable
  rollups_hourly: RollupsHourlyTable
  rollups_daily: RollupsDailyTable
  pool_days: PoolDaysTable
  models: ModelsTable
  badges: BadgesTable
}
