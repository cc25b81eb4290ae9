/**
 * One half-space tree (Tan, Ting & Liu 2011, Algorithm 1), stored flat: a complete binary tree of
 * `height` levels of splits, node `i` having children `2i + 1` (values below the split) and
 * `2i + 2`. Internal nodes hold a split feature (an index into the detector's feature list) and a
 * split value; every node holds its mass in the reference window (`reference`) and the latest
 * window (`latest`). Plain number arrays, so a tree is its own JSON.
 */
import type { Random } from './random.js'

export interface HalfSpaceTree {
  readonly feature: number[]
  readonly split: number[]
  reference: number[]
  latest: number[]
}

export const internalNodes = (height: number): number => 2 ** height - 1
export const allNodes = (height: number): number => 2 ** (height + 1) - 1

/**
 * Builds a tree over a randomly perturbed work space: for each feature a point s in [0, 1) is
 * drawn and the range is [s − 2·max(s, 1 − s), s + 2·max(s, 1 − s)], which always covers [0, 1]
 * with room to spare (the paper's construction). Each node then halves its range along a
 * randomly chosen feature. Draws happen in a fixed order, so the seed fixes the tree.
 */
export function buildTree (random: Random, featureCount: number, height: number): HalfSpaceTree {
  const low: number[] = []
  const high: number[] = []
  for (let q = 0; q < featureCount; q++) {
    const s = random.next()
    const reach = 2 * Math.max(s, 1 - s)
    low.push(s - reach + 0)
    high.push(s + reach)
  }
  const feature = new Array<number>(internalNodes(height)).fill(0)
  const split = new Array<number>(internalNodes(height)).fill(0)
  const grow = (node: number, depth: number, lo: number[], hi: number[]): void => {
    if (depth === height) return
    const q = random.below(featureCount)
    const middle = ((lo[q] ?? 0) + (hi[q] ?? 0)) / 2 + 0 // `+ 0` turns −0 into 0, which JSON keeps
    feature[node] = q
    split[node] = middle
    const leftHigh = hi.slice()
    leftHigh[q] = middle
    grow(2 * node + 1, depth + 1, lo, leftHigh)
    const rightLow = lo.slice()
    rightLow[q] = middle
    grow(2 * node + 2, depth + 1, rightLow, hi)
  }
  grow(0, 0, low, high)
  const zeros = new Array<number>(allNodes(height)).fill(0)
  return { feature, split, reference: zeros.slice(), latest: zeros.slice() }
}

/**
 * Where an observation goes: from the root towards a leaf, until a leaf or a node whose split
 * feature is missing from `values` (`undefined`). That node is the deepest one the observation
 * can be placed in, and the rule is the same for learning and for scoring.
 */
function child (tree: HalfSpaceTree, node: number, values: readonly (number | undefined)[]): number | undefined {
  const value = values[tree.feature[node] ?? 0]
  if (value === undefined) return undefined
  return value < (tree.split[node] ?? 0) ? 2 * node + 1 : 2 * node + 2
}

/** Adds one to the latest-window mass of every node on the observation's path (UpdateMass). */
export function countPath (tree: HalfSpaceTree, values: readonly (number | undefined)[], height: number): void {
  let node: number | undefined = 0
  for (let depth = 0; node !== undefined; depth++) {
    tree.latest[node] = (tree.latest[node] ?? 0) + 1
    node = depth === height ? undefined : child(tree, node, values)
  }
}

/**
 * The tree's term of the paper's score, r · 2^depth, at the deepest node of the path whose
 * reference mass is at least `sizeLimit`. The root holds the whole reference window, so some node
 * always qualifies once a window is complete.
 */
export function pathScore (tree: HalfSpaceTree, values: readonly (number | undefined)[], height: number, sizeLimit: number): number {
  let node: number | undefined = 0
  let best = 0
  for (let depth = 0; node !== undefined; depth++) {
    const mass = tree.reference[node] ?? 0
    if (mass < sizeLimit) break
    best = mass * 2 ** depth
    node = depth === height ? undefined : child(tree, node, values)
  }
  return best
}
