import { describe, expect, it } from 'vitest'
import { coerceNumber } from './coerce.js'

describe('coerceNumber', () => {
  it.each([
    [0, 0],
    [-0.5, -0.5],
    [21.7, 21.7],
    [-273.15, -273.15],
    [Number.MAX_VALUE, Number.MAX_VALUE],
    [Number.MIN_VALUE, Number.MIN_VALUE],
  ])('keeps the finite number %s', (raw, expected) => {
    expect(coerceNumber(raw)).toBe(expected)
  })

  it.each([NaN, Infinity, -Infinity])('rejects %s as not_finite', (raw) => {
    expect(coerceNumber(raw)).toBe('not_finite')
  })

  it.each([
    [true, 1],
    [false, 0],
  ])('reads the boolean %s as %s', (raw, expected) => {
    expect(coerceNumber(raw)).toBe(expected)
  })

  it.each([
    ['42', 42],
    ['-3.5', -3.5],
    ['+7', 7],
    ['.5', 0.5],
    ['1.', 1],
    ['1e3', 1000],
    ['2.5E-1', 0.25],
    ['  12.25\t', 12.25],
    ['-0', -0],
  ])('reads the numeric text %j as %s', (raw, expected) => {
    expect(coerceNumber(raw)).toBe(expected)
  })

  it.each(['NaN', 'nan', 'inf', '-inf', '+Infinity', 'INFINITY', ' -Inf ', '1e400', '-1e999'])(
    'rejects the non-finite text %j as not_finite', (raw) => {
      expect(coerceNumber(raw)).toBe('not_finite')
    })

  it.each(['', '   ', 'abc', 'HEATING', '0x1F', '1,5', '1_000', '12 kW', '--1', 'e5', '.', 'true', 'null'])(
    'rejects the text %j as not_a_number', (raw) => {
      expect(coerceNumber(raw)).toBe('not_a_number')
    })

  it.each([
    [{ value: 1, text: 'HEATING' }, 1],
    [{ value: 0, text: 'OFF' }, 0],
    [{ value: '4', text: 'HOT_WATER_ONLY' }, 4],
    [{ value: true, text: 'ON' }, 1],
    [{ value: 65535 }, 65535],
  ])('reads the enum object %j as its value %s', (raw, expected) => {
    expect(coerceNumber(raw)).toBe(expected)
  })

  it.each([
    [{ value: NaN, text: 'X' }, 'not_finite'],
    [{ value: 'inf', text: 'X' }, 'not_finite'],
    [{ value: 'HEATING', text: 'X' }, 'not_a_number'],
    [{ value: null, text: 'X' }, 'missing_value'],
    [{ value: undefined }, 'missing_value'],
  ])('passes the enum value of %j through the same rules: %s', (raw, expected) => {
    expect(coerceNumber(raw)).toBe(expected)
  })

  it.each([
    [{ value: { value: 1 } }],
    [{ value: [1] }],
    [{ text: 'HEATING' }],
    [{}],
    [{ val: 1 }],
    [Object.create({ value: 1 }) as object],
  ])('rejects the object %j as not_a_number (no own scalar value)', (raw) => {
    expect(coerceNumber(raw)).toBe('not_a_number')
  })

  it.each([[[]], [[1]], [[1, 2]], [['3']]])('rejects the array %j as not_a_number', (raw) => {
    expect(coerceNumber(raw)).toBe('not_a_number')
  })

  it.each([
    [null, 'missing_value'],
    [undefined, 'missing_value'],
  ])('reads %s as missing_value', (raw, expected) => {
    expect(coerceNumber(raw)).toBe(expected)
  })

  it.each([
    [10n],
    [Symbol('x')],
    [() => 1],
  ])('rejects the non-JSON value %s as not_a_number', (raw) => {
    expect(coerceNumber(raw)).toBe('not_a_number')
  })
})
