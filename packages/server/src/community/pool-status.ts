import type { DataPool } from '@heatpool/protocol'
import type { Kysely } from 'kysely'
import type { Config } from '../config.js'
import { DAY_MS, utcDay } from '../ledger/contribution.js'
import { activeInstallations, samplesSince } from '../store/pool.js'
import type { Database } from '../store/schema.js'
import { POOL_READY, poolBuilding } from './pool-messages.js'
import { RefreshingCache } from './refreshing-cache.js'

/** Upstream's pool window: `[30d]`. */
export const POOL_WINDOW_DAYS = 30

export interface PoolCounts {
  readonly installations: number
  readonly dataPoints: number
}

/** The pool status for given counts: pure, so every rule and message is testable. */
export function describePool (counts: PoolCounts, modelsAvailable: string[], config: Pick<Config, 'MIN_INSTALLATIONS' | 'MIN_DATA_POINTS'>): DataPool {
  const installationsNeeded = Math.max(0, config.MIN_INSTALLATIONS - counts.installations)
  const pointsNeeded = Math.max(0, config.MIN_DATA_POINTS - counts.dataPoints)
  const sufficient = installationsNeeded === 0 && pointsNeeded === 0
  const message = sufficient ? POOL_READY : poolBuilding(installationsNeeded, pointsNeeded)
  return {
    total_installations: counts.installations,
    total_data_points: counts.dataPoints,
    models_available: modelsAvailable,
    data_sufficient: sufficient,
    message: message.en,
    message_de: message.de,
    progress: {
      installations: { current: counts.installations, required: config.MIN_INSTALLATIONS, needed: installationsNeeded },
      data_points: { current: counts.dataPoints, required: config.MIN_DATA_POINTS, needed: pointsNeeded },
    },
  }
}

/**
 * The pool status from the ledger (two indexed reads), served from a refreshing cache
 * (PUBLIC_CACHE_SECONDS): it is public, and upstream's uncached 30-day scans were a DoS vector
 * (upstream.md §8 X3). The count of active installations grows with the pool, so requests
 * never wait for it once a first value exists (docs/BENCHMARKS.md, read API).
 */
export class PoolStatusService {
  readonly #cache: RefreshingCache<DataPool>

  constructor (
    private readonly db: Kysely<Database>,
    private readonly models: { modelsAvailable (): Promise<string[]> },
    private readonly config: Config,
    private readonly clock: () => number,
    onRefreshError: (err: unknown) => void = () => {},
  ) {
    this.#cache = new RefreshingCache(config.PUBLIC_CACHE_SECONDS * 1000, clock, 1, undefined, onRefreshError)
  }

  get (): Promise<DataPool> {
    return this.#cache.get('pool', () => this.#compute())
  }

  async #compute (): Promise<DataPool> {
    const since = this.clock() - POOL_WINDOW_DAYS * DAY_MS
    const [installations, dataPoints, names] = await Promise.all([
      activeInstallations(this.db, since),
      samplesSince(this.db, utcDay(since)),
      this.models.modelsAvailable(),
    ])
    return describePool({ installations, dataPoints }, names, this.config)
  }

  /** Forget the cached status (after an erasure or a model change). */
  invalidate (): void {
    this.#cache.clear()
  }
}
