import { OperatingModeCode } from '@heatpool/protocol'
import { describe, expect, it } from 'vitest'
import { build, newId } from '../helper.js'
import {
  enumValue,
  heatPump,
  IDM,
  NIBE,
  SHARED_TOKEN,
  UNKNOWN,
  v2Payload,
  v2Record,
} from './payloads.js'
import { expectedSamples, heatPumpRows, sortSamples, storedSamples, type Sample } from './stored.js'

const NOW_S = Date.UTC(2026, 10, 27, 12) / 1000
const T0 = NOW_S - 3600 + 0.25 // float seconds, as time.time()
const ms = (s: number) => Math.round(s * 1000)

/**
 * `status_heat_pump` across six samples: an enum object for a single flag, a plain float when
 * several bits are set (5.0 = heating + hot water), and a bit pattern the register does not define.
 */
const STATUS_SEQUENCE: readonly [raw: unknown, mode: number | undefined][] = [
  [enumValue(1, 'HEATING'), OperatingModeCode.heating],
  [5.0, OperatingModeCode.hot_water],
  [enumValue(8, 'DEFROSTING'), OperatingModeCode.defrost],
  [enumValue(2, 'COOLING'), OperatingModeCode.cooling],
  [enumValue(0, 'OFF'), OperatingModeCode.off],
  [16.0, undefined],
]

function idmValues (i: number): Record<string, unknown> {
  return {
    temp_outside: 4.5 + i,
    temp_heat_pump_flow: 34.0 + i,
    temp_heat_pump_return: 29.5 + i,
    temp_water_heater_top: 51.0,
    power_current: 4.85, // kW thermal
    power_current_draw: 1.25, // kW electrical
    energy_heat_total: 15234.0 + i,
    status_heat_pump: (STATUS_SEQUENCE[i] as [unknown, number | undefined])[0],
    status_system: enumValue(1, 'AUTOMATIC'),
    mode_circuit_a: enumValue(1, 'TIMED'),
    request_heating: true,
    power_solar_production: 2.4,
    humidity: 48.0,
    price_energy: 0.29,
  }
}

function idmExpected (i: number): Sample[] {
  const mode = (STATUS_SEQUENCE[i] as [unknown, number | undefined])[1]
  return expectedSamples(IDM.id, [[ms(T0 + 30 * i), {
    temp_outdoor: 4.5 + i,
    temp_flow: 34.0 + i,
    temp_return: 29.5 + i,
    temp_hot_water: 51.0,
    power_heat: 4.85 * 1000,
    power_electric: 1.25 * 1000,
    energy_heat_total: 15234.0 + i,
    ...(mode === undefined ? {} : { operating_mode: mode }),
  }]])
}

function nibeValues (i: number): Record<string, unknown> {
  return {
    temp_outside: 4.2 + i,
    temp_supply_line: 38.5,
    temp_return_line: 33.0,
    temp_hot_water_top: 49.0,
    temp_hot_water_charging: 45.0, // BT6: only when BT7 (top) is missing
    temp_brine_in: 6.1,
    compressor_frequency: 52.0 + i,
    energy_produced_heating: 8000.5,
    energy_produced_hot_water: 2100.25,
    current_power: 1.5, // 43084: the immersion heater, not the compressor
    operating_mode: enumValue(0, 'AUTO'), // 47137: a setting, not the running mode
    degree_minutes: -120.0,
  }
}

function nibeExpected (i: number): Sample[] {
  return expectedSamples(NIBE.id, [[ms(T0 + 30 * i), {
    temp_outdoor: 4.2 + i,
    temp_flow: 38.5,
    temp_return: 33.0,
    temp_hot_water: 49.0,
    compressor_frequency: 52.0 + i,
    energy_heat_total: 8000.5 + 2100.25, // heating + hot water counters
  }]])
}

const records = STATUS_SEQUENCE.map((_, i) => v2Record(T0 + 30 * i, heatPump(IDM, idmValues(i)), heatPump(NIBE, nibeValues(i))))
const expected = sortSamples(STATUS_SEQUENCE.flatMap((_, i) => [...idmExpected(i), ...nibeExpected(i)]))

describe('v2 nested records (data_version "2.0")', () => {
  it.each([
    ['without batch fields (c646804 builds)', {}],
    ['first chunk of a flush', { batch_index: 1, total_records: 6 }],
    ['a later chunk (batch_index is the 1-based index of its first record)', { batch_index: 501, total_records: 506 }],
  ])('stores two heat pumps of one installation sample by sample, %s', async (_name, batch) => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    const res = await t.submit(v2Payload(id, records, batch), SHARED_TOKEN)

    expect(res.statusCode).toBe(200)
    const idmAccepted = 7 * 6 + 5 // 7 values every sample, operating_mode in 5 of 6
    const nibeAccepted = 7 * 6 // 5 metrics + both energy parts
    expect(res.json()).toEqual({
      status: 'success',
      processed: 6,
      installation_id: id,
      records: { received: 6, accepted: 6, rejected: 0 },
      values: {
        accepted: idmAccepted + nibeAccepted,
        stored: 7 * 6 + 5 + 6 * 6,
        duplicate: 0,
        rejected: 0,
        // iDM: status_system, mode_circuit_a, request_heating, PV, humidity, price (+ the undefined bit pattern 16);
        // NIBE: BT6, brine, current_power, operating_mode, degree_minutes
        ignored: 6 * 6 + 1 + 5 * 6,
      },
      rejected_reasons: { records: {}, values: {} },
    })
    expect(await storedSamples(t, id)).toEqual(expected)
    expect(await heatPumpRows(t, id)).toEqual([
      { hp_key: 'hp-1a2b3c4d', manufacturer: 'nibe', driver_model: 's_series', model_name: 'AERO SLM', model_key: 'aero_slm' },
      { hp_key: 'hp-legacy', manufacturer: 'idm', driver_model: 'navigator_2_0', model_name: 'AERO SLM', model_key: 'aero_slm' },
    ])
  })

  it('reads an unknown/unknown heat pump by canonical names and upstream training aliases only', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    const canonical = {
      temp_outdoor: 3.0,
      temp_flow: 40.0,
      temp_return: 35.5,
      temp_hot_water: 47.5,
      power_electric: 900, // W
      power_heat: 3600, // W
      energy_electric_total: 4021.5,
      energy_heat_total: 14110.0,
      compressor_frequency: 48.0,
      pressure_high: 24.5,
      pressure_low: 8.2,
      fan_speed: 650,
      flow_rate: 18.5,
      operating_mode: 1,
      temp_outside: -40.0, // alias of temp_outdoor: the canonical name wins
      power_current_draw: 1.1, // an iDM id: unknown to the canonical map
      room_temp: 21.0,
    }
    const aliases = {
      temp_outside: 2.5, // → temp_outdoor
      power_current: 3.1, // kW thermal → power_heat W
      power_compressor: 0.95, // kW electrical → power_electric W
      cop_current: 3.26, // derived, never stored
    }
    const res = await t.submit(v2Payload(id, [
      v2Record(T0, heatPump(UNKNOWN, canonical)),
      v2Record(T0 + 30, heatPump(UNKNOWN, aliases)),
    ]), SHARED_TOKEN)

    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      processed: 2,
      values: { accepted: 14 + 3, stored: 14 + 3, rejected: 0, ignored: 3 + 1 },
    })
    expect(await storedSamples(t, id)).toEqual(expectedSamples(UNKNOWN.id, [
      [ms(T0), {
        temp_outdoor: 3.0,
        temp_flow: 40.0,
        temp_return: 35.5,
        temp_hot_water: 47.5,
        power_electric: 900,
        power_heat: 3600,
        energy_electric_total: 4021.5,
        energy_heat_total: 14110.0,
        compressor_frequency: 48.0,
        pressure_high: 24.5,
        pressure_low: 8.2,
        fan_speed: 650,
        flow_rate: 18.5,
        operating_mode: 1,
      }],
      [ms(T0 + 30), { temp_outdoor: 2.5, power_heat: 3.1 * 1000, power_electric: 0.95 * 1000 }],
    ]))
    expect(await heatPumpRows(t, id)).toMatchObject([{ hp_key: UNKNOWN.id, manufacturer: 'unknown', driver_model: 'unknown' }])
  })

  it('keeps a record when heat-pump entries or values are malformed, and counts each', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    const res = await t.submit(v2Payload(id, [
      v2Record(T0,
        heatPump(IDM, { temp_outside: 4.5, temp_heat_pump_flow: -999.0 }), // -999: a sensor fault code, not a temperature
        { manufacturer: 'nibe', model: 's_series', values: { temp_outside: 1 } }, // no id
        // Client bug C1: the logger's timestamp key leaks into the heat-pump map as a pseudo heat pump.
        { id: 'timestamp', manufacturer: 'unknown', model: 'unknown', values: T0 },
        heatPump(NIBE, { temp_outside: 'x', temp_supply_line: [38.5] })),
    ]), SHARED_TOKEN)

    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      processed: 1,
      records: { received: 1, accepted: 1, rejected: 0 },
      values: { accepted: 1, stored: 1, rejected: 3 },
      rejected_reasons: { records: { invalid_heatpump: 2 }, values: { not_a_number: 2, out_of_range: 1 } },
    })
    expect(await storedSamples(t, id)).toEqual(expectedSamples(IDM.id, [[ms(T0), { temp_outdoor: 4.5 }]]))
  })

  it('reads flat and nested records in one data_version "2.0" batch record by record', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    // Builds that added data_version kept a snapshot flat when no value was a dict (upstream.md §1.2).
    const res = await t.submit(v2Payload(id, [
      { timestamp: T0, temp_outside: 4.5, power_current: 5.2, status_system: 1, status_system_str: 'AUTOMATIC' },
      v2Record(T0 + 30, heatPump(IDM, { temp_outside: 4.4, power_current: 5.1, status_system: enumValue(1, 'AUTOMATIC') })),
    ]), SHARED_TOKEN)

    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ processed: 2, values: { accepted: 4, stored: 4, ignored: 3 } })
    expect(await storedSamples(t, id)).toEqual(expectedSamples(IDM.id, [
      [ms(T0), { temp_outdoor: 4.5, power_heat: 5.2 * 1000 }],
      [ms(T0 + 30), { temp_outdoor: 4.4, power_heat: 5.1 * 1000 }],
    ]))
    expect(await heatPumpRows(t, id)).toHaveLength(1)
  })
})
