import { describe, expect, it } from 'vitest'
import { DAY_MS } from '../ledger/contribution.js'
import { growthWindow, poolGrowth } from './growth.js'

const DAY = Date.UTC(2026, 10, 20) / DAY_MS

describe('growthWindow', () => {
  it('ends yesterday (UTC) and spans `days` days', () => {
    expect(growthWindow(Date.UTC(2026, 10, 27, 0, 0, 1), 7)).toEqual({ fromDay: DAY, toDay: DAY + 6 })
    expect(growthWindow(Date.UTC(2026, 10, 27, 23, 59), 7)).toEqual({ fromDay: DAY, toDay: DAY + 6 })
  })
})

describe('poolGrowth', () => {
  const window = { fromDay: DAY, toDay: DAY + 3 }

  it('gives every day, cumulates first days (earlier ones too) and withholds active counts under k', () => {
    const growth = poolGrowth(window, 3, {
      active: new Map([[DAY, 4], [DAY + 1, 2], [DAY + 3, 3]]),
      firsts: new Map([[DAY - 40, 2], [DAY, 2], [DAY + 1, 1], [DAY + 9, 5]]),
      samples: new Map([[DAY, 1000], [DAY + 1, 400], [DAY + 3, 900]]),
    })
    expect(growth).toEqual({
      from: '2026-11-20',
      to: '2026-11-23',
      k_anonymity: 3,
      days: [
        { day: '2026-11-20', active_installations: 4, total_installations: 4, data_points: 1000 },
        { day: '2026-11-21', active_installations: null, total_installations: 5, data_points: null },
        { day: '2026-11-22', active_installations: 0, total_installations: 5, data_points: 0 },
        { day: '2026-11-23', active_installations: 3, total_installations: 5, data_points: 900 },
      ],
    })
  })

  it('publishes an empty pool as zeros, never as withheld', () => {
    const growth = poolGrowth(window, 5, { active: new Map(), firsts: new Map(), samples: new Map() })
    expect(growth.days.map((d) => [d.active_installations, d.total_installations, d.data_points])).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]])
  })
})
