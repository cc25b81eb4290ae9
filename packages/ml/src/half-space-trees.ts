/**
 * Half-Space Trees (Tan, Ting & Liu 2011, "Fast Anomaly Detection for Streaming Data").
 *
 * A forest of `nTrees` random half-space trees of fixed `height` over a perturbed unit work space.
 * Each tree counts the mass of every node over a window of `windowSize` observations; when the
 * latest window is full it becomes the reference window and counting starts afresh. A point that
 * lands in well-populated, deep nodes of the reference profile is normal.
 *
 * Conventions of this implementation:
 * - Score: the paper's s(x) = Σ over trees of r · 2^depth at the deepest node of x's path whose
 *   reference mass r is at least the size limit (0.1 · windowSize: the paper's magic constant),
 *   inverted and normalised: `1 − s(x) / (nTrees · windowSize · 2^height)`. So scores lie in
 *   [0, 1] and higher means more anomalous. Until the first window is complete there is no
 *   reference profile and every score is 0.
 * - Inputs are expected in [0, 1] (put a `MinMaxScaler` in front), or give `limits` per feature.
 *   Values outside the range are not an error: they fall into the outermost nodes.
 * - Feature set: fixed when the trees are built, at the first `learnOne` with a usable feature —
 *   the keys of `limits` if given, else the finite features of that first observation, sorted by
 *   name. Features outside that set are ignored, now and later (a model never changes shape;
 *   train a new one to use a new feature).
 * - Missing feature (absent, or not a finite number): at a node splitting on it, the path stops;
 *   learning counts the point in the nodes above, scoring uses the nodes above.
 */
import type { Detector } from './detector.js'
import { featureNames, readFeature } from './features.js'
import type { Features } from './features.js'
import { frozenCopy } from './freeze.js'
import type { DeepReadonly } from './freeze.js'
import { allNodes, buildTree, countPath, internalNodes, pathScore } from './half-space-tree.js'
import type { HalfSpaceTree } from './half-space-tree.js'
import { Random, assertSeed } from './random.js'
import { ModelFormatError, check, isCount, isFiniteNumber, isRecord, openEnvelope } from './serialisation.js'
import type { Serialised } from './serialisation.js'

export interface HalfSpaceTreesOptions {
  /** Number of trees (default 10). */
  nTrees?: number
  /** Splits from root to leaf; a tree has 2^(height+1) − 1 nodes (default 8, at most 16). */
  height?: number
  /** Observations per window (default 250). */
  windowSize?: number
  /** Seed of every random choice, an integer in [0, 2^32) (default 42). */
  seed?: number
  /** Known range `[min, max]` of each feature; without it, features are expected in [0, 1]. */
  limits?: Record<string, readonly [number, number]>
}

export type HalfSpaceTreesSettings = DeepReadonly<Required<Omit<HalfSpaceTreesOptions, 'limits'>> & Pick<HalfSpaceTreesOptions, 'limits'>>

export interface HalfSpaceTreesState {
  /** The feature set, sorted; `null` until the trees are built. */
  features: string[] | null
  /** State of the random generator (only used to build the trees). */
  random: number
  /** Observations counted in the latest window so far. */
  count: number
  /** Windows completed; scores are 0 while it is 0. */
  windows: number
  trees: HalfSpaceTree[]
}

export const HALF_SPACE_TREES_KIND = 'half-space-trees'
export const HALF_SPACE_TREES_VERSION = 1
/** The paper's size limit, as a fraction of the window: "0.1 · windowSize". */
const SIZE_LIMIT_FRACTION = 0.1
const MAX_HEIGHT = 16

export type SerialisedHalfSpaceTrees = Serialised<typeof HALF_SPACE_TREES_KIND, HalfSpaceTreesSettings, HalfSpaceTreesState>

export class HalfSpaceTrees implements Detector {
  readonly options: HalfSpaceTreesSettings
  #features: string[] | null = null
  #random: Random
  #count = 0
  #windows = 0
  #trees: HalfSpaceTree[] = []

  constructor (options: HalfSpaceTreesOptions = {}) {
    this.options = settingsOf(options)
    this.#random = new Random(this.options.seed)
  }

  learnOne (x: Features): void {
    if (this.#features === null) this.#build(x)
    if (this.#features === null) return
    const values = this.#values(x)
    for (const tree of this.#trees) countPath(tree, values, this.options.height)
    this.#count++
    if (this.#count === this.options.windowSize) {
      for (const tree of this.#trees) {
        tree.reference = tree.latest
        tree.latest = new Array<number>(tree.reference.length).fill(0)
      }
      this.#count = 0
      this.#windows++
    }
  }

  scoreOne (x: Features): number {
    if (this.#features === null || this.#windows === 0) return 0
    const { height, windowSize, nTrees } = this.options
    const values = this.#values(x)
    let mass = 0
    for (const tree of this.#trees) mass += pathScore(tree, values, height, SIZE_LIMIT_FRACTION * windowSize)
    const score = 1 - mass / (nTrees * windowSize * 2 ** height)
    return Math.min(1, Math.max(0, score))
  }

  toJSON (): SerialisedHalfSpaceTrees {
    return {
      kind: HALF_SPACE_TREES_KIND,
      version: HALF_SPACE_TREES_VERSION,
      options: this.options,
      state: {
        features: this.#features === null ? null : this.#features.slice(),
        random: this.#random.state,
        count: this.#count,
        windows: this.#windows,
        trees: this.#trees.map((tree) => ({
          feature: tree.feature.slice(),
          split: tree.split.slice(),
          reference: tree.reference.slice(),
          latest: tree.latest.slice(),
        })),
      },
    }
  }

  /** Revives a model from `toJSON()` output (parsed JSON); throws `ModelFormatError` otherwise. */
  static fromJSON (json: unknown): HalfSpaceTrees {
    const { options, state } = openEnvelope(json, HALF_SPACE_TREES_KIND, HALF_SPACE_TREES_VERSION)
    let model: HalfSpaceTrees
    try {
      model = new HalfSpaceTrees(options as HalfSpaceTreesOptions)
    } catch (error) {
      throw new ModelFormatError(`invalid options: ${(error as Error).message}`)
    }
    const valid = validState(state, model.options)
    model.#features = valid.features
    model.#random = new Random(valid.random)
    model.#count = valid.count
    model.#windows = valid.windows
    model.#trees = valid.trees
    return model
  }

  #build (x: Features): void {
    const limits = this.options.limits
    const features = limits === undefined ? featureNames(x) : Object.keys(limits).sort()
    if (features.length === 0) return
    this.#features = features
    for (let t = 0; t < this.options.nTrees; t++) {
      this.#trees.push(buildTree(this.#random, features.length, this.options.height))
    }
  }

  /** The observation as one value per feature of the set, scaled by `limits`; missing: `undefined`. */
  #values (x: Features): (number | undefined)[] {
    const limits = this.options.limits
    return (this.#features ?? []).map((name) => {
      const value = readFeature(x, name)
      const range = limits === undefined ? undefined : limits[name]
      if (value === undefined || range === undefined) return value
      return (value - range[0]) / (range[1] - range[0])
    })
  }
}

function settingsOf (options: HalfSpaceTreesOptions): HalfSpaceTreesSettings {
  if (!isRecord(options as unknown)) throw new TypeError('HalfSpaceTrees options must be an object')
  const { nTrees = 10, height = 8, windowSize = 250, seed = 42, limits, ...unknown } = options
  const [extra] = Object.keys(unknown)
  if (extra !== undefined) throw new TypeError(`unknown HalfSpaceTrees option "${extra}"`)
  positiveInteger('nTrees', nTrees)
  positiveInteger('windowSize', windowSize)
  positiveInteger('height', height)
  if (height > MAX_HEIGHT) throw new RangeError(`height must be at most ${MAX_HEIGHT}, got ${height}`)
  assertSeed(seed)
  if (limits !== undefined) {
    if (!isRecord(limits as unknown) || Object.keys(limits).length === 0) throw new TypeError('limits must be a non-empty record of [min, max] pairs')
    for (const [name, range] of Object.entries(limits)) {
      const ok = Array.isArray(range) && range.length === 2 && isFiniteNumber(range[0]) && isFiniteNumber(range[1]) && range[0] < range[1]
      if (!ok) throw new RangeError(`limits["${name}"] must be [min, max] with finite min < max`)
    }
  }
  const settings = { nTrees, height, windowSize, seed, ...(limits === undefined ? {} : { limits }) }
  return frozenCopy(settings)
}

function positiveInteger (name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`)
  }
}

function validState (state: unknown, options: HalfSpaceTreesSettings): HalfSpaceTreesState {
  check(isRecord(state), 'state must be an object')
  const { features, random, count, windows, trees } = state
  check(features === null || (Array.isArray(features) && features.length > 0 && features.every((f) => typeof f === 'string')), 'features')
  check(isCount(random) && random <= 0xffffffff, 'random')
  check(isCount(count) && count < options.windowSize, 'count')
  check(isCount(windows), 'windows')
  check(Array.isArray(trees) && trees.length === (features === null ? 0 : options.nTrees), 'trees')
  check(features !== null || (count === 0 && windows === 0), 'counts before the trees are built')
  const featureCount = features === null ? 0 : features.length
  const valid = trees.map((tree: unknown, t) => {
    check(isRecord(tree), `tree ${t}`)
    const { feature, split, reference, latest } = tree
    const inner = internalNodes(options.height)
    const all = allNodes(options.height)
    check(Array.isArray(feature) && feature.length === inner && feature.every((q) => isCount(q) && q < featureCount), `tree ${t} features`)
    check(Array.isArray(split) && split.length === inner && split.every(isFiniteNumber), `tree ${t} splits`)
    check(Array.isArray(reference) && reference.length === all && reference.every((m) => isCount(m) && m <= options.windowSize), `tree ${t} reference masses`)
    check(Array.isArray(latest) && latest.length === all && latest.every((m) => isCount(m) && m <= count), `tree ${t} latest masses`)
    return { feature: feature.slice(), split: split.slice(), reference: reference.slice(), latest: latest.slice() }
  })
  return { features: features === null ? null : features.slice(), random, count, windows, trees: valid }
}
