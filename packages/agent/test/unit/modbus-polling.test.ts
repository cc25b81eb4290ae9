import { join } from 'node:path'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { loadAgentConfig } from '../../src/config.js'
import { idmNavigatorMap } from '../../src/modbus/drivers/index.js'
import { Outbox } from '../../src/outbox/outbox.js'
import { startAgent } from '../../src/service.js'
import { ModbusSource } from '../../src/sources/modbus-source.js'
import { sourceEnvelope, type SourceRecord } from '../../src/sources/record.js'
import { ReadingSink } from '../../src/sources/sink.js'
import type { SourceStatusView } from '../../src/sources/status.js'
import { deviceFor, waitFor } from './support/modbus-device.js'
import { float, IDM_READINGS, IDM_REGISTERS } from './support/modbus-registers.js'
import { realServer } from './support/real-server.js'
import { onCleanup, tempDir } from './support/rig.js'

const ID = '0b5e8f0c-8a53-4d51-b6c7-3f4f0e9d2a11'
const silent = pino({ level: 'silent' })

/** Every record committed to `outbox` for `ID` so far, oldest first (taken out as an upload would). */
function drainer (outbox: Outbox): () => SourceRecord[] {
  const seen: SourceRecord[] = []
  return () => {
    for (let batch = outbox.nextBatch(ID, 10_000); batch !== undefined; batch = outbox.nextBatch(ID, 10_000)) {
      seen.push(...outbox.batchRecords(batch.id).map((r) => JSON.parse(r.json) as SourceRecord))
      outbox.acknowledge(batch.id)
    }
    return seen
  }
}

describe('Modbus polling into the outbox, against a real Modbus TCP server', () => {
  it('one record per poll with the canonical values; a connection dropped mid-poll is reported, and polling recovers by itself', async () => {
    const device = await deviceFor(idmNavigatorMap, IDM_REGISTERS)
    const outbox = new Outbox({ dir: join(tempDir(), 'outbox'), maxBytes: 1 << 20 })
    const sink = new ReadingSink({ outbox, installationId: ID, envelope: sourceEnvelope('AERO SLM'), consentGiven: () => true, maxRecords: 1 })
    const source = new ModbusSource(idmNavigatorMap, { host: '127.0.0.1', port: device.port, timeoutMs: 300, intervalMs: 30, backoff: { initialMs: 20, maxMs: 80 } }, sink, silent)
    onCleanup(async () => { await source.close(); sink.close(); outbox.close() })
    const committed = drainer(outbox)

    await waitFor(() => source.status.records >= 2)
    expect(source.status.view()).toMatchObject({ kind: 'modbus', driver: 'idm', target: `127.0.0.1:${device.port} unit 1`, connected: true, failures: 0, last_reading: { values: IDM_READINGS } })
    const first = committed()
    expect(first[0]?.heatpumps).toEqual([{ id: 'hp-modbus-idm', manufacturer: 'idm', model: 'modbus-idm', values: IDM_READINGS }])

    // Mid-poll: the device holds the answer, then goes away with the request in flight.
    device.hang = true
    await device.heldRequest()
    await device.stop()
    await waitFor(() => source.status.failures >= 2)
    const down: SourceStatusView = source.status.view()
    expect(down.connected).toBe(false)
    expect(down.last_error?.message).toMatch(/closed|ECONNRESET|ECONNREFUSED/)
    const recordsWhileDown = committed().length
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(committed()).toHaveLength(recordsWhileDown)

    // Back, with a new outdoor temperature: polling reconnects without help.
    device.hang = false
    device.tables.holding.set(1000, float(-7.5, 'low_first')[0] as number)
    device.tables.holding.set(1001, float(-7.5, 'low_first')[1] as number)
    await device.start()
    await waitFor(() => source.status.connected && (source.status.lastReading?.values.temp_outdoor === -7.5), 10_000)
    await waitFor(() => committed().some((r) => r.heatpumps[0].values.temp_outdoor === -7.5))
    const all = committed()
    expect(all.every((r) => Object.keys(r.heatpumps[0].values).length === Object.keys(IDM_READINGS).length)).toBe(true)
    expect(all.map((r) => r.timestamp)).toEqual([...all.map((r) => r.timestamp)].sort((a, b) => a - b))
  })
})

describe('agent run with a Modbus device configured', () => {
  it('polled records reach a real heatpool server with the expected canonical values; status shows the source', async () => {
    const server = await realServer()
    const device = await deviceFor(idmNavigatorMap, IDM_REGISTERS)
    const config = loadAgentConfig({
      HEATPOOL_SERVER_URL: server.url,
      AGENT_PORT: '0',
      AGENT_DATA_DIR: tempDir(),
      AGENT_CONSENT: 'true',
      AGENT_MODEL_CHECK_INTERVAL: '0',
      AGENT_HEATPUMP_MODEL: 'AERO SLM',
      AGENT_MODBUS_DRIVER: 'idm',
      AGENT_MODBUS_HOST: '127.0.0.1',
      AGENT_MODBUS_PORT: String(device.port),
      AGENT_MODBUS_INTERVAL_S: '1',
    })
    const agent = await startAgent(config, { httpLogs: false, logger: silent, tickMs: 50, webRoot: null })
    onCleanup(() => agent.close())
    await waitFor(() => (agent.sources.modbus?.status.records ?? 0) >= 2, 10_000)
    agent.sources.sink.flush()
    const result = await agent.uploader.flush()
    expect(result).toMatchObject({ outcome: 'acknowledged', status: 200, installationId: agent.state.get().installationId })

    const db = server.app.store.db
    const hp = await db.selectFrom('heat_pumps').selectAll().executeTakeFirstOrThrow()
    expect(hp).toMatchObject({ installation_id: agent.state.get().installationId, hp_key: 'hp-modbus-idm', manufacturer: 'idm', model_name: 'AERO SLM' })
    const samples = await server.app.store.samples.read(hp.id, 0, Number.MAX_SAFE_INTEGER)
    expect(samples.length).toBeGreaterThanOrEqual(2)
    for (const s of samples) expect(s.values).toEqual(IDM_READINGS)

    const status = await (await fetch(`${agent.url}/api/status`)).json() as { sources: { devices: SourceStatusView[], sink: { appended: number } } }
    expect(status.sources.devices).toEqual([expect.objectContaining({ kind: 'modbus', driver: 'idm', connected: true, failures: 0, last_error: null, last_reading: expect.objectContaining({ values: IDM_READINGS }) })])
    expect(status.sources.sink.appended).toBeGreaterThanOrEqual(2)
  })

  it('without consent the readings are polled and shown but dropped, never queued or uploaded', async () => {
    const server = await realServer()
    const device = await deviceFor(idmNavigatorMap, IDM_REGISTERS)
    const config = loadAgentConfig({
      HEATPOOL_SERVER_URL: server.url,
      AGENT_PORT: '0',
      AGENT_DATA_DIR: tempDir(),
      AGENT_MODEL_CHECK_INTERVAL: '0',
      AGENT_MODBUS_DRIVER: 'idm',
      AGENT_MODBUS_HOST: '127.0.0.1',
      AGENT_MODBUS_PORT: String(device.port),
      AGENT_MODBUS_INTERVAL_S: '1',
    })
    const agent = await startAgent(config, { httpLogs: false, logger: silent, tickMs: 50, webRoot: null })
    onCleanup(() => agent.close())
    await waitFor(() => (agent.sources.modbus?.status.records ?? 0) >= 1, 10_000)
    agent.sources.sink.flush()
    await agent.uploader.flush()
    expect(agent.sources.sink.stats()).toMatchObject({ appended: 0, pending: 0, droppedNoConsent: expect.any(Number) as number })
    expect(agent.sources.sink.stats().droppedNoConsent).toBeGreaterThanOrEqual(1)
    expect(agent.outbox.stats().records).toBe(0)
    expect(agent.sources.modbus?.status.lastReading?.values).toEqual(IDM_READINGS)
    expect(server.requests.filter((r) => r.startsWith('POST'))).toEqual([])
  })
})
