/**
 * A small cache for public figures: fresh for `ttlMs`; after that the stale value is served
 * while one refresh runs in the background (stale-while-revalidate, single flight), so a
 * request never waits on an expensive recomputation and a burst never starts many. A value
 * older than `maxStaleMs` is not served: the request recomputes and sees any store failure.
 * `ttlMs` 0 turns caching off.
 */
export class RefreshingCache<V> {
  readonly #entries = new Map<string, { value: V, at: number, refreshing?: Promise<void> }>()
  readonly #pending = new Map<string, Promise<V>>()

  constructor (
    private readonly ttlMs: number,
    private readonly clock: () => number,
    private readonly maxEntries = 512,
    private readonly maxStaleMs = Math.max(60_000, ttlMs * 10),
    private readonly onRefreshError: (err: unknown) => void = () => {},
  ) {}

  async get (key: string, compute: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return compute()
    const now = this.clock()
    const entry = this.#entries.get(key)
    if (entry !== undefined) {
      const age = now - entry.at
      if (age < this.ttlMs) return entry.value
      if (age < this.maxStaleMs) {
        entry.refreshing ??= compute()
          .then((value) => { this.#set(key, value) })
          .catch(this.onRefreshError)
          .finally(() => { const e = this.#entries.get(key); if (e !== undefined) delete e.refreshing })
        return entry.value
      }
    }
    let pending = this.#pending.get(key)
    if (pending === undefined) {
      pending = compute().then((value) => { this.#set(key, value); return value })
        .finally(() => { this.#pending.delete(key) })
      this.#pending.set(key, pending)
    }
    return pending
  }

  /** Drops every entry (after an erasure or a model change). */
  clear (): void {
    this.#entries.clear()
  }

  #set (key: string, value: V): void {
    this.#entries.delete(key)
    if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string)
    this.#entries.set(key, { value, at: this.clock() })
  }
}
