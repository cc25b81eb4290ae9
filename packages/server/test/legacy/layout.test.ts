import { describe, expect, it } from 'vitest'
import { canonicalInstallationId, decodeModelLabel, isDroppedField, legacyField, legacySelector } from '../../src/legacy/layout.js'

describe('the upstream series layout', () => {
  it('decodes the model label: upstream wrote spaces as _', () => {
    expect(decodeModelLabel('AERO_SLM')).toEqual({ name: 'AERO SLM', key: 'aero_slm' })
    expect(decodeModelLabel('LWP_8_Plus')).toEqual({ name: 'LWP 8 Plus', key: 'lwp_8_plus' })
    // The same grouping key as the name a live v2 client sends.
    expect(decodeModelLabel('IDM_Wärmepumpe').key).toBeNull()
    expect(decodeModelLabel('Andere_/_Unbekannt')).toEqual({ name: 'Andere / Unbekannt', key: null })
    expect(decodeModelLabel(undefined)).toEqual({ name: null, key: null })
    expect(decodeModelLabel('a\u0007b')).toEqual({ name: null, key: null })
  })

  it('canonicalises every spelling of an installation id, and refuses what is not a UUID', () => {
    const id = '0f8e7c6a-1b2c-4d3e-8f90-a1b2c3d4e5f6'
    for (const spelling of [id, id.toUpperCase(), `{${id}}`, `urn:uuid:${id}`, id.replaceAll('-', '')]) {
      expect(canonicalInstallationId(spelling)).toBe(id)
    }
    expect(canonicalInstallationId('test-installation')).toBeNull()
  })

  it('names fields and selects series', () => {
    expect(legacyField('heatpump_metrics_temp_outside')).toBe('temp_outside')
    expect(legacyField('heatpump_metrics_')).toBeNull()
    expect(legacyField('heatpool_temp_outdoor')).toBeNull()
    expect(isDroppedField('status_system_str')).toBe(true)
    expect(isDroppedField('status_system')).toBe(false)
    expect(isDroppedField('timestamp')).toBe(true)
    expect(legacySelector()).toBe('{__name__=~"heatpump_metrics_.+"}')
    expect(legacySelector('{A"b\\}')).toBe('{__name__=~"heatpump_metrics_.+",installation_id="{A\\"b\\\\}"}')
  })
})
