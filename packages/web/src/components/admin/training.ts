import type { TrainingRun, TrainingRuns } from '../../admin-api'

/** What a running training reports (`progress` is free-form on the wire: read it defensively). */
export type TrainingProgress =
  | { readonly phase: 'reading', readonly done: number | null, readonly total: number | null, readonly samples: number | null }
  | { readonly phase: 'training', readonly windows: number | null }
  | { readonly phase: 'publishing' }
  | { readonly phase: 'unknown' }

const count = (v: unknown): number | null => typeof v === 'number' && Number.isFinite(v) ? v : null

export function progressOf (progress: TrainingRun['progress']): TrainingProgress | null {
  if (progress === null) return null
  switch (progress.phase) {
    case 'reading': return { phase: 'reading', done: count(progress.heat_pumps_done), total: count(progress.heat_pumps), samples: count(progress.samples) }
    case 'training': return { phase: 'training', windows: count(progress.windows) }
    case 'publishing': return { phase: 'publishing' }
    default: return { phase: 'unknown' }
  }
}

/** A training is going or queued: keep polling until this turns false. */
export function trainingActive (t: Pick<TrainingRuns, 'busy' | 'runs'>): boolean {
  return t.busy || t.runs.some((r) => r.status === 'running')
}

/** Wall-clock time of a run: its summary's, else finished − started; null while running. */
export function runDurationMs (run: TrainingRun): number | null {
  if (run.summary !== null) return run.summary.duration_ms
  if (run.finished === null) return null
  return Math.max(0, Date.parse(run.finished) - Date.parse(run.started))
}
