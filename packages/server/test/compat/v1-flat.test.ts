import { describe, expect, it } from 'vitest'
import { build, newId, v1Payload, v1Record } from '../helper.js'
import { SHARED_TOKEN } from './payloads.js'
import { expectedSamples, heatPumpRows, installationRows, sampleRowCount, storedSamples } from './stored.js'

/** Ten minutes after the upstream spec's example timestamp 1700000000.5 (2023-11-14T22:13:20.5Z). */
const CLOCK_MS = 1_700_000_600_000

describe('v1.0.2 flat records from an iDM logger', () => {
  it('stores each catalog value under hp-legacy, converted to catalog units, and ignores the rest', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN }, CLOCK_MS)
    const id = newId()
    const records = [
      // helper defaults: temp_outside 5.5, flow 35.2, return 30.1, power_current 5.2 kW, power_current_draw 1.3 kW,
      // status_system 1 + status_system_str, request_heating true
      v1Record(1700000000.5, {
        temp_water_heater_top: 48.5,
        energy_heat_total: 12345.6,
        status_heat_pump: 1,
        status_heat_pump_str: 'HEATING',
        power_solar_production: 3.1,
        humidity: 45.0,
        price_energy: 0.32,
      }),
      v1Record(1700000030.25, {
        temp_outside: 5, // an int register
        power_current: 6.75,
        power_current_draw: 2.0,
        power_thermal: 6.5, // 4126: heat from the flow sensor, second choice after 1790
        temp_water_heater_bottom: 44.0, // only the bottom sensor: the fallback for hot water
        status_heat_pump: 4,
        status_heat_pump_str: 'WATER',
        request_heating: false,
      }),
      v1Record(1700000060.123456, {
        power_current: undefined,
        power_thermal: 0.35,
        temp_water_heater_top: 47.0,
        temp_water_heater_bottom: 41.5, // ignored: the top sensor wins
        status_heat_pump: 0,
        status_heat_pump_str: 'OFF',
        status_system: 0,
        status_system_str: 'STANDBY',
      }),
    ]
    const res = await t.submit(v1Payload(id, records), SHARED_TOKEN)

    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      status: 'success',
      processed: 3,
      installation_id: id,
      records: { received: 3, accepted: 3, rejected: 0 },
      values: {
        // r1: 5 helper catalog values + hot water, energy, mode; r2: 5 + hot water, mode; r3: 4 + power_thermal, hot water, mode
        accepted: 8 + 7 + 7,
        stored: 8 + 7 + 7,
        duplicate: 0,
        rejected: 0,
        // r1: status_system, _str, request_heating, status_heat_pump_str, PV, humidity, price;
        // r2: status_system, _str, request_heating, status_heat_pump_str, power_thermal (1790 present);
        // r3: status_system, _str, request_heating, status_heat_pump_str, temp_water_heater_bottom (top present)
        ignored: 7 + 5 + 5,
      },
      rejected_reasons: { records: {}, values: {} },
    })

    expect(await storedSamples(t, id)).toEqual(expectedSamples('hp-legacy', [
      [1700000000500, {
        temp_outdoor: 5.5,
        temp_flow: 35.2,
        temp_return: 30.1,
        temp_hot_water: 48.5,
        power_heat: 5.2 * 1000, // iDM trap: power_current is thermal output in kW
        power_electric: 1.3 * 1000, // power_current_draw is the electrical input in kW
        energy_heat_total: 12345.6,
        operating_mode: 1, // heating
      }],
      [1700000030250, {
        temp_outdoor: 5,
        temp_flow: 35.2,
        temp_return: 30.1,
        temp_hot_water: 44.0,
        power_heat: 6.75 * 1000,
        power_electric: 2.0 * 1000,
        operating_mode: 3, // hot water
      }],
      [1700000060123, {
        temp_outdoor: 5.5,
        temp_flow: 35.2,
        temp_return: 30.1,
        temp_hot_water: 47.0,
        power_heat: 0.35 * 1000,
        power_electric: 1.3 * 1000,
        operating_mode: 0, // off
      }],
    ]))

    expect(await heatPumpRows(t, id)).toEqual([{
      hp_key: 'hp-legacy', manufacturer: 'idm', driver_model: 'navigator_2_0', model_name: 'AERO SLM', model_key: 'aero_slm',
    }])
  })

  it('stores nothing of a record made only of values outside the catalog (data minimisation)', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN }, CLOCK_MS)
    const id = newId()
    const record = {
      timestamp: 1700000000.5,
      power_solar_production: 3.1,
      power_use_house: 0.8,
      power_drain_battery: 0.0,
      charge_state_battery: 87.0,
      humidity: 45.0,
      temp_room_circuit_a: 21.5,
      price_energy: 0.32,
      status_system: 1,
      status_system_str: 'AUTOMATIC',
      request_heating: true,
    }
    const res = await t.submit(v1Payload(id, [record]), SHARED_TOKEN)

    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      processed: 1,
      records: { received: 1, accepted: 1, rejected: 0 },
      values: { accepted: 0, stored: 0, duplicate: 0, rejected: 0, ignored: 10 },
    })
    expect(await storedSamples(t, id)).toEqual([])
    expect(await sampleRowCount(t)).toBe(0)
  })

  it('answers the upstream fields a v1.0.2 client reads: status and processed', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN }, CLOCK_MS)
    const id = newId()
    const res = await t.submit(v1Payload(id, [v1Record(1700000000.5), v1Record(1700000030.5)], { version: '1.0.2' }), SHARED_TOKEN)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.json()).toMatchObject({ status: 'success', processed: 2 })
    expect(await installationRows(t)).toMatchObject([{ id, model_name: 'AERO SLM', samples_total: 10 }])
  })

  it('keeps one heat pump across the client upgrade from v1 flat to v2 nested (hp-legacy)', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN }, CLOCK_MS)
    const id = newId()
    expect((await t.submit(v1Payload(id, [v1Record(1700000000.5)]), SHARED_TOKEN)).statusCode).toBe(200)
    const v2 = {
      installation_id: id,
      heatpump_model: 'AERO SLM',
      version: 'v1.0.2-1-gc646804',
      data_version: '2.0',
      data: [{
        timestamp: 1700000300.5,
        heatpumps: [{ id: 'hp-legacy', manufacturer: 'idm', model: 'navigator_2_0', values: { temp_outside: 4.0, power_current: 5.0 } }],
      }],
    }
    expect((await t.submit(v2, SHARED_TOKEN)).statusCode).toBe(200)

    expect(await heatPumpRows(t, id)).toHaveLength(1)
    expect(await storedSamples(t, id)).toEqual(expectedSamples('hp-legacy', [
      [1700000000500, { temp_outdoor: 5.5, temp_flow: 35.2, temp_return: 30.1, power_heat: 5.2 * 1000, power_electric: 1.3 * 1000 }],
      [1700000300500, { temp_outdoor: 4.0, power_heat: 5.0 * 1000 }],
    ]))
  })
})
