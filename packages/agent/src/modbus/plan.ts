import { pduAddress, registerCount, type RegisterKind, type RegisterMap } from './register-map.js'

/** One read request: `count` registers of `kind` from `start` (PDU addresses). */
export interface BlockRead {
  readonly kind: RegisterKind
  readonly start: number
  readonly count: number
}

export interface PlanOptions {
  /** Most registers in one request (default 50; the protocol allows 125). */
  readonly maxBlock?: number
  /** Unused registers a block may span to join two values (default 5). */
  readonly maxGap?: number
}

/** One value's registers: never split across two requests. */
interface Span { readonly kind: RegisterKind, readonly start: number, readonly end: number, readonly optional: boolean }

/**
 * The requests that read every register `map` names: per register kind, values in address order
 * joined into blocks of at most `maxBlock` registers while the gap between them is at most
 * `maxGap`. A 32-bit value always lies inside one block. Optional registers (that a controller
 * may not have) are read on their own, so an illegal-address answer cannot fail a block.
 */
export function planReads (map: RegisterMap, options: PlanOptions = {}): BlockRead[] {
  const maxBlock = options.maxBlock ?? 50
  const maxGap = options.maxGap ?? 5
  const spans: Span[] = []
  for (const field of map.fields) {
    for (const part of field.parts) {
      const start = pduAddress(map, part)
      spans.push({ kind: part.kind, start, end: start + registerCount(part.type), optional: field.optional === true })
    }
  }
  const out: BlockRead[] = []
  for (const kind of ['holding', 'input'] as const) {
    const own = spans.filter((s) => s.kind === kind && !s.optional).sort((a, b) => a.start - b.start || a.end - b.end)
    let block: { start: number, end: number } | undefined
    for (const s of own) {
      if (block !== undefined && s.start - block.end <= maxGap && Math.max(block.end, s.end) - block.start <= maxBlock) {
        block.end = Math.max(block.end, s.end)
        continue
      }
      if (block !== undefined) out.push({ kind, start: block.start, count: block.end - block.start })
      block = { start: s.start, end: s.end }
    }
    if (block !== undefined) out.push({ kind, start: block.start, count: block.end - block.start })
    const optional = new Map<number, number>()
    for (const s of spans) if (s.kind === kind && s.optional) optional.set(s.start, Math.max(optional.get(s.start) ?? 0, s.end - s.start))
    for (const [start, count] of [...optional].sort((a, b) => a[0] - b[0])) out.push({ kind, start, count })
  }
  return out
}
