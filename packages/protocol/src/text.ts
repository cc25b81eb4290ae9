// C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/

/** True when `text` contains a control character (these never belong in a name or label). */
export function hasControlCharacters (text: string): boolean {
  return CONTROL.test(text)
}

/**
 * A short identifier from a client (heat-pump id, driver id): trimmed, 1..maxLength characters,
 * no control characters. Anything else is `null`.
 */
export function sanitiseLabel (raw: unknown, maxLength: number): string | null {
  if (typeof raw !== 'string') return null
  const text = raw.trim()
  if (text.length === 0 || text.length > maxLength || hasControlCharacters(text)) return null
  return text
}
