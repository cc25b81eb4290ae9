import { describe, expect, it } from 'vitest'
import { LogThrottle } from './throttle.js'

describe('LogThrottle', () => {
  it('lets one message per key through per interval and counts the rest', () => {
    let now = 1_000_000
    const throttle = new LogThrottle(60_000, () => now)
    expect(throttle.allow('a')).toBe(true)
    // One try a second for 59 s: all inside the interval.
    const early = Array.from({ length: 59 }, () => { now += 1000; return throttle.allow('a') })
    expect(early.some(Boolean)).toBe(false)
    now += 1000
    expect(throttle.allow('a')).toBe(true)
    expect(throttle.suppressed('a')).toBe(59)
    // suppressed() resets the count.
    expect(throttle.suppressed('a')).toBe(0)
  })

  it.each([
    [59_999, false],
    [60_000, true],
    [120_000, true],
  ])('a second message %i ms after the first: allowed %s', (gap, allowed) => {
    let now = 0
    const throttle = new LogThrottle(60_000, () => now)
    expect(throttle.allow('k')).toBe(true)
    now += gap
    expect(throttle.allow('k')).toBe(allowed)
    expect(throttle.suppressed('k')).toBe(allowed ? 0 : 1)
  })

  it('keeps keys apart', () => {
    const throttle = new LogThrottle(60_000, () => 0)
    expect(throttle.allow('a')).toBe(true)
    expect(throttle.allow('b')).toBe(true)
    expect(throttle.allow('a')).toBe(false)
    expect(throttle.suppressed('a')).toBe(1)
    expect(throttle.suppressed('b')).toBe(0)
  })
})
