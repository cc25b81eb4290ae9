import { afterEach, describe, expect, it } from 'vitest'
import { ecodanA1mMap, heishamonModbusMap, idmNavigatorMap, stiebelIsgMap } from '../../src/modbus/drivers/index.js'
import { planReads } from '../../src/modbus/plan.js'
import type { RegisterMap } from '../../src/modbus/register-map.js'
import { ModbusReader, readDevice, type Clock, type ReadResult } from '../../src/modbus/transport.js'
import { deviceFor, freePort, waitFor, type Device } from './support/modbus-device.js'
import { float, IDM_READINGS, IDM_REGISTERS, int16, type RegisterFixture } from './support/modbus-registers.js'

const readers: ModbusReader[] = []
afterEach(async () => {
  for (const r of readers.splice(0)) await r.close()
})

function reader (map: RegisterMap, device: Device, options: Partial<ConstructorParameters<typeof ModbusReader>[1]> = {}): ModbusReader {
  const r = new ModbusReader(map, { host: '127.0.0.1', port: device.port, timeoutMs: 500, ...options })
  readers.push(r)
  return r
}

/** A clock whose sleeps return at once and are recorded. */
function fakeClock (): Clock & { slept: number[] } {
  let now = 1_000_000
  const slept: number[] = []
  return { slept, now: () => now, sleep: async (ms) => { slept.push(ms); now += ms } }
}

/** Stiebel documents registers from 1. */
const doc = (n: number) => n - 1


const STIEBEL: RegisterFixture = [
  ['input', doc(507), [int16(-35)]],
  ['input', doc(515), [352]],
  ['input', doc(516), [0x8000]],
  ['input', doc(521), [1875]],
  ['input', doc(522), [485]],
  ['input', doc(545), [150]],
  ['input', doc(547), [0x8000]],
  ['input', doc(2501), [1 << 5]],
  ['input', doc(3502), [345, 12]],
  ['input', doc(3505), [678, 3]],
  ['input', doc(3512), [901, 4]],
  ['input', doc(3515), [2, 1]],
  ['input', doc(3680), [25]],
]
const STIEBEL_READINGS = {
  temp_outdoor: -3.5,
  temp_flow: 35.2,
  flow_rate: 18.75,
  temp_hot_water: 48.5,
  pressure_low: 1.5,
  operating_mode: 3,
  energy_heat_total: 12_345 + 3_678,
  energy_electric_total: 4_901 + 1_002,
  power_electric: 2500,
}

describe('Modbus TCP transport against a real server', () => {
  it('iDM: floats low word first through FC03 (outdoor 3.5 °C), −1 and 0xFFFF as no value', async () => {
    const device = await deviceFor(idmNavigatorMap, IDM_REGISTERS)
    const r = reader(idmNavigatorMap, device)
    const first = await r.read()
    expect(first.errors).toEqual([])
    expect(first.readings).toEqual(IDM_READINGS)
    expect(first.raw.get('holding:1000')).toBe(float(3.5, 'low_first')[0])
    device.tables.holding.set(1090, 0xffff)
    const second = await r.read()
    expect(second.readings).not.toHaveProperty('operating_mode')
    expect(second.readings).not.toHaveProperty('power_heat')
    expect(second.readings.temp_outdoor).toBe(3.5)
  })

  it('Stiebel ISG: 1-based addresses through FC04, energy = MWh × 1000 + kWh, 0x8000 as no value', async () => {
    const device = await deviceFor(stiebelIsgMap, STIEBEL)
    const result = await readDevice(stiebelIsgMap, { host: '127.0.0.1', port: device.port, timeoutMs: 500 })
    expect(result.errors).toEqual([])
    expect(result.readings).toEqual(STIEBEL_READINGS)
    expect(result.readings).not.toHaveProperty('temp_return')
    expect(result.readings).not.toHaveProperty('pressure_high')
  })

  it('Ecodan A1M and HeishaMon: their fixtures decode to the canonical values', async () => {
    const ecodan = await deviceFor(ecodanA1mMap, [
      ['input', 58, [int16(-52)]], ['input', 60, [3550]], ['input', 62, [3000]], ['input', 64, [4825]],
      ['input', 32, [45]], ['input', 173, [17]], ['input', 162, [1234]], ['input', 172, [9876]], ['holding', 26, [2]],
    ])
    const e = await readDevice(ecodanA1mMap, { host: '127.0.0.1', port: ecodan.port, timeoutMs: 500 })
    expect(e.errors).toEqual([])
    expect(e.readings).toEqual({
      temp_outdoor: -5.2, temp_flow: 35.5, temp_return: 30, temp_hot_water: 48.25, compressor_frequency: 45, flow_rate: 17, energy_electric_total: 1234, energy_heat_total: 9876, operating_mode: 1,
    })

    const heisha = await deviceFor(heishamonModbusMap, [
      ['holding', 1, [1875]], ['holding', 5, [3000]], ['holding', 6, [3550]], ['holding', 8, [45]], ['holding', 10, [4825]], ['holding', 14, [int16(-150)]],
      ['holding', 15, [3200]], ['holding', 38, [0]], ['holding', 40, [800]], ['holding', 16, [700]], ['holding', 39, [0]], ['holding', 41, [300]],
      ['holding', 62, [600]], ['holding', 64, [2000]], ['holding', 66, [500]],
    ])
    const h = await readDevice(heishamonModbusMap, { host: '127.0.0.1', port: heisha.port, timeoutMs: 500 })
    expect(h.errors).toEqual([])
    const { pressure_high: high, pressure_low: low, ...rest } = h.readings
    expect(rest).toEqual({ flow_rate: 18.75, temp_return: 30, temp_flow: 35.5, compressor_frequency: 45, temp_hot_water: 48.25, temp_outdoor: -1.5, power_heat: 4000, power_electric: 1000, fan_speed: 600 })
    expect(high).toBeCloseTo(19.6133, 6)
    expect(low).toBeCloseTo(4.903325, 6)
  })

  it('the unit id is the map\'s by default and the device\'s when given', async () => {
    const device = await deviceFor(ecodanA1mMap, [['holding', 26, [1]]])
    await reader(ecodanA1mMap, device).read()
    expect(new Set(device.units)).toEqual(new Set([1]))
    device.units.length = 0
    const result = await reader(ecodanA1mMap, device, { unitId: 7 }).read()
    expect(result.readings.operating_mode).toBe(3)
    expect(new Set(device.units)).toEqual(new Set([7]))
  })

  it('with small blocks, a float at a block boundary is never split and reads right', async () => {
    const plan = planReads(idmNavigatorMap, { maxBlock: 3 })
    // One block ends where the next float starts: 1050–1051 | 1052–1053.
    expect(plan).toContainEqual({ kind: 'holding', start: 1050, count: 2 })
    expect(plan).toContainEqual({ kind: 'holding', start: 1052, count: 2 })
    const device = await deviceFor(idmNavigatorMap, IDM_REGISTERS)
    const result = await reader(idmNavigatorMap, device, { plan: { maxBlock: 3 } }).read()
    expect(result.errors).toEqual([])
    expect(result.readings).toEqual(IDM_READINGS)
  })

  it('a block refused with "illegal data address" is read value by value: the rest still decode; a missing optional register is simply absent', async () => {
    // PDU 517 lies in the block 514–521 but is no value: the block fails, its values do not.
    // The optional inverter power (3680) is not there at all.
    const device = await deviceFor(stiebelIsgMap, STIEBEL, [['input', 517], ['input', doc(3680)]])
    expect(planReads(stiebelIsgMap)).toContainEqual({ kind: 'input', start: 514, count: 8 })
    const result = await reader(stiebelIsgMap, device).read()
    expect(result.errors).toEqual([])
    const { power_electric: _, ...withoutPower } = STIEBEL_READINGS
    expect(result.readings).toEqual(withoutPower)

    // A value register missing: that value has no reading and an error names it; the others decode.
    device.tables.input.delete(doc(515))
    const again = await reader(stiebelIsgMap, device).read()
    expect(again.readings).not.toHaveProperty('temp_flow')
    expect(again.readings).toMatchObject({ temp_outdoor: -3.5, flow_rate: 18.75, temp_hot_water: 48.5, energy_heat_total: 16_023 })
    expect(again.errors).toEqual([{ kind: 'input', start: doc(515), count: 1, exception: 2, message: expect.stringMatching(/Modbus exception 2/) }])
  })

  it('a connection dropped mid-read: the read reports it; the next read waits the backoff, reconnects and succeeds', async () => {
    const device = await deviceFor(idmNavigatorMap, IDM_REGISTERS)
    const clock = fakeClock()
    const r = reader(idmNavigatorMap, device, { clock, backoff: { initialMs: 100, maxMs: 400 } })
    expect((await r.read()).readings).toEqual(IDM_READINGS)

    device.hang = true
    const pending = r.read()
    await device.heldRequest()
    await device.stop()
    const dropped = await pending
    expect(dropped.errors).toEqual([{ kind: 'connection', message: expect.stringMatching(/closed|ECONNRESET/) }])
    expect(dropped.readings).toEqual({})

    // Down: each attempt waits twice as long, up to the cap.
    const down = await r.read()
    expect(down.errors).toEqual([{ kind: 'connection', message: expect.stringMatching(/ECONNREFUSED/) }])
    await r.read()
    await r.read()
    await r.read()
    expect(clock.slept).toEqual([100, 200, 400, 400])

    device.hang = false
    await device.start()
    const back = await r.read()
    expect(back.errors).toEqual([])
    expect(back.readings).toEqual(IDM_READINGS)
    expect(r.backoffMs).toBe(0)
  })

  it('no answer within the timeout breaks the connection; the next read reconnects', async () => {
    const device = await deviceFor(ecodanA1mMap, [['holding', 26, [2]]])
    const clock = fakeClock()
    const r = reader(ecodanA1mMap, device, { timeoutMs: 150, clock })
    device.hang = true
    const started = Date.now()
    const silent = await r.read()
    expect(Date.now() - started).toBeLessThan(2000)
    expect(silent.errors).toEqual([{ kind: 'connection', message: expect.stringMatching(/no answer within 150 ms|Timed out/) }])
    device.hang = false
    const back = await r.read()
    expect(back.errors).toEqual([])
    expect(back.readings.operating_mode).toBe(1)
    expect(clock.slept).toEqual([1000])
  })

  it('poll keeps going through a server outage, reporting errors, and reads again when it is back', async () => {
    const device = await deviceFor(stiebelIsgMap, STIEBEL)
    const r = reader(stiebelIsgMap, device, { backoff: { initialMs: 10, maxMs: 40 } })
    const results: ReadResult[] = []
    const stop = r.poll(20, (result) => {
      results.push(result)
      if (results.length === 2) throw new Error('a failing consumer does not stop polling')
    })
    try {
      await waitFor(() => results.length >= 2)
      await device.stop()
      await waitFor(() => results.some((x) => x.errors.some((e) => e.kind === 'connection')))
      await device.start()
      const before = results.length
      await waitFor(() => results.slice(before).some((x) => x.errors.length === 0))
    } finally {
      await stop()
    }
    expect(results[0]?.readings).toEqual(STIEBEL_READINGS)
    expect(results.at(-1)?.readings).toEqual(STIEBEL_READINGS)
    const count = results.length
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(results).toHaveLength(count)
  })

  it('a device that is not there: a connection error, nothing read', async () => {
    const port = await freePort()
    const result = await readDevice(idmNavigatorMap, { host: '127.0.0.1', port, timeoutMs: 500 })
    expect(result).toEqual({ readings: {}, raw: new Map(), errors: [{ kind: 'connection', message: expect.stringMatching(/ECONNREFUSED/) }] })
  })
})
