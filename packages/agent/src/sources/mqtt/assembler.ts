/**
 * Turns values that arrive topic by topic into one set per interval: the latest value of each
 * key received in the interval, plus — because publishers such as HeishaMon and ebusd send a
 * value again only when it changes — keys received earlier and not older than `holdMs`. An
 * interval in which nothing arrived gives nothing (a silent publisher is not repeated).
 * Pure: time comes from the caller.
 */
export class IntervalAssembler {
  readonly #latest = new Map<string, { value: number, at: number }>()
  #fresh = false

  constructor (private readonly holdMs: number) {}

  set (key: string, value: number, at: number): void {
    this.#latest.set(key, { value, at })
    this.#fresh = true
  }

  /** The interval's values as of `now`, or undefined when nothing arrived since the last take. */
  take (now: number): Map<string, number> | undefined {
    if (!this.#fresh) return undefined
    this.#fresh = false
    const out = new Map<string, number>()
    for (const [key, { value, at }] of this.#latest) {
      if (now - at <= this.holdMs) out.set(key, value)
      else this.#latest.delete(key)
    }
    return out
  }
}
