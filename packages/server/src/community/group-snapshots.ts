import type { Kysely } from 'kysely'
import type { RollupSums } from '../rollups/rollup.js'
import type { Database } from '../store/schema.js'
import { alignedWindow, ANALYTICS_WINDOWS, type AlignedWindow, type AnalyticsWindowName } from './analytics-windows.js'
import { bandSums, daySums, groupMembers, modelKeys, type GroupMember } from './group-sums.js'
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

  /**
   * Builds every group's snapshots for today, one after the other (each reads one heat pump at a
   * time, so requests are served meanwhile): run after midnight UTC, no request waits for a
   * build (1–3 s for a large group over 365 days, docs/BENCHMARKS.md "Analytics"). Stops early
   * when `stopped()` says so.
   */
  async prewarm (stopped: () => boolean = () => false): Promise<number> {
    let built = 0
    for (const { modelKey } of await modelKeys(this.db)) {
      for (const name of Object.keys(ANALYTICS_WINDOWS) as AnalyticsWindowName[]) {
        if (stopped()) return built
        const w = this.window(name)
        await this.overall(modelKey, w)
        await this.bands(modelKey, w)
        built++
      }
    }
    return built
  }

  clear (): void {
    this.#overall.clear()
    this.#bands.clear()
  }
}
