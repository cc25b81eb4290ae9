import { isPlausible, METRIC_NAMES } from '@heatpool/protocol/catalog'
import { describe, expect, it } from 'vitest'
import { ecodanA1mMap, heishamonModbusMap, idmNavigatorMap, MODBUS_DRIVERS, stiebelIsgMap } from '../../src/modbus/drivers/index.js'
import { planReads } from '../../src/modbus/plan.js'
import { decodeRegisters, pduAddress, registerKey, type RegisterMap } from '../../src/modbus/register-map.js'
import { float, IDM_READINGS, IDM_REGISTERS, int16, registers } from './support/modbus-registers.js'

describe('Modbus register maps', () => {
  it('iDM: floats low word first, kW as W, the operating-state bits, 0xFFFF as no value', () => {
    const raw = registers(IDM_REGISTERS)
    expect(decodeRegisters(idmNavigatorMap, raw)).toEqual(IDM_READINGS)
    // −1 on a float that cannot be negative, and 0xFFFF on the state, mean "not available".
    raw.set(registerKey('holding', 1090), 0xffff)
    expect(decodeRegisters(idmNavigatorMap, raw)).not.toHaveProperty('operating_mode')
    expect(decodeRegisters(idmNavigatorMap, raw)).not.toHaveProperty('power_heat')
    // Defrost wins over heating when both bits are set.
    raw.set(registerKey('holding', 1090), 8 | 1)
    expect(decodeRegisters(idmNavigatorMap, raw).operating_mode).toBe(4)
    // High word first would read another number: the order is in the map, not in the decoder.
    const swapped = registers([['holding', 1000, float(3.5, 'high_first')]])
    expect(decodeRegisters(idmNavigatorMap, swapped).temp_outdoor).not.toBe(3.5)
  })

  it('Stiebel ISG: 1-based documentation addresses, tenths, 0x8000 as no value, energy as MWh × 1000 + kWh', () => {
    const doc = (n: number) => n - 1
    const raw = registers([
      ['input', doc(507), [int16(-35)]],
      ['input', doc(515), [352]],
      ['input', doc(516), [0x8000]],
      ['input', doc(521), [1875]],
      ['input', doc(2501), [(1 << 4) | (1 << 6)]],
      ['input', doc(3502), [345, 12]],
      ['input', doc(3505), [678, 3]],
      ['input', doc(3512), [901, 4]],
      ['input', doc(3515), [2, 1]],
    ])
    expect(decodeRegisters(stiebelIsgMap, raw)).toEqual({
      temp_outdoor: -3.5,
      temp_flow: 35.2,
      flow_rate: 18.75,
      operating_mode: 1,
      energy_heat_total: 12_345 + 3_678,
      energy_electric_total: 4_901 + 1_002,
    })
    // One part of a split counter missing: no total at all (never a total off by a megawatt-hour).
    raw.set(registerKey('input', doc(3506)), 0x8000)
    expect(decodeRegisters(stiebelIsgMap, raw)).not.toHaveProperty('energy_heat_total')
    expect(pduAddress(stiebelIsgMap, { address: 522 })).toBe(521)
  })

  it('Ecodan A1M and HeishaMon: their scales, codes and sums', () => {
    const ecodan = registers([['input', 58, [int16(-52)]], ['input', 60, [3550]], ['input', 172, [9876]], ['holding', 26, [1]]])
    expect(decodeRegisters(ecodanA1mMap, ecodan)).toEqual({ temp_outdoor: -5.2, temp_flow: 35.5, energy_heat_total: 9876, operating_mode: 3 })
    ecodan.set(registerKey('holding', 26), 6) // legionella: no canonical mode
    expect(decodeRegisters(ecodanA1mMap, ecodan)).not.toHaveProperty('operating_mode')
    const heisha = registers([['holding', 14, [int16(-150)]], ['holding', 15, [3200]], ['holding', 38, [0]], ['holding', 40, [800]], ['holding', 16, [700]], ['holding', 39, [0]], ['holding', 41, [300]]])
    expect(decodeRegisters(heishamonModbusMap, heisha)).toEqual({ temp_outdoor: -1.5, power_heat: 4000, power_electric: 1000 })
  })

  it('name only catalog metrics, and decode plausible values from mid-range registers', () => {
    for (const map of MODBUS_DRIVERS.values()) {
      for (const field of map.fields) expect(METRIC_NAMES, `${map.id} ${field.metric}`).toContain(field.metric)
      expect(map.sources.length).toBeGreaterThan(0)
    }
    expect([...MODBUS_DRIVERS.keys()]).toEqual(['idm', 'stiebel-isg', 'ecodan-a1m', 'heishamon-modbus'])
    expect(isPlausible('temp_outdoor', 3.5)).toBe(true)
  })
})

describe('read planning', () => {
  const covers = (map: RegisterMap, plan: ReturnType<typeof planReads>) => {
    for (const field of map.fields) {
      for (const part of field.parts) {
        const at = pduAddress(map, part)
        const size = part.type === 'int16' || part.type === 'uint16' ? 1 : 2
        // Every value inside one request: a float is never split between two.
        expect(plan.some((b) => b.kind === part.kind && b.start <= at && at + size <= b.start + b.count), `${map.id} ${field.metric}`).toBe(true)
      }
    }
  }

  it('joins nearby registers into blocks of at most 50 with gaps of at most 5, and never splits a value', () => {
    for (const map of MODBUS_DRIVERS.values()) {
      const plan = planReads(map)
      covers(map, plan)
      for (const b of plan) expect(b.count).toBeLessThanOrEqual(50)
    }
    // iDM: 1000–1001 and 1014–1015 are 12 apart (separate), 1050–1053 one block.
    expect(planReads(idmNavigatorMap).filter((b) => b.start >= 1000 && b.start < 1100)).toEqual([
      { kind: 'holding', start: 1000, count: 2 },
      { kind: 'holding', start: 1014, count: 2 },
      { kind: 'holding', start: 1050, count: 4 },
      { kind: 'holding', start: 1090, count: 1 },
    ])
  })

  it('respects smaller limits, and reads optional registers on their own', () => {
    const tiny = planReads(idmNavigatorMap, { maxBlock: 3, maxGap: 0 })
    covers(idmNavigatorMap, tiny)
    expect(tiny.find((b) => b.start === 1050)).toEqual({ kind: 'holding', start: 1050, count: 2 })
    const stiebel = planReads(stiebelIsgMap)
    expect(stiebel.at(-1)).toEqual({ kind: 'input', start: 3679, count: 1 })
    expect(stiebel.filter((b) => b.start <= 3679 && 3679 < b.start + b.count)).toHaveLength(1)
  })
})
