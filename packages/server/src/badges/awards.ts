/**
 * How a computation changes the stored badges of one installation under one rules version:
 * a newly earned badge is added; a stored one keeps the earliest earned day ever found (data
 * that arrive later, e.g. back-filled samples, may move it earlier, never later); a stored badge
 * that the data no longer earn stays as it is. Pure.
 */
export interface StoredBadge {
  readonly badge: string
  readonly earnedDay: number
}

export interface BadgeWrite {
  readonly badge: string
  readonly earnedDay: number
  /** true: not stored before; false: an earlier earned day for a stored badge. */
  readonly isNew: boolean
}

export function badgeWrites (stored: readonly StoredBadge[], earned: ReadonlyMap<string, number>): BadgeWrite[] {
  const known = new Map(stored.map((b) => [b.badge, b.earnedDay]))
  const writes: BadgeWrite[] = []
  for (const [badge, earnedDay] of earned) {
    const before = known.get(badge)
    if (before === undefined) writes.push({ badge, earnedDay, isNew: true })
    else if (earnedDay < before) writes.push({ badge, earnedDay, isNew: false })
  }
  return writes
}
