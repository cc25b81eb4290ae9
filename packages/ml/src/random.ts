/**
 * Seeded randomness. Every random choice of a model comes from this generator (Mulberry32), whose
 * whole state is one 32-bit integer: it is stored with the model, so a model revived from JSON
 * draws exactly what the original would have drawn.
 */

/** Seeds are integers in [0, 2^32): one seed, one state, no silent wrap-around. */
export function assertSeed (seed: unknown): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 2^32), got ${String(seed)}`)
  }
}

export class Random {
  #state: number

  constructor (seed: number) {
    assertSeed(seed)
    this.#state = seed
  }

  /** The current state; `new Random(r.state)` continues the same sequence. */
  get state (): number {
    return this.#state
  }

  /** Uniform in [0, 1). */
  next (): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000
  }

  /** An integer in [0, n). */
  below (n: number): number {
    return Math.floor(this.next() * n)
  }
}
