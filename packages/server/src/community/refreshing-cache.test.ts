import { describe, expect, it } from 'vitest'
import { RefreshingCache } from './refreshing-cache.js'

describe('RefreshingCache', () => {
  it('serves fresh values, then the stale one while a single refresh runs', async () => {
    let now = 0
    let calls = 0
    let release: (() => void) | undefined
    const compute = () => {
      calls++
      const n = calls
      return n === 1 ? Promise.resolve(n) : new Promise<number>((resolve) => { release = () => resolve(n) })
    }
    const cache = new RefreshingCache<number>(1000, () => now)
    expect(await cache.get('k', compute)).toBe(1)
    now = 500
    expect(await cache.get('k', compute)).toBe(1)
    now = 1500
    // Stale: answered at once from memory, one refresh started however many ask.
    expect(await Promise.all([cache.get('k', compute), cache.get('k', compute), cache.get('k', compute)])).toEqual([1, 1, 1])
    expect(calls).toBe(2)
    release?.()
    await new Promise((r) => setTimeout(r, 0))
    expect(await cache.get('k', compute)).toBe(2)
  })

  it('computes once for concurrent first requests, and recomputes values too old to serve', async () => {
    let now = 0
    let calls = 0
    const cache = new RefreshingCache<number>(1000, () => now, 10, 5000)
    const compute = async () => ++calls
    expect(await Promise.all([cache.get('k', compute), cache.get('k', compute)])).toEqual([1, 1])
    now = 6000
    expect(await cache.get('k', compute)).toBe(2)
  })

  it('lets a failing computation fail the request when nothing may be served', async () => {
    const cache = new RefreshingCache<number>(1000, () => 0)
    await expect(cache.get('k', async () => { throw new Error('store down') })).rejects.toThrow('store down')
  })

  it('does not cache with a TTL of 0', async () => {
    let calls = 0
    const cache = new RefreshingCache<number>(0, () => 0)
    await cache.get('k', async () => ++calls)
    await cache.get('k', async () => ++calls)
    expect(calls).toBe(2)
  })
})
