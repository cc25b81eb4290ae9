import { parentPort, workerData } from 'node:worker_threads'
import { CommunityModel, type CommunityTrainingOptions, type FeatureWindow } from '@heatpool/ml'

/**
 * Worker thread body: trains a community model on the windows it was given and posts back its
 * JSON, so the CPU-bound part of training never blocks the server's event loop.
 */
const { windows, options } = workerData as { windows: FeatureWindow[], options: CommunityTrainingOptions }
try {
  const model = CommunityModel.train(windows, options)
  parentPort?.postMessage({ ok: true, json: JSON.stringify(model.toJSON()), modes: model.modes, features: model.features })
} catch (err) {
  // RangeError: not enough windows in any mode (a shortfall of data, not a failure).
  parentPort?.postMessage({ ok: false, error: (err as Error).message, insufficient: err instanceof RangeError })
}
