import { registerKey, type RegisterKind } from '../../../src/modbus/register-map.js'

/** Register contents as fixtures write them: (kind, PDU address, 16-bit words from there). */
export type RegisterFixture = [RegisterKind, number, number[]][]

/** A float32 as two registers, low word first (iDM) or high word first. */
export function float (value: number, order: 'low_first' | 'high_first'): number[] {
  const buf = Buffer.alloc(4)
  buf.writeFloatBE(value, 0)
  const words = [buf.readUInt16BE(0), buf.readUInt16BE(2)]
  return order === 'low_first' ? words.reverse() : words
}

/** A signed 16-bit value as the register holds it. */
export const int16 = (v: number) => (v < 0 ? v + 0x10000 : v)

/** The fixture as the decoder's input: `kind:address` → word. */
export function registers (entries: RegisterFixture): Map<string, number> {
  const out = new Map<string, number>()
  for (const [kind, start, words] of entries) words.forEach((w, i) => out.set(registerKey(kind, start + i), w))
  return out
}

/** An iDM Navigator's registers: 3.5 °C outdoor (low word first), heating… and −1 (none) for heat power. */
export const IDM_REGISTERS: RegisterFixture = [
  ['holding', 1000, float(3.5, 'low_first')],
  ['holding', 1014, float(48.25, 'low_first')],
  ['holding', 1050, float(35.5, 'low_first')],
  ['holding', 1052, float(30, 'low_first')],
  ['holding', 1090, [4]],
  ['holding', 1750, float(12345.5, 'low_first')],
  ['holding', 4122, float(1.5, 'low_first')],
  ['holding', 4126, float(-1, 'low_first')],
]

/** What `IDM_REGISTERS` decode to. */
export const IDM_READINGS = { temp_outdoor: 3.5, temp_hot_water: 48.25, temp_flow: 35.5, temp_return: 30, operating_mode: 3, energy_heat_total: 12345.5, power_electric: 1500 }
