/**
 * MQTT topic filters (MQTT 3.1.1 §4.7): `+` matches one level, `#` (last, alone in its level)
 * the rest, including nothing. Topics starting with `$` are not matched by a leading wildcard.
 */

/** Why `filter` is not a valid topic filter, or undefined when it is. */
export function filterProblem (filter: string): string | undefined {
  if (filter === '') return 'is empty'
  const levels = filter.split('/')
  for (const [i, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return '"#" must be a whole last level'
    if (level.includes('+') && level !== '+') return '"+" must be a whole level'
  }
  return undefined
}

export function topicMatches (filter: string, topic: string): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true
    if (i >= t.length) return false
    if (f[i] !== '+' && f[i] !== t[i]) return false
  }
  return f.length === t.length
}
