import type { Kysely, Selectable } from 'kysely'
import type { Database, TrainingRunsTable } from './schema.js'

/** Rows of `training_runs` (migration 006): one per training of one heat-pump model. */
export type TrainingRunRow = Selectable<TrainingRunsTable>

export type TrainingStatus = 'running' | 'succeeded' | 'skipped' | 'failed'
export type TrainingTrigger = 'schedule' | 'startup' | 'admin'

export async function startTrainingRun (db: Kysely<Database>, run: { modelKey: string, modelName: string, trigger: TrainingTrigger, startedAt: number }): Promise<number> {
  const row = await db.insertInto('training_runs').values({
    model_key: run.modelKey,
    model_name: run.modelName,
    trigger: run.trigger,
    status: 'running',
    started_at: run.startedAt,
  }).returning('id').executeTakeFirstOrThrow()
  return Number(row.id)
}

export async function reportTrainingProgress (db: Kysely<Database>, id: number, progress: unknown): Promise<void> {
  await db.updateTable('training_runs').set({ progress: JSON.stringify(progress) }).where('id', '=', id).execute()
}

export async function finishTrainingRun (db: Kysely<Database>, id: number, end: { status: Exclude<TrainingStatus, 'running'>, finishedAt: number, summary?: unknown, error?: string }): Promise<void> {
  await db.updateTable('training_runs').set({
    status: end.status,
    finished_at: end.finishedAt,
    summary: end.summary === undefined ? null : JSON.stringify(end.summary),
    error: end.error ?? null,
  }).where('id', '=', id).execute()
}

/** Runs left `running` by a server that stopped mid-training: they will never finish. */
export async function abandonRunningTrainingRuns (db: Kysely<Database>, nowMs: number): Promise<number> {
  const result = await db.updateTable('training_runs')
    .set({ status: 'failed', finished_at: nowMs, error: 'the server stopped while this run was going' })
    .where('status', '=', 'running').executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** The latest runs, newest first. */
export async function recentTrainingRuns (db: Kysely<Database>, limit: number, modelKey?: string): Promise<TrainingRunRow[]> {
  let q = db.selectFrom('training_runs').selectAll()
  if (modelKey !== undefined) q = q.where('model_key', '=', modelKey)
  return q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute()
}

export async function trainingRun (db: Kysely<Database>, id: number): Promise<TrainingRunRow | undefined> {
  return db.selectFrom('training_runs').selectAll().where('id', '=', id).executeTakeFirst()
}

/**
 * Heat-pump models worth training: per model key, the installations and heat pumps with samples
 * since `sinceMs`, and a display name (the most recent heat pump's spelling).
 */
export async function trainingCandidates (db: Kysely<Database>, sinceMs: number): Promise<{ modelKey: string, modelName: string, installations: number, heatPumps: number }[]> {
  const rows = await db.selectFrom('heat_pumps')
    .select(['id', 'installation_id', 'model_key', 'model_name', 'last_seen_at'])
    .where('model_key', 'is not', null)
    .where('last_sample_ts', '>=', sinceMs)
    .orderBy('last_seen_at', 'desc').orderBy('id', 'desc')
    .execute()
  const byKey = new Map<string, { modelName: string, installations: Set<string>, heatPumps: number }>()
  for (const r of rows) {
    const key = r.model_key as string
    let entry = byKey.get(key)
    if (entry === undefined) {
      entry = { modelName: r.model_name ?? key, installations: new Set(), heatPumps: 0 }
      byKey.set(key, entry)
    }
    entry.installations.add(r.installation_id)
    entry.heatPumps++
  }
  return [...byKey].map(([modelKey, e]) => ({ modelKey, modelName: e.modelName, installations: e.installations.size, heatPumps: e.heatPumps }))
    .sort((a, b) => (a.modelKey < b.modelKey ? -1 : 1))
}

/** The heat pumps of one model with samples since `sinceMs`, oldest first. */
export async function heatPumpsOfModel (db: Kysely<Database>, modelKey: string, sinceMs: number): Promise<{ id: number, installationId: string }[]> {
  const rows = await db.selectFrom('heat_pumps').select(['id', 'installation_id'])
    .where('model_key', '=', modelKey).where('last_sample_ts', '>=', sinceMs).orderBy('id').execute()
  return rows.map((r) => ({ id: Number(r.id), installationId: r.installation_id }))
}
