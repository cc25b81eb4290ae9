import type { ValueRejectReason } from './reasons.js'

const NUMERIC_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/
const NON_FINITE_TEXT = /^[+-]?(?:nan|inf|infinity)$/i

/**
 * Reads one raw sensor value as a number, the way the upstream drivers and the local metrics
 * writer meant it: booleans are 1/0, enum objects `{value, text}` are their `value`, numeric text
 * is its number. Anything else is a reason to drop the value, never an exception.
 */
export function coerceNumber (raw: unknown): number | ValueRejectReason {
  switch (typeof raw) {
    case 'number':
      return Number.isFinite(raw) ? raw : 'not_finite'
    case 'boolean':
      return raw ? 1 : 0
    case 'string': {
      const text = raw.trim()
      if (NUMERIC_TEXT.test(text)) {
        const n = Number(text)
        return Number.isFinite(n) ? n : 'not_finite'
      }
      return NON_FINITE_TEXT.test(text) ? 'not_finite' : 'not_a_number'
    }
    case 'object':
      if (raw === null) return 'missing_value'
      if (!Array.isArray(raw) && Object.hasOwn(raw, 'value')) {
        const inner = (raw as { value: unknown }).value
        // One level only: an enum's value is a scalar; deeper nesting is not a sensor value.
        return typeof inner === 'object' && inner !== null ? 'not_a_number' : coerceNumber(inner)
      }
      return 'not_a_number'
    default:
      return raw === undefined ? 'missing_value' : 'not_a_number'
  }
}
