import { describe, expect, it } from 'vitest'
import { isMetricName } from '../catalog.js'
import { canonicalDriver, DRIVERS, resolveDriver } from './index.js'

describe('driver registry', () => {
  it('has one map per driver id, named <manufacturer>/<model>', () => {
    expect(DRIVERS.map((d) => d.id)).toEqual([
      'canonical', 'idm/navigator_2_0', 'nibe/s_series', 'daikin/altherma', 'luxtronik/luxtronik_2_1',
    ])
    for (const d of DRIVERS.slice(1)) expect(d.id).toBe(`${d.manufacturer}/${d.model}`)
  })

  it.each(DRIVERS.map((d) => [d.id, d] as const))('%s maps only to catalog metrics', (_id, driver) => {
    for (const rule of Object.values(driver.fields)) {
      if (rule !== null) expect(isMetricName(rule.metric)).toBe(true)
    }
  })

  it.each([
    ['idm', 'navigator_2_0', 'idm/navigator_2_0'],
    ['nibe', 's_series', 'nibe/s_series'],
    ['daikin', 'altherma', 'daikin/altherma'],
    ['luxtronik', 'luxtronik_2_1', 'luxtronik/luxtronik_2_1'],
    [' NIBE ', 'S_Series', 'nibe/s_series'],
    ['nibe', 'f_series', 'nibe/s_series'],
    ['luxtronik', undefined, 'luxtronik/luxtronik_2_1'],
    ['unknown', 'unknown', 'canonical'],
    ['viessmann', 'vitocal_250a', 'canonical'],
    [undefined, undefined, 'canonical'],
  ])('resolves %j/%j to %s', (manufacturer, model, id) => {
    expect(resolveDriver(manufacturer, model).id).toBe(id)
  })

  it('falls back to the canonical map object itself', () => {
    expect(resolveDriver('unknown', 'unknown')).toBe(canonicalDriver)
  })
})
