import { randomUUID } from 'node:crypto'
import { OperatingModeCode } from '@heatpool/protocol/catalog'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { ebusdDecoder } from '../../src/sources/mqtt/ebusd.js'
import { heishamonDecoder } from '../../src/sources/mqtt/heishamon.js'
import { mappingDecoder, parseMapping } from '../../src/sources/mqtt/mapping.js'
import type { MqttDecoder } from '../../src/sources/mqtt/decoder.js'
import { MqttSource } from '../../src/sources/mqtt/source.js'
import { sourceEnvelope, type SourceRecord } from '../../src/sources/record.js'
import { ReadingSink } from '../../src/sources/sink.js'
import { waitFor } from './support/modbus-device.js'
import { NO_BROKER, publisher, testMqttUrl } from './support/mosquitto.js'
import { onCleanup } from './support/rig.js'

const ID = 'c0ffee00-1234-4abc-8def-0123456789ab'

/** A source on the real broker whose records land in `records` (one interval = one `emit()`). */
async function sourceOn (url: string, decoder: MqttDecoder, logs: { msg: string }[] = []) {
  const records: SourceRecord[] = []
  const outbox = { append: (_id: string, _e: unknown, json: readonly string[]) => { records.push(...json.map((j) => JSON.parse(j) as SourceRecord)); return 0 } }
  const sink = new ReadingSink({ outbox, installationId: ID, envelope: sourceEnvelope(''), consentGiven: () => true, maxRecords: 1 })
  const log = pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line) as { msg: string }) } })
  const source = await MqttSource.start(decoder, { url, intervalMs: 3_600_000, reconnectMs: 50 }, sink, log)
  onCleanup(async () => { await source.close(); sink.close() })
  await waitFor(() => source.status.connected)
  // The subscription is acknowledged before anything is published.
  await new Promise((resolve) => setTimeout(resolve, 100))
  return { source, records }
}

describe('MQTT sources against the real broker', () => {
  it('HeishaMon: plain-value topics become one record per interval, power summed per use, operating mode derived; a malformed value is counted and logged', async (ctx) => {
    const url = await testMqttUrl()
    if (url === undefined) return ctx.skip(NO_BROKER)
    const base = `heatpool-test-${randomUUID()}`
    const logs: { msg: string }[] = []
    const { source, records } = await sourceOn(url, heishamonDecoder(base), logs)
    const pub = await publisher(url)
    const topics: Record<string, string> = {
      Heatpump_State: '1', Pump_Flow: '18.75', Operating_Mode_State: '4', Main_Inlet_Temp: '30', Main_Outlet_Temp: '35.5', Compressor_Freq: '45', DHW_Temp: '48.25', Outside_Temp: '-1.5',
      Heat_Power_Production: '3200', Heat_Power_Consumption: '700', ThreeWay_Valve_State: '0', Defrosting_State: '0', Cool_Power_Production: '0', Cool_Power_Consumption: '0',
      DHW_Power_Production: '800', DHW_Power_Consumption: '300', Fan1_Motor_Speed: '600', High_Pressure: '20', Low_Pressure: '5', Main_Target_Temp: '36',
    }
    for (const [name, value] of Object.entries(topics)) await pub.send(`${base}/main/${name}`, value)
    await pub.send(`${base}/main/Outside_Temp`, 'n/a')
    await waitFor(() => source.status.reads >= 19 && source.status.failures >= 1)
    source.emit()
    expect(records).toHaveLength(1)
    const { pressure_high: high, pressure_low: low, ...rest } = records[0]?.heatpumps[0].values ?? {}
    expect(rest).toEqual({ flow_rate: 18.75, temp_return: 30, temp_flow: 35.5, compressor_frequency: 45, temp_hot_water: 48.25, temp_outdoor: -1.5, fan_speed: 600, power_heat: 4000, power_electric: 1000, operating_mode: OperatingModeCode.heating })
    expect(high).toBeCloseTo(19.6133, 6)
    expect(low).toBeCloseTo(4.903325, 6)
    expect(records[0]?.heatpumps[0]).toMatchObject({ id: 'hp-mqtt-heishamon', manufacturer: 'panasonic' })
    expect(source.status.view()).toMatchObject({ kind: 'mqtt', driver: 'heishamon', connected: true, failures: 1, records: 1, last_error: { message: expect.stringMatching(/Outside_Temp: not a number: "n\/a"/) } })
    expect(logs.filter((l) => l.msg === 'malformed MQTT payload ignored')).toHaveLength(1)

    // Next interval: only the valve changed (hot water); the rest is held from before.
    await pub.send(`${base}/main/ThreeWay_Valve_State`, '1')
    for (let i = 0; i < 5; i++) await pub.send(`${base}/main/DHW_Temp`, '{"broken')
    await waitFor(() => source.status.failures >= 6)
    source.emit()
    expect(records[1]?.heatpumps[0].values).toMatchObject({ operating_mode: OperatingModeCode.hot_water, temp_outdoor: -1.5, temp_hot_water: 48.25 })
    // Logged at most once a minute.
    expect(logs.filter((l) => l.msg === 'malformed MQTT payload ignored')).toHaveLength(1)
    source.emit()
    expect(records).toHaveLength(2)
  })

  it('ebusd: the documented JSON shapes and plain text of a Vaillant aroTHERM plus, heat as yield + consumption', async (ctx) => {
    const url = await testMqttUrl()
    if (url === undefined) return ctx.skip(NO_BROKER)
    const base = `heatpool-test-${randomUUID()}`
    const { source, records } = await sourceOn(url, ebusdDecoder(base))
    const pub = await publisher(url)
    const messages: [string, string][] = [
      ['hmu/RunDataFlowTemp', '{"0": {"name": "", "value": 35.25}}'],
      ['hmu/RunDataReturnTemp', '{"value": 30.5}'],
      ['broadcast/Outsidetemp', '{"temp2": {"value": -2.5}}'],
      ['ctlv2/HwcStorageTemp', '48.5'],
      ['hmu/CurrentYieldPower', '{"value": {"value": 3.2}}'],
      ['hmu/CurrentConsumedPower', '0.9'],
      ['hmu/ConsumptionTotal', '1234;ok'],
      ['hmu/RunDataStatuscode', '{"value": {"value": "Heating_Compressor_active"}}'],
      ['hmu/RunDataFan1Speed', '{"value": {"value": 420, "unit": "rpm"}}'],
      ['hmu/FlowTemp', '{"temp": {"value": 20}, "sensor": {"value": "cutoff"}}'],
      ['hmu/SomethingElse', '{"value": 1}'],
      ['global/uptime', '12345'],
    ]
    for (const [topic, payload] of messages) await pub.send(`${base}/${topic}`, payload)
    await waitFor(() => source.status.reads >= 9 && source.status.failures >= 1)
    source.emit()
    expect(records[0]?.heatpumps[0]).toEqual({
      id: 'hp-mqtt-ebusd',
      manufacturer: 'vaillant',
      model: 'mqtt-ebusd',
      values: { temp_flow: 35.25, temp_return: 30.5, temp_outdoor: -2.5, temp_hot_water: 48.5, power_electric: 900, energy_electric_total: 1234, fan_speed: 420, power_heat: 4100, operating_mode: OperatingModeCode.heating },
    })
    expect(source.status.view()).toMatchObject({ reads: 9, failures: 1, last_error: { message: expect.stringMatching(/hmu\/FlowTemp: sensor fault: cutoff/) } })
  })

  it('generic mapping: wildcards, JSON paths, scale and offset, text values; a payload without the path is malformed', async (ctx) => {
    const url = await testMqttUrl()
    if (url === undefined) return ctx.skip(NO_BROKER)
    const p = `heatpool-test-${randomUUID()}`
    const mapping = parseMapping(JSON.stringify({
      manufacturer: 'viessmann',
      rules: [
        { topic: `${p}/open3e/+/268_FlowTemperatureSensor`, metric: 'temp_flow', path: 'Actual' },
        { topic: `${p}/ha/+/outdoor_f`, metric: 'temp_outdoor', scale: 5 / 9, offset: -32 * 5 / 9 },
        { topic: `${p}/power/#`, metric: 'power_electric', path: 'data[0].kw', scale: 1000 },
        { topic: `${p}/ha/climate/hvac_action`, metric: 'operating_mode', values: { heating: 'heating', idle: 'off' } },
      ],
    }))
    const { source, records } = await sourceOn(url, mappingDecoder(mapping))
    const pub = await publisher(url)
    await pub.send(`${p}/open3e/680/268_FlowTemperatureSensor`, '{"Actual": 35.1, "Minimum": -3.3, "Maximum": 60.2, "Status": 0}')
    await pub.send(`${p}/ha/sensor/outdoor_f`, '41')
    await pub.send(`${p}/power/hp/electric`, '{"data": [{"kw": 1.25}]}')
    await pub.send(`${p}/ha/climate/hvac_action`, 'heating')
    await pub.send(`${p}/power/hp/electric`, '{"data": []}')
    await pub.send(`${p}/unmapped/topic`, 'ignored')
    await waitFor(() => source.status.reads >= 4 && source.status.failures >= 1)
    source.emit()
    expect(records[0]?.heatpumps[0]).toEqual({
      id: 'hp-mqtt-mapping',
      manufacturer: 'viessmann',
      model: 'mqtt-mapping',
      values: { temp_flow: 35.1, temp_outdoor: 5, power_electric: 1250, operating_mode: OperatingModeCode.heating },
    })
    expect(source.status.lastError?.message).toMatch(/no data\[0\]\.kw in the payload/)
  })

  it('a dropped connection is surfaced and mqtt.js reconnects; the subscription is back', async (ctx) => {
    const url = await testMqttUrl()
    if (url === undefined) return ctx.skip(NO_BROKER)
    const base = `heatpool-test-${randomUUID()}`
    const { source, records } = await sourceOn(url, heishamonDecoder(base))
    const pub = await publisher(url)
    await pub.send(`${base}/main/Outside_Temp`, '4.5')
    await waitFor(() => source.status.reads >= 1)

    source.client?.stream.destroy()
    await waitFor(() => !source.status.connected)
    await waitFor(() => source.status.connected && source.status.reconnects >= 1, 10_000)
    await new Promise((resolve) => setTimeout(resolve, 100))
    await pub.send(`${base}/main/Outside_Temp`, '5.5')
    await waitFor(() => source.status.reads >= 2)
    source.emit()
    expect(records.map((r) => r.heatpumps[0].values.temp_outdoor)).toEqual([5.5])
    expect(source.status.view()).toMatchObject({ connected: true, reconnects: expect.any(Number) as number })
  })
})
