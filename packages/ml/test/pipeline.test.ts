import { describe, expect, it } from 'vitest'
import { HalfSpaceTrees } from '../src/half-space-trees.js'
import { loadDetector } from '../src/load.js'
import { MinMaxScaler } from '../src/min-max-scaler.js'
import { Pipeline, pipeline } from '../src/pipeline.js'
import { StandardScaler } from '../src/standard-scaler.js'
import { detectorContract } from './contract.js'

// The standard scaler is unbounded: give the trees z-score limits.
detectorContract('StandardScaler → HalfSpaceTrees', (seed) => pipeline(
  new StandardScaler(),
  new HalfSpaceTrees({ seed, limits: { temp_outdoor: [-3, 3], temp_flow: [-3, 3], power: [-3, 3] } }),
))

describe('pipeline', () => {
  it('exposes the options of its parts, frozen', () => {
    const model = pipeline(new MinMaxScaler(), new HalfSpaceTrees({ nTrees: 2 }))
    expect(model.options).toEqual({ scaler: { clip: true }, detector: { nTrees: 2, height: 8, windowSize: 250, seed: 42 } })
    expect(Object.isFrozen(model.options)).toBe(true)
  })

  it('scores what the detector scores on the transformed observation', () => {
    const scaler = new MinMaxScaler()
    const detector = new HalfSpaceTrees({ windowSize: 10 })
    const model = new Pipeline(scaler, detector)
    for (let i = 0; i < 30; i++) model.learnOne({ a: i, b: 30 - i })
    const x = { a: 4, b: 100 }
    expect(model.scoreOne(x)).toBe(detector.scoreOne(scaler.transformOne(x)))
  })

  it('serialises its parts under { kind: "pipeline", version: 1 } and refuses unknown parts', () => {
    const json = JSON.parse(JSON.stringify(pipeline(new MinMaxScaler(), new HalfSpaceTrees()))) as { state: { scaler: object, detector: object } }
    expect(json).toMatchObject({ kind: 'pipeline', version: 1, state: { scaler: { kind: 'min-max-scaler' }, detector: { kind: 'half-space-trees' } } })
    expect(() => loadDetector({ ...json, state: { ...json.state, detector: { kind: 'pipeline' } } })).toThrow(/unknown detector kind "pipeline" \(known: half-space-trees\)/)
    expect(() => loadDetector({ ...json, state: { ...json.state, scaler: { kind: 'x' } } })).toThrow(/unknown scaler kind "x"/)
  })
})
