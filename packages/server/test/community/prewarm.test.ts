import { describe, expect, it } from 'vitest'
import { GroupSnapshots } from '../../src/community/group-snapshots.js'
import { build } from '../helper.js'
import { DAY_MS, submitFleet } from './fleet.js'

const NOW = Date.UTC(2026, 10, 27, 12)
const TODAY = Math.floor(NOW / DAY_MS)
const home = (model: string) => ({ model, carnot: 0.45, days: [TODAY - 2, TODAY - 1], outdoor: 2 })

describe('community snapshots built ahead of requests', () => {
  it('builds every model group and window once; requests that day read what it built', async () => {
    const t = await build({ PUBLIC_CACHE_SECONDS: '0' }, NOW)
    await submitFleet(t, [home('AERO SLM'), home('AERO SLM'), home('LWD 70')])
    const snapshots = new GroupSnapshots(t.app.store.db, t.clock.now, true, (err) => { throw err })
    expect(await snapshots.prewarm()).toBe(2 * 3) // two models × 7d, 30d, 365d

    // A home joining later the same day is not in the day's figures: they were built before it.
    await submitFleet(t, [home('AERO SLM')])
    const w = snapshots.window('30d')
    expect(await snapshots.overall('aero_slm', w)).toHaveLength(2)
    expect(await snapshots.bands('aero_slm', w)).toHaveLength(2)
    // A store built nothing ahead computes it on first use, with the new home.
    expect(await new GroupSnapshots(t.app.store.db, t.clock.now, true, () => {}).overall('aero_slm', w)).toHaveLength(3)
    // Closing stops it between groups.
    expect(await new GroupSnapshots(t.app.store.db, t.clock.now, true, () => {}).prewarm(() => true)).toBe(0)
  })
})
