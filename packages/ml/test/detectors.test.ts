import { HalfSpaceTrees } from '../src/half-space-trees.js'
import { MinMaxScaler } from '../src/min-max-scaler.js'
import { pipeline } from '../src/pipeline.js'
import { detectorContract } from './contract.js'
import { STREAM_LIMITS } from './stream.js'

detectorContract('HalfSpaceTrees with limits', (seed) => new HalfSpaceTrees({ seed, limits: STREAM_LIMITS }))
detectorContract('MinMaxScaler → HalfSpaceTrees', (seed) => pipeline(new MinMaxScaler(), new HalfSpaceTrees({ seed })))
