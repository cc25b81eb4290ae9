/**
 * ROC AUC: the probability that a random anomaly scores higher than a random normal observation,
 * ties counting one half (the Mann–Whitney U statistic over the product of the class sizes).
 * 1 is a perfect ranking, 0.5 is chance. O(n log n) by ranking with tied ranks averaged.
 */
export function rocAuc (labels: readonly boolean[], scores: readonly number[]): number {
  if (labels.length !== scores.length) throw new RangeError(`${labels.length} labels for ${scores.length} scores`)
  if (!scores.every(Number.isFinite)) throw new RangeError('scores must be finite numbers')
  const positives = labels.filter(Boolean).length
  const negatives = labels.length - positives
  if (positives === 0 || negatives === 0) throw new RangeError('ROC AUC needs both anomalies and normal observations')
  const order = scores.map((_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number))
  let positiveRankSum = 0
  for (let start = 0; start < order.length;) {
    let end = start
    while (end + 1 < order.length && scores[order[end + 1] as number] === scores[order[start] as number]) end++
    const rank = (start + end) / 2 + 1 // average 1-based rank of the tie group
    for (let i = start; i <= end; i++) if (labels[order[i] as number]) positiveRankSum += rank
    start = end + 1
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}
