/**
 * Modbus drivers as data (issue 9): a driver is a register map and nothing else. Word order,
 * scaling, sentinel values, 1-based documentation addresses, enum and bit-field codes, and
 * counters split across registers (kWh + MWh) are all described per field and handled by one
 * decoder (`decodeRegisters`), never by special cases in a driver. The transport reads the
 * registers a map names (see `plan.ts`) and hands over what it got; decoding is pure.
 */
import type { MetricName } from '@heatpool/protocol/catalog'

export type RegisterKind = 'holding' | 'input'

/** How a value is laid out: one 16-bit register, or two for 32-bit types. */
export type ValueType = 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32'

/** Which register of a 32-bit value comes first on the wire. Bytes in a register are big-endian. */
export type WordOrder = 'high_first' | 'low_first'

/** One register (or register pair) and how to read it. */
export interface RegisterSource {
  /** Address as the driver's documentation numbers it (see `RegisterMap.addressBase`). */
  readonly address: number
  readonly kind: RegisterKind
  readonly type: ValueType
  /** Value = raw × scale (default 1), before any enum mapping. */
  readonly scale?: number
  /** 32-bit types only (default: the map's `wordOrder`). */
  readonly wordOrder?: WordOrder
  /**
   * Raw values meaning "not available" (as unsigned register contents for 16-bit types, e.g.
   * 0xFFFF, 0x8000; as the decoded number for 32-bit types): the field then has no value.
   */
  readonly sentinels?: readonly number[]
}

/** A code the controller reports, mapped to a canonical value (e.g. an operating mode). */
export type CodeMap = Readonly<Record<number, number>>

/** A bit field mapped to one canonical value: the first listed bit that is set decides. */
export interface BitMap {
  readonly bits: readonly { readonly bit: number, readonly value: number }[]
  /** When no listed bit is set. */
  readonly otherwise: number
}

export interface RegisterField {
  /** The canonical metric this field gives. */
  readonly metric: MetricName
  /**
   * The registers. Several parts are summed after scaling: a counter split into kWh and MWh
   * registers is two parts with scales 1 and 1000; consumption reported per use is one part per
   * use. A part without a value makes the whole field have none.
   */
  readonly parts: readonly RegisterSource[]
  /** Map the (summed) value through a table of codes. */
  readonly codes?: CodeMap
  /** Or through a bit field. */
  readonly bitField?: BitMap
  /** Values below this are "not available" (iDM floats report −1 for none). */
  readonly minValid?: number
  /** The controller may not have this register (an illegal-address answer is not an error). */
  readonly optional?: boolean
}

export interface RegisterMap {
  /** `--driver` name. */
  readonly id: string
  readonly name: string
  readonly manufacturer: string
  /** 0: documentation addresses are PDU addresses; 1: the documentation counts from 1. */
  readonly addressBase: 0 | 1
  readonly defaultPort: number
  readonly defaultUnitId: number
  /** Word order of 32-bit values unless a field says otherwise. */
  readonly wordOrder: WordOrder
  readonly fields: readonly RegisterField[]
  /** Where each value comes from and what is verified against which source (shown in docs). */
  readonly sources: readonly string[]
}

/** The registers read: `kind:pduAddress` → raw 16-bit contents. */
export type RegisterValues = ReadonlyMap<string, number>

export const registerKey = (kind: RegisterKind, pduAddress: number): string => `${kind}:${pduAddress}`

/** How many registers a value of `type` occupies. */
export const registerCount = (type: ValueType): 1 | 2 => (type === 'uint16' || type === 'int16' ? 1 : 2)

/** The 0-based address on the wire of a source of `map`. */
export const pduAddress = (map: Pick<RegisterMap, 'addressBase'>, source: Pick<RegisterSource, 'address'>): number => source.address - map.addressBase

export type Readings = Partial<Record<MetricName, number>>

/** One source's value, or undefined when a register is missing or holds a sentinel. */
function readSource (map: RegisterMap, source: RegisterSource, raw: RegisterValues): number | undefined {
  const at = pduAddress(map, source)
  const first = raw.get(registerKey(source.kind, at))
  if (first === undefined) return undefined
  let value: number
  if (registerCount(source.type) === 1) {
    if (source.sentinels?.includes(first) === true) return undefined
    value = source.type === 'int16' && first >= 0x8000 ? first - 0x10000 : first
  } else {
    const second = raw.get(registerKey(source.kind, at + 1))
    if (second === undefined) return undefined
    const [high, low] = (source.wordOrder ?? map.wordOrder) === 'high_first' ? [first, second] : [second, first]
    const buf = Buffer.alloc(4)
    buf.writeUInt16BE(high, 0)
    buf.writeUInt16BE(low, 2)
    value = source.type === 'float32' ? buf.readFloatBE(0) : source.type === 'int32' ? buf.readInt32BE(0) : buf.readUInt32BE(0)
    if (!Number.isFinite(value) || source.sentinels?.includes(value) === true) return undefined
  }
  return value * (source.scale ?? 1)
}

/** The canonical value of one field, or undefined. */
export function decodeField (map: RegisterMap, field: RegisterField, raw: RegisterValues): number | undefined {
  let sum = 0
  for (const part of field.parts) {
    const v = readSource(map, part, raw)
    if (v === undefined) return undefined
    sum += v
  }
  if (field.minValid !== undefined && sum < field.minValid) return undefined
  if (field.codes !== undefined) return Object.hasOwn(field.codes, sum) ? field.codes[sum] : undefined
  if (field.bitField !== undefined) {
    const bits = Math.trunc(sum)
    for (const { bit, value } of field.bitField.bits) if ((bits & (1 << bit)) !== 0) return value
    return field.bitField.otherwise
  }
  // Scaling by 0.1 leaves binary noise (21.000000000000004): round to the precision the scale implies.
  return Math.round(sum * 1e6) / 1e6
}

/** Every field of `map` that has a value in `raw`, as canonical readings. */
export function decodeRegisters (map: RegisterMap, raw: RegisterValues): Readings {
  const out: Readings = {}
  for (const field of map.fields) {
    const value = decodeField(map, field, raw)
    if (value !== undefined) out[field.metric] = value
  }
  return out
}
