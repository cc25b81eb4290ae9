import { describe, expect, it } from 'vitest'
import { MAX_MODEL_NAME_LENGTH, parseHeatPumpModel, parseInstallationId } from './identifiers.js'

const CANONICAL = '3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5b'

describe('parseInstallationId', () => {
  it.each([
    ['canonical', CANONICAL],
    ['uppercase', CANONICAL.toUpperCase()],
    ['braces', `{${CANONICAL}}`],
    ['urn:uuid:', `urn:uuid:${CANONICAL}`],
    ['URN:UUID: uppercase', `URN:UUID:${CANONICAL.toUpperCase()}`],
    ['32 hex digits', CANONICAL.replaceAll('-', '')],
    ['32 uppercase hex digits', CANONICAL.replaceAll('-', '').toUpperCase()],
    ['surrounding whitespace', `  ${CANONICAL}\n`],
  ])('reads the %s spelling as the canonical lowercase form', (_label, raw) => {
    expect(parseInstallationId(raw)).toBe(CANONICAL)
  })

  it.each([
    ['empty', ''],
    ['too short', CANONICAL.slice(0, -1)],
    ['too long', `${CANONICAL}0`],
    ['not hex', CANONICAL.replace('a', 'g')],
    ['over 64 characters', `urn:uuid:${CANONICAL}${' '.repeat(40)}`],
    ['a word', 'not-a-uuid'],
  ])('rejects %s', (_label, raw) => {
    expect(parseInstallationId(raw)).toBeNull()
  })

  it.each([[null], [undefined], [42], [{ id: CANONICAL }], [[CANONICAL]]])('rejects the non-string %j', (raw) => {
    expect(parseInstallationId(raw)).toBeNull()
  })
})

describe('parseHeatPumpModel', () => {
  it.each([
    ['AERO SLM', { name: 'AERO SLM', key: 'aero_slm' }],
    ['  AERO   SLM  ', { name: 'AERO SLM', key: 'aero_slm' }],
    ['AERO_SLM', { name: 'AERO_SLM', key: 'aero_slm' }],
    ['TERRA SW Max / HGL', { name: 'TERRA SW Max / HGL', key: 'terra_sw_max_hgl' }],
    ['iPump A 3-11', { name: 'iPump A 3-11', key: 'ipump_a_3-11' }],
  ])('keeps %j and groups it by a normalised key', (raw, expected) => {
    expect(parseHeatPumpModel(raw)).toEqual(expected)
  })

  it.each([
    ['IDM Wärmepumpe'],
    ['IDM Wa\u0308rmepumpe'],
    ['IDM Wärmepumpe (migriert)'],
    ['Andere / Unbekannt'],
    ['unknown'],
  ])('keeps the placeholder %j as a name without a grouping key', (raw) => {
    expect(parseHeatPumpModel(raw)).toEqual({ name: raw.normalize('NFC'), key: null })
  })

  it.each([[''], ['   '], [null], [undefined]])('reads %j as no model', (raw) => {
    expect(parseHeatPumpModel(raw)).toEqual({ name: null, key: null })
  })

  it.each([
    ['a newline', 'AERO\nSLM'],
    ['a NUL', 'AERO\u0000'],
    ['DEL', 'AERO\u007f'],
    ['a C1 control', 'AERO\u0085SLM'],
    ['a line separator', 'AERO\u2028SLM'],
  ])('rejects a name with %s as control_characters', (_label, raw) => {
    expect(parseHeatPumpModel(raw)).toBe('control_characters')
  })

  it('accepts exactly the maximum length', () => {
    const raw = 'x'.repeat(MAX_MODEL_NAME_LENGTH)
    expect(parseHeatPumpModel(raw)).toEqual({ name: raw, key: raw })
  })

  it.each([
    ['101 characters', 'x'.repeat(MAX_MODEL_NAME_LENGTH + 1)],
    ['far beyond the limit', 'x'.repeat(10_000)],
  ])('rejects %s as too_long', (_label, raw) => {
    expect(parseHeatPumpModel(raw)).toBe('too_long')
  })

  it('measures the length after tidying whitespace', () => {
    expect(parseHeatPumpModel(`  ${'x'.repeat(MAX_MODEL_NAME_LENGTH)}  `)).toEqual({
      name: 'x'.repeat(MAX_MODEL_NAME_LENGTH), key: 'x'.repeat(MAX_MODEL_NAME_LENGTH),
    })
  })

  it.each([[42], [true], [{ name: 'AERO SLM' }], [['AERO SLM']]])('rejects the non-string %j as not_a_string', (raw) => {
    expect(parseHeatPumpModel(raw)).toBe('not_a_string')
  })
})
