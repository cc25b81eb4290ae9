/** Lets a message through at most once per `intervalMs` per key (retry logs must not flood). */
export class LogThrottle {
  readonly #last = new Map<string, number>()
  #suppressed = new Map<string, number>()

  constructor (private readonly intervalMs: number, private readonly clock: () => number = Date.now) {}

  /** True when the message for `key` may be logged now; the count suppressed since is in `suppressed(key)`. */
  allow (key: string): boolean {
    const now = this.clock()
    const last = this.#last.get(key)
    if (last !== undefined && now - last < this.intervalMs) {
      this.#suppressed.set(key, (this.#suppressed.get(key) ?? 0) + 1)
      return false
    }
    this.#last.set(key, now)
    return true
  }

  /** Messages suppressed for `key` since it was last allowed; resets the count. */
  suppressed (key: string): number {
    const n = this.#suppressed.get(key) ?? 0
    this.#suppressed.delete(key)
    return n
  }
}
