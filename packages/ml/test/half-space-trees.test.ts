import { describe, expect, it } from 'vitest'
import { HalfSpaceTrees } from '../src/half-space-trees.js'
import { ModelFormatError } from '../src/serialisation.js'

const json = (model: HalfSpaceTrees) => JSON.parse(JSON.stringify(model.toJSON())) as { options: Record<string, unknown>, state: Record<string, unknown> }

describe('HalfSpaceTrees options', () => {
  it('fills in the defaults (river: n_trees 10, height 8, window_size 250) and a fixed seed', () => {
    expect(new HalfSpaceTrees().options).toEqual({ nTrees: 10, height: 8, windowSize: 250, seed: 42 })
  })

  it('keeps a deep-frozen copy: later changes to the caller object do not reach the model', () => {
    const limits: Record<string, [number, number]> = { a: [0, 10] }
    const options = { nTrees: 3, limits }
    const model = new HalfSpaceTrees(options)
    options.nTrees = 99
    limits.a = [5, 6]
    expect(model.options).toEqual({ nTrees: 3, height: 8, windowSize: 250, seed: 42, limits: { a: [0, 10] } })
    expect(Object.isFrozen(model.options.limits?.a)).toBe(true)
  })

  it.each([
    [{ nTrees: 0 }, /nTrees must be a positive integer/],
    [{ height: 2.5 }, /height must be a positive integer/],
    [{ height: 17 }, /height must be at most 16/],
    [{ windowSize: -1 }, /windowSize must be a positive integer/],
    [{ seed: -1 }, /seed must be an integer in \[0, 2\^32\)/],
    [{ limits: { a: [1, 1] as [number, number] } }, /limits\["a"\] must be \[min, max\]/],
    [{ ntrees: 5 } as never, /unknown HalfSpaceTrees option "ntrees"/],
  ])('refuses %j', (options, message) => {
    expect(() => new HalfSpaceTrees(options)).toThrow(message)
  })
})

describe('HalfSpaceTrees scoring', () => {
  const uniform = (i: number) => ({ a: ((i * 37) % 100) / 100, b: ((i * 61) % 100) / 100 })

  it('scores 0 until the first window is complete, then in [0, 1] with outliers higher', () => {
    const model = new HalfSpaceTrees({ windowSize: 50, seed: 1 })
    for (let i = 0; i < 49; i++) model.learnOne({ a: 0.5 + 0.01 * (i % 5), b: 0.5 })
    expect(model.scoreOne({ a: 0.5, b: 0.5 })).toBe(0)
    model.learnOne({ a: 0.5, b: 0.5 })
    const inlier = model.scoreOne({ a: 0.52, b: 0.5 })
    const outlier = model.scoreOne({ a: 0.95, b: 0.05 })
    expect(inlier).toBeGreaterThanOrEqual(0)
    expect(outlier).toBeLessThanOrEqual(1)
    expect(outlier).toBeGreaterThan(inlier)
  })

  it('swaps the windows every windowSize points (the reference is the last full window)', () => {
    const model = new HalfSpaceTrees({ windowSize: 10, nTrees: 2, height: 3 })
    for (let i = 0; i < 25; i++) model.learnOne(uniform(i))
    const { state } = json(model)
    expect(state.windows).toBe(2)
    expect(state.count).toBe(5)
    const trees = state.trees as { reference: number[], latest: number[] }[]
    expect(trees.every((t) => t.reference[0] === 10 && t.latest[0] === 5)).toBe(true)
  })

  it('fixes the feature set at the first learn and ignores features that come later', () => {
    const model = new HalfSpaceTrees({ windowSize: 20 })
    model.learnOne({ b: 0.2, a: 0.1, junk: Number.NaN })
    for (let i = 0; i < 40; i++) model.learnOne({ ...uniform(i), c: i })
    expect(json(model).state.features).toEqual(['a', 'b'])
    expect(model.scoreOne({ a: 0.3, b: 0.3, c: 1e9 })).toBe(model.scoreOne({ a: 0.3, b: 0.3 }))
  })

  it('takes the feature set from limits when given, and scales by them', () => {
    const scaled = new HalfSpaceTrees({ windowSize: 20, limits: { a: [0, 100], b: [-1, 1] } })
    const unit = new HalfSpaceTrees({ windowSize: 20 })
    for (let i = 0; i < 60; i++) {
      const { a, b } = uniform(i)
      scaled.learnOne({ a: 100 * a, b: 2 * b - 1 })
      unit.learnOne({ a, b })
    }
    expect(json(scaled).state.trees).toEqual(json(unit).state.trees)
    expect(scaled.scoreOne({ a: 30, b: 0 })).toBe(unit.scoreOne({ a: 0.3, b: 0.5 }))
  })

  it('stops the path at a node splitting on a missing feature, for learning and scoring alike', () => {
    const model = new HalfSpaceTrees({ windowSize: 10, nTrees: 1, height: 4, seed: 3 })
    for (let i = 0; i < 10; i++) model.learnOne({ a: 0.5, b: 0.5 })
    for (let i = 0; i < 10; i++) model.learnOne({ a: 0.5 })
    const tree = (json(model).state.trees as { feature: number[], reference: number[] }[])[0]!
    // The reference window saw only { a: 0.5 }: one path, which ends at a leaf or at the first split on b.
    const path = tree.reference.flatMap((mass, node) => (mass > 0 ? [node] : []))
    expect(path.every((node) => tree.reference[node] === 10)).toBe(true)
    path.slice(1).forEach((node, i) => expect(Math.floor((node - 1) / 2)).toBe(path[i]))
    path.slice(0, -1).forEach((node) => expect(tree.feature[node]).toBe(0))
    const last = path[path.length - 1]!
    expect(path.length === 5 || tree.feature[last] === 1).toBe(true)
    expect(path.length).toBeGreaterThan(1) // this seed splits on a first, then on b
    expect(path.length).toBeLessThan(5)
    // Scoring { a: 0.5 } stops at the same node: 1 − r · 2^depth / (nTrees · windowSize · 2^height).
    expect(model.scoreOne({ a: 0.5 })).toBe(1 - (10 * 2 ** (path.length - 1)) / (10 * 2 ** 4))
  })
})

describe('HalfSpaceTrees serialisation', () => {
  const trained = () => {
    const model = new HalfSpaceTrees({ windowSize: 20, nTrees: 3, height: 4 })
    for (let i = 0; i < 30; i++) model.learnOne({ a: (i % 10) / 10, b: 0.5 })
    return model
  }

  it('has the versioned envelope { kind, version, options, state }', () => {
    const { kind, version, options } = trained().toJSON()
    expect({ kind, version }).toEqual({ kind: 'half-space-trees', version: 1 })
    expect(options).toEqual({ nTrees: 3, height: 4, windowSize: 20, seed: 42 })
  })

  it('round-trips an untrained model, which then builds the same trees', () => {
    const fresh = new HalfSpaceTrees({ seed: 9 })
    const revived = HalfSpaceTrees.fromJSON(JSON.parse(JSON.stringify(fresh)))
    fresh.learnOne({ a: 0.5 })
    revived.learnOne({ a: 0.5 })
    expect(revived.toJSON()).toEqual(fresh.toJSON())
  })

  it.each([
    ['another kind', (j: ReturnType<typeof json>) => ({ ...j, kind: 'pipeline' }), /expected kind "half-space-trees", got "pipeline"/],
    ['a newer version', (j: ReturnType<typeof json>) => ({ ...j, version: 2 }), /unsupported version 2 of "half-space-trees" \(this build reads version 1\)/],
    ['bad options', (j: ReturnType<typeof json>) => ({ ...j, options: { ...j.options, height: 0 } }), /invalid options: height/],
    ['a missing tree', (j: ReturnType<typeof json>) => ({ ...j, state: { ...j.state, trees: (j.state.trees as unknown[]).slice(1) } }), /corrupt state: trees/],
    ['a split on an unknown feature', (j: ReturnType<typeof json>) => {
      const trees = structuredClone(j.state.trees) as { feature: number[] }[]
      trees[0]!.feature[0] = 7
      return { ...j, state: { ...j.state, trees } }
    }, /corrupt state: tree 0 features/],
    ['a count beyond the window', (j: ReturnType<typeof json>) => ({ ...j, state: { ...j.state, count: 20 } }), /corrupt state: count/],
  ])('refuses %s with a ModelFormatError', (_, corrupt, message) => {
    const bad = corrupt(json(trained()))
    expect(() => HalfSpaceTrees.fromJSON(bad)).toThrow(ModelFormatError)
    expect(() => HalfSpaceTrees.fromJSON(bad)).toThrow(message)
  })
})
