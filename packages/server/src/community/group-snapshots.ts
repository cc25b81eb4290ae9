import type { Kysely } from 'kysely'
import type { RollupSums } from '../rollups/rollup.js'
import type { Database } from '../store/schema.js'
import { alignedWindow, type AlignedWindow, type AnalyticsWindowName } from './analytics-windows.js'
import { bandSums, daySums, groupMembers, type GroupMember } from './group-sums.js'
import { RefreshingCache } from './refreshing-cache.js'

export interface MemberSums {
  readonly member: GroupMember
  readonly sums: RollupSums
}

export interface MemberBands {
  readonly member: GroupMember
  readonly bands: ReadonlyMap<number, RollupSums>
}

const CACHE_ENTRIES = 256
const DAY_MS = 86_400_000

/**
 * Per heat pump of a model group, its sums over an aligned window (daily rollups) and per
 * outdoor band (hourly rollups), computed once per group, window and day: a window ends with
 * yesterday, so its figures change only through late data, and a group's membership is frozen
 * for the day (docs/PRIVACY.md, "stable membership"). `cacheMs` 0 computes every time (tests).
 */
export class GroupSnapshots {
  readonly #overall: RefreshingCache<MemberSums[]>
  readonly #bands: RefreshingCache<MemberBands[]>

  constructor (private readonly db: Kysely<Database>, private readonly clock: () => number, cached: boolean, onError: (err: unknown) => void) {
    const ttl = cached ? DAY_MS : 0
    this.#overall = new RefreshingCache(ttl, clock, CACHE_ENTRIES, 2 * DAY_MS, onError)
    this.#bands = new RefreshingCache(ttl, clock, CACHE_ENTRIES, 2 * DAY_MS, onError)
  }

  window (name: AnalyticsWindowName): AlignedWindow {
    return alignedWindow(name, this.clock())
  }

  async overall (modelKey: string, w: AlignedWindow): Promise<MemberSums[]> {
    return this.#overall.get(JSON.stringify([modelKey, w.name, w.toDay]), async () => {
      const out: MemberSums[] = []
      for (const member of await groupMembers(this.db, modelKey)) {
        out.push({ member, sums: await daySums(this.db, member.heatPumpId, w.fromDay, w.toDay) })
      }
      return out
    })
  }

  async bands (modelKey: string, w: AlignedWindow): Promise<MemberBands[]> {
    return this.#bands.get(JSON.stringify([modelKey, w.name, w.toDay]), async () => {
      const out: MemberBands[] = []
      for (const member of await groupMembers(this.db, modelKey)) {
        out.push({ member, bands: await bandSums(this.db, member.heatPumpId, w.fromHour, w.toHour) })
      }
      return out
    })
  }

  clear (): void {
    this.#overall.clear()
    this.#bands.clear()
  }
}
