/**
 * Deterministic randomness: every figure the simulator draws comes from a seed, so the same seed
 * gives the same fleet, the same weather and the same payload bytes. Mulberry32 for sequential
 * streams (one per heat pump), and a stateless integer hash for values indexed by time (weather
 * shared by every home of a climate, whatever the sampling interval).
 */

/** 32-bit finaliser of MurmurHash3: spreads every input bit over the output. */
function fmix32 (h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** A 32-bit hash of integers and strings (FNV-1a over strings, mixed per part). */
export function hash32 (...parts: readonly (number | string)[]): number {
  let h = 0x811c9dc5
  for (const part of parts) {
    if (typeof part === 'number') {
      h = fmix32((h ^ (part | 0)) + 0x9e3779b9 + Math.floor(part / 0x100000000))
    } else {
      for (let i = 0; i < part.length; i++) h = Math.imul(h ^ part.charCodeAt(i), 0x01000193)
      h = fmix32(h)
    }
  }
  return h >>> 0
}

/** A uniform number in [0, 1) from a hash of `parts`: stateless. */
export function hashUniform (...parts: readonly (number | string)[]): number {
  return hash32(...parts) / 0x100000000
}

/** A standard normal number from a hash of `parts` (Box–Muller on two hashed uniforms). */
export function hashNormal (...parts: readonly (number | string)[]): number {
  const u = (hash32(...parts, 1) + 1) / 0x100000001
  const v = hash32(...parts, 2) / 0x100000000
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/** A sequential stream of random numbers (Mulberry32). */
export class Random {
  #state: number

  constructor (seed: number) {
    this.#state = seed >>> 0
  }

  /** A stream for a named purpose, independent of every other name under the same seed. */
  static of (...parts: readonly (number | string)[]): Random {
    return new Random(hash32(...parts))
  }

  /** Uniform in [0, 1). */
  next (): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 0x100000000
  }

  uniform (min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  /** An integer in [min, max]. */
  int (min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  normal (mean = 0, sd = 1): number {
    const u = 1 - this.next()
    const v = this.next()
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  pick<T> (items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T
  }

  /** Lower-case hex digits. */
  hex (digits: number): string {
    let s = ''
    while (s.length < digits) s += Math.floor(this.next() * 0x10000).toString(16).padStart(4, '0')
    return s.slice(0, digits)
  }

  /** A version-4 UUID. */
  uuid (): string {
    const h = this.hex(32)
    const variant = ((parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16)
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
  }

  /** URL-safe characters, e.g. for a client-chosen token. */
  urlSafe (length: number): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    let s = ''
    for (let i = 0; i < length; i++) s += alphabet[Math.floor(this.next() * 64)]
    return s
  }

  /** A copy of `items` in random order (Fisher–Yates). */
  shuffle<T> (items: readonly T[]): T[] {
    const out = items.slice()
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const tmp = out[i] as T
      out[i] = out[j] as T
      out[j] = tmp
    }
    return out
  }
}
