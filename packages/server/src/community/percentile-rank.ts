/**
 * Position of one heat pump's value among the other heat pumps of its group: the percentage of
 * the others with a lower value, ties counting half (mid-rank). 75 means "better than 75 % of
 * the others" for a metric where higher is better (COP). The heat pump itself is never among
 * `others`. Undefined when there are no others. Not rounded.
 */
export function percentileRank (value: number, others: readonly number[]): number | undefined {
  if (others.length === 0) return undefined
  let below = 0
  let equal = 0
  for (const o of others) {
    if (o < value) below++
    else if (o === value) equal++
  }
  return 100 * (below + equal / 2) / others.length
}
