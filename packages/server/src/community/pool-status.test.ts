import { describe, expect, it } from 'vitest'
import { pythonThousands } from './pool-messages.js'
import { describePool } from './pool-status.js'

const config = { MIN_INSTALLATIONS: 5, MIN_DATA_POINTS: 10_000 }

describe('describePool', () => {
  it('builds the upstream message with Python-style thousands', () => {
    const pool = describePool({ installations: 2, dataPoints: 1234 }, [], config)
    expect(pool).toMatchObject({
      data_sufficient: false,
      message: 'Building data pool. Need 3 more installations and ~8,766 more data points. Data is being collected - thank you for contributing!',
      message_de: 'Datenpool wird aufgebaut. Benötigt noch 3 Installationen und ~8,766 Datenpunkte. Daten werden gesammelt - vielen Dank für Ihre Beiträge!',
      progress: { installations: { current: 2, required: 5, needed: 3 }, data_points: { current: 1234, required: 10_000, needed: 8766 } },
    })
  })

  it('is ready only when both thresholds are met', () => {
    expect(describePool({ installations: 5, dataPoints: 9999 }, [], config).data_sufficient).toBe(false)
    expect(describePool({ installations: 4, dataPoints: 10_000_000 }, [], config).message).toContain('Need 1 more installations and ~0 more data points')
    const ready = describePool({ installations: 5, dataPoints: 10_000 }, ['AERO SLM'], config)
    expect(ready).toMatchObject({
      data_sufficient: true,
      models_available: ['AERO SLM'],
      message: 'Data pool is ready. Community models are available.',
      message_de: 'Datenpool ist bereit. Community-Modelle sind verfügbar.',
    })
  })

  it.each([[0, '0'], [999, '999'], [1000, '1,000'], [10_000, '10,000'], [1_234_567, '1,234,567']])('formats %d as %s', (n, text) => {
    expect(pythonThousands(n)).toBe(text)
  })
})
