import { join } from 'node:path'
import { normaliseSubmission } from '@heatpool/protocol/normalise'
import { OperatingModeCode } from '@heatpool/protocol/catalog'
import { describe, expect, it } from 'vitest'
import { loadAgentConfig } from '../../src/config.js'
import { Outbox } from '../../src/outbox/outbox.js'
import { IntervalAssembler } from '../../src/sources/mqtt/assembler.js'
import { ebusdDecoder, ebusdValue } from '../../src/sources/mqtt/ebusd.js'
import { heishamonOperatingMode } from '../../src/sources/mqtt/heishamon.js'
import { mappingDecoder, parseMapping } from '../../src/sources/mqtt/mapping.js'
import { atPath, parsePath } from '../../src/sources/mqtt/payload.js'
import { filterProblem, topicMatches } from '../../src/sources/mqtt/topic.js'
import { sourceEnvelope, sourceHeatPump, sourceRecord, type SourceRecord } from '../../src/sources/record.js'
import { ReadingSink } from '../../src/sources/sink.js'
import { onCleanup, tempDir } from './support/rig.js'

const ID = '7d1f8e52-3c4b-4f7a-9a41-2b9c1e0d5a66'
const hp = sourceHeatPump('modbus', 'idm', 'idm')

function outbox (): Outbox {
  const o = new Outbox({ dir: join(tempDir(), 'outbox'), maxBytes: 1 << 20 })
  onCleanup(() => o.close())
  return o
}

function record (i: number): SourceRecord {
  return (sourceRecord(hp, 1_700_000_000_000 + i * 60_000, { temp_outdoor: i }) as { record: SourceRecord }).record
}

describe('source records', () => {
  it('are v2 records of canonical values, which the server normaliser takes unchanged for every source label', () => {
    const readings = { temp_outdoor: 3.5, temp_flow: 35.5, power_electric: 1500, operating_mode: 3, energy_heat_total: 12345.5 }
    const nowMs = 1_700_000_060_000
    for (const [kind, driver, manufacturer] of [['modbus', 'idm', 'idm'], ['modbus', 'stiebel-isg', 'stiebel-eltron'], ['mqtt', 'heishamon', 'panasonic'], ['mqtt', 'ebusd', 'vaillant'], ['mqtt', 'mapping', 'unknown']] as const) {
      const built = sourceRecord(sourceHeatPump(kind, driver, manufacturer), 1_700_000_000_123, readings)
      expect(built?.record).toEqual({ timestamp: 1_700_000_000.123, heatpumps: [{ id: `hp-${kind}-${driver}`, manufacturer, model: `${kind}-${driver}`, values: readings }] })
      const { records, tally } = normaliseSubmission([JSON.parse(JSON.stringify(built?.record)) as unknown], { nowMs, oldestMs: 0, futureToleranceMs: 3_600_000 })
      expect(records.map((r) => r.values)).toEqual([readings])
      expect(tally.values.ignored).toBe(0)
    }
  })

  it('keep catalog names with finite values only, list implausible ones, and are none when nothing is left', () => {
    const built = sourceRecord(hp, 0, { temp_outdoor: 99, temp_flow: Number.NaN, house_power: 5, power_heat: Infinity, flow_rate: 12 })
    expect(built?.record.heatpumps[0].values).toEqual({ temp_outdoor: 99, flow_rate: 12 })
    expect(built?.implausible).toEqual(['temp_outdoor'])
    expect(sourceRecord(hp, 0, { temp_flow: Number.NaN, house_power: 5 })).toBeUndefined()
  })

  it('carry the configured heat-pump model and data version 2.0 in their envelope', () => {
    expect(sourceEnvelope('AERO SLM')).toEqual({ heatpump_model: 'AERO SLM', version: null, data_version: '2.0' })
    expect(sourceEnvelope('  ').heatpump_model).toBeNull()
  })
})

describe('the reading sink', () => {
  it('appends in batches (every maxRecords, or at the flush) under the agent\'s installation', () => {
    const o = outbox()
    const appended: number[] = []
    const sink = new ReadingSink({ outbox: o, installationId: ID, envelope: sourceEnvelope('AERO SLM'), consentGiven: () => true, maxRecords: 3, afterAppend: (_id, r) => { appended.push(r.length) } })
    onCleanup(() => sink.close())
    for (let i = 0; i < 4; i++) sink.push(record(i))
    expect(appended).toEqual([3])
    expect(o.waiting(ID)).toBe(3)
    sink.flush()
    expect(appended).toEqual([3, 1])
    expect(sink.stats()).toEqual({ pending: 0, appended: 4, droppedNoConsent: 0, droppedOldest: 0 })
    const batch = o.nextBatch(ID, 10)
    expect(batch?.envelope).toEqual({ heatpump_model: 'AERO SLM', version: null, data_version: '2.0' })
    expect(o.batchRecords(batch?.id ?? -1).map((r) => (JSON.parse(r.json) as SourceRecord).heatpumps[0].values.temp_outdoor)).toEqual([0, 1, 2, 3])
  })

  it('commits on its own timer', async () => {
    const o = outbox()
    const sink = new ReadingSink({ outbox: o, installationId: ID, envelope: sourceEnvelope(''), consentGiven: () => true, flushMs: 20 })
    onCleanup(() => sink.close())
    sink.push(record(1))
    expect(o.waiting(ID)).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(o.waiting(ID)).toBe(1)
  })

  it('without consent drops and counts what waits: nothing reaches the outbox', () => {
    const o = outbox()
    let consent = false
    const sink = new ReadingSink({ outbox: o, installationId: ID, envelope: sourceEnvelope(''), consentGiven: () => consent })
    sink.push(record(1))
    sink.push(record(2))
    sink.flush()
    expect(o.waiting(ID)).toBe(0)
    consent = true
    sink.push(record(3))
    sink.close()
    expect(o.waiting(ID)).toBe(1)
    expect(sink.stats()).toMatchObject({ appended: 1, droppedNoConsent: 2 })
  })

  it('keeps records when the outbox fails and commits them at the next flush', () => {
    let failing = true
    const committed: string[][] = []
    const errors: unknown[] = []
    const fake = { append: (_id: string, _e: unknown, records: readonly string[]) => { if (failing) throw new Error('disk full'); committed.push([...records]); return 0 } }
    const sink = new ReadingSink({ outbox: fake, installationId: ID, envelope: sourceEnvelope(''), consentGiven: () => true, onError: (err) => errors.push(err) })
    sink.push(record(1))
    sink.flush()
    expect(errors).toHaveLength(1)
    expect(sink.stats().pending).toBe(1)
    failing = false
    sink.close()
    expect(committed).toHaveLength(1)
    expect(sink.stats()).toMatchObject({ pending: 0, appended: 1 })
  })
})

describe('MQTT assembly and payloads', () => {
  it('one set per interval: the latest value per key, earlier keys held while fresh, nothing when nothing arrived', () => {
    const a = new IntervalAssembler(1000)
    expect(a.take(0)).toBeUndefined()
    a.set('x', 1, 0)
    a.set('x', 2, 10)
    a.set('y', 5, 20)
    expect(a.take(100)).toEqual(new Map([['x', 2], ['y', 5]]))
    expect(a.take(200)).toBeUndefined()
    a.set('x', 3, 900)
    expect(a.take(1015)).toEqual(new Map([['x', 3], ['y', 5]]))
    a.set('x', 4, 1500)
    expect(a.take(1500)).toEqual(new Map([['x', 4]]))
  })

  it('topic filters: + one level, # the rest; bad filters named', () => {
    expect(topicMatches('a/+/c', 'a/b/c')).toBe(true)
    expect(topicMatches('a/+/c', 'a/b/d')).toBe(false)
    expect(topicMatches('a/+', 'a/b/c')).toBe(false)
    expect(topicMatches('a/#', 'a')).toBe(true)
    expect(topicMatches('a/#', 'a/b/c')).toBe(true)
    expect(topicMatches('#', '$SYS/broker')).toBe(false)
    expect(filterProblem('a/b#')).toMatch(/#/)
    expect(filterProblem('a/#/b')).toMatch(/#/)
    expect(filterProblem('a/b+/c')).toMatch(/\+/)
    expect(filterProblem('a/+/#')).toBeUndefined()
  })

  it('JSON paths: dots and indices', () => {
    expect(parsePath('data[0].watts')).toEqual(['data', '0', 'watts'])
    expect(parsePath('a..b')).toBeUndefined()
    expect(atPath({ data: [{ watts: 1.5 }] }, ['data', '0', 'watts'])).toBe(1.5)
    expect(atPath({ data: [] }, ['data', '0', 'watts'])).toBeUndefined()
  })

  it('ebusd values in every documented shape; a sensor fault is no value', () => {
    const b = (s: string) => Buffer.from(s)
    expect(ebusdValue(b('36.5'))).toBe(36.5)
    expect(ebusdValue(b('36.5;ok'))).toBe(36.5)
    expect(ebusdValue(b('{"value": 21.5}'))).toBe(21.5)
    expect(ebusdValue(b('{"temp": {"value": 36.5}, "sensor": {"value": "ok"}}'))).toBe(36.5)
    expect(ebusdValue(b('{"0": {"name": "", "value": 7.25}}'))).toBe(7.25)
    expect(ebusdValue(b('{"temp": 7.0625, "sensor": "ok"}'))).toBe(7.0625)
    expect(ebusdValue(b('{"value": {"value": "Heating_Compressor_active"}}'))).toBe('Heating_Compressor_active')
    expect(ebusdValue(b('{"temp": {"value": 20}, "sensor": {"value": "cutoff"}}'))).toEqual({ problem: 'sensor fault: cutoff' })
    expect(ebusdValue(b('36.5;circuit'))).toMatchObject({ problem: expect.stringMatching(/sensor fault/) })
    expect(ebusdValue(b('{"sensor": {"value": "ok"}}'))).toEqual({ problem: 'no field with a value' })
  })

  it('ebusd status codes and names map to operating modes; unknown ones give none', () => {
    const d = ebusdDecoder('e')
    const mode = (payload: string) => {
      const decoded = d.decode('e/hmu/RunDataStatuscode', Buffer.from(payload))
      return 'values' in decoded ? d.readings(new Map(decoded.values.map((v) => [v.key, v.value]))).operating_mode : 'problem'
    }
    expect(mode('"Heating_Compressor_active"')).toBe(OperatingModeCode.heating)
    expect(mode('hwc_compressor_active')).toBe(OperatingModeCode.hot_water)
    expect(mode('516')).toBe(OperatingModeCode.defrost)
    expect(mode('{"value": {"value": "Standby"}}')).toBe(OperatingModeCode.off)
    expect(mode('Heating_Prerun')).toBeUndefined()
    expect(d.decode('e/hmu/SomethingElse', Buffer.from('1'))).toEqual({ values: [] })
  })

  it('HeishaMon operating mode: off, defrost, hot water, heating or cooling from the state topics', () => {
    const m = (o: Record<string, number>) => heishamonOperatingMode(new Map(Object.entries(o)))
    const running = { Heatpump_State: 1, Defrosting_State: 0, Compressor_Freq: 40, ThreeWay_Valve_State: 0, Operating_Mode_State: 4 }
    expect(m(running)).toBe(OperatingModeCode.heating)
    expect(m({ ...running, Operating_Mode_State: 5 })).toBe(OperatingModeCode.cooling)
    expect(m({ ...running, ThreeWay_Valve_State: 1 })).toBe(OperatingModeCode.hot_water)
    expect(m({ ...running, Defrosting_State: 1 })).toBe(OperatingModeCode.defrost)
    expect(m({ ...running, Compressor_Freq: 0 })).toBe(OperatingModeCode.off)
    expect(m({ ...running, Heatpump_State: 0 })).toBe(OperatingModeCode.off)
    expect(m({ Heatpump_State: 1, Compressor_Freq: 40 })).toBeUndefined()
  })

  it('a mapping is checked whole at start, every problem named', () => {
    expect(() => parseMapping('[{"topic": "a/b#", "metric": "house_power", "scale": "x", "colour": 1}]')).toThrow(/rule 1: unknown key "colour".*topic "#" must be a whole last level.*metric must be a catalog metric.*scale must be a number/)
    expect(() => parseMapping('{"rules": []}')).toThrow(/non-empty list/)
    expect(() => parseMapping('[{"topic": "x", "metric": "operating_mode", "values": {"heat": "boiling"}}]')).toThrow(/values.heat must be a number or one of off, heating/)
    expect(() => parseMapping('/nonexistent/mapping.json')).toThrow(/does not exist/)
    expect(() => parseMapping('[{"topic": ')).toThrow(/not JSON/)
    const m = parseMapping('{"manufacturer": "Viessmann", "rules": [{"topic": "open3e/+/268", "metric": "temp_flow", "path": "Actual"}]}')
    expect(m).toEqual({ manufacturer: 'viessmann', rules: [{ topic: 'open3e/+/268', metric: 'temp_flow', path: 'Actual' }] })
    expect(mappingDecoder(m).subscriptions).toEqual(['open3e/+/268'])
  })
})

describe('source settings', () => {
  const base = { AGENT_DATA_DIR: '/tmp/x' }
  it('a driver needs a host (and a host a driver); unknown drivers, bad URLs, unit ids and mappings stop the agent at start', () => {
    expect(() => loadAgentConfig({ ...base, AGENT_MODBUS_DRIVER: 'idm' })).toThrow(/AGENT_MODBUS_HOST: say which device/)
    expect(() => loadAgentConfig({ ...base, AGENT_MODBUS_HOST: '10.0.0.5' })).toThrow(/AGENT_MODBUS_DRIVER: say which driver/)
    expect(() => loadAgentConfig({ ...base, AGENT_MODBUS_DRIVER: 'nibe', AGENT_MODBUS_HOST: 'h' })).toThrow(/AGENT_MODBUS_DRIVER="nibe": unknown driver \(known: idm, stiebel-isg, ecodan-a1m, heishamon-modbus\)/)
    expect(() => loadAgentConfig({ ...base, AGENT_MODBUS_UNIT_ID: '300' })).toThrow(/AGENT_MODBUS_UNIT_ID="300": must be a Modbus unit id/)
    expect(() => loadAgentConfig({ ...base, AGENT_MQTT_URL: 'http://broker' })).toThrow(/AGENT_MQTT_URL="http:\/\/broker": must start with mqtt:\/\//)
    expect(() => loadAgentConfig({ ...base, AGENT_MQTT_URL: 'mqtt://broker', AGENT_MQTT_SOURCE: 'mapping' })).toThrow(/AGENT_MQTT_MAPPING: AGENT_MQTT_SOURCE=mapping needs a mapping/)
    expect(() => loadAgentConfig({ ...base, AGENT_MQTT_MAPPING: '[{"topic": "x", "metric": "nope"}]' })).toThrow(/AGENT_MQTT_MAPPING=.*metric must be a catalog metric/)
    expect(() => loadAgentConfig({ ...base, AGENT_MQTT_PASSWORD: 'hunter2', AGENT_MQTT_URL: 'ftp://x' })).not.toThrow(/hunter2/)
    const c = loadAgentConfig({ ...base, AGENT_MODBUS_DRIVER: 'idm', AGENT_MODBUS_HOST: '10.0.0.5', AGENT_MODBUS_UNIT_ID: '3', AGENT_MQTT_URL: 'mqtt://broker:1883' })
    expect(c).toMatchObject({ AGENT_MODBUS_PORT: 0, AGENT_MODBUS_INTERVAL_S: 60, AGENT_MQTT_SOURCE: 'heishamon', AGENT_MQTT_INTERVAL_S: 60 })
  })
})
