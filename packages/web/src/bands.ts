import type { Comparison, ComparisonBand } from './api'

/** One outdoor band on the chart's axis: published figures, or a gap the server withheld. */
export type BandRow =
  | { readonly band: number, readonly from: number, readonly to: number, readonly withheld: false, readonly figures: ComparisonBand }
  | { readonly band: number, readonly from: number, readonly to: number, readonly withheld: true }

/**
 * The bands from the coldest to the warmest published one, every step present: the server
 * leaves out bands under K installations, and those must show as gaps, never as zero.
 */
export function bandRows (comparison: Pick<Comparison, 'bands'>): BandRow[] {
  const published = [...comparison.bands].sort((a, b) => a.band - b.band)
  const first = published[0]
  const last = published[published.length - 1]
  if (first === undefined || last === undefined) return []
  const step = Math.max(1, first.to - first.from)
  const byBand = new Map(published.map((b) => [b.band, b]))
  const rows: BandRow[] = []
  for (let band = first.band; band <= last.band; band += step) {
    const figures = byBand.get(band)
    rows.push(figures === undefined ? { band, from: band, to: band + step, withheld: true } : { band, from: figures.from, to: figures.to, withheld: false, figures })
  }
  return rows
}
