import { isDark } from '../../theme'

/** Axis text and grid colours of the current theme (Chart.js draws on canvas, so CSS variables do not reach it). */
export function axisColours (): { text: string, grid: string } {
  return isDark.value
    ? { text: '#e5e7eb', grid: 'rgba(255, 255, 255, 0.12)' }
    : { text: '#1f2937', grid: 'rgba(0, 0, 0, 0.08)' }
}

/** Distinct colours for stacked series, readable on light and dark backgrounds. */
export const SERIES_COLOURS = ['#ef4444', '#f59e0b', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16', '#f97316', '#6366f1', '#14b8a6', '#a855f7', '#eab308', '#64748b'] as const

export function seriesColour (index: number): string {
  return SERIES_COLOURS[index % SERIES_COLOURS.length] ?? '#64748b'
}
