import { Worker } from 'node:worker_threads'
import type { CommunityTrainingOptions, FeatureWindow, ModeSummary, WindowMode } from '@heatpool/ml'

export interface TrainedModel {
  /** The model's JSON (`heatpool-anomaly/1`): the payload of the published file. */
  readonly json: string
  readonly modes: Readonly<Partial<Record<WindowMode, ModeSummary>>>
  readonly features: readonly string[]
}

/**
 * Trains in a worker thread and resolves with the model's JSON; rejects with a RangeError, as
 * `CommunityModel.train` throws it, when no mode has enough windows. From the built server the worker
 * is `train-worker.js`; when the server runs from its TypeScript sources (tests), the worker is
 * the `.ts` file loaded through tsx.
 */
export async function trainInWorker (windows: readonly FeatureWindow[], options: CommunityTrainingOptions): Promise<TrainedModel> {
  const fromSource = import.meta.url.endsWith('.ts')
  const url = new URL(fromSource ? './train-worker.ts' : './train-worker.js', import.meta.url)
  const worker = fromSource
    // tsx's loader must be registered inside the worker before the .ts entry is imported.
    ? new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url.href)}) })`, { eval: true, workerData: { windows, options } })
    : new Worker(url, { workerData: { windows, options } })
  return new Promise((resolve, reject) => {
    let settled = false
    worker.once('message', (message: { ok: true, json: string, modes: TrainedModel['modes'], features: string[] } | { ok: false, error: string, insufficient: boolean }) => {
      settled = true
      if (message.ok) resolve({ json: message.json, modes: message.modes, features: message.features })
      else reject(message.insufficient ? new RangeError(message.error) : new Error(message.error))
      void worker.terminate()
    })
    worker.once('error', (err) => {
      settled = true
      reject(err)
    })
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the training worker exited with code ${code} before answering`))
    })
  })
}
