import { votersOf } from './comparison.js'
import { publishDistribution } from './disclosure.js'
import type { MemberSums } from './group-snapshots.js'
import type { GroupMember } from './group-sums.js'

/**
 * The public community page's model list (issue 6 item 6): per heat-pump model with voters of
 * at least K installations, n and the seasonal COP's median and p25–p75 (each published under
 * the rank-gap rule of disclosure.ts). Groups under K are not listed at all. Pure.
 */
export interface ModelEntry {
  readonly model: string
  readonly model_key: string
  readonly installations: number
  readonly heat_pumps: number
  readonly seasonal_cop: { readonly median: number | null, readonly p25: number | null, readonly p75: number | null }
}

/** The name most heat pumps of the group report (ties: the first in code-point order), else the key. */
export function displayName (members: readonly GroupMember[], modelKey: string): string {
  const counts = new Map<string, number>()
  for (const m of members) if (m.modelName !== null) counts.set(m.modelName, (counts.get(m.modelName) ?? 0) + 1)
  let best: string | undefined
  let bestCount = 0
  for (const [name, count] of counts) {
    if (count > bestCount || (count === bestCount && best !== undefined && name < best)) { best = name; bestCount = count }
  }
  return best ?? modelKey
}

export function modelEntry (modelKey: string, members: readonly MemberSums[], k: number): ModelEntry | undefined {
  const figures = publishDistribution(votersOf('cop', members, false), k, 'public')
  if (figures.installations === null || figures.heat_pumps === null) return undefined
  return {
    model: displayName(members.map((m) => m.member), modelKey),
    model_key: modelKey,
    installations: figures.installations,
    heat_pumps: figures.heat_pumps,
    seasonal_cop: { median: figures.median ?? null, p25: figures.p25 ?? null, p75: figures.p75 ?? null },
  }
}

/** Entries of the groups that qualify, most installations first. */
export function modelsPage (groups: readonly { modelKey: string, members: readonly MemberSums[] }[], k: number): ModelEntry[] {
  const entries: ModelEntry[] = []
  for (const g of groups) {
    const e = modelEntry(g.modelKey, g.members, k)
    if (e !== undefined) entries.push(e)
  }
  return entries.sort((a, b) => b.installations - a.installations || (a.model_key < b.model_key ? -1 : 1))
}
