import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { ServerTCP, type IServiceVector } from 'modbus-serial'
import { planReads } from '../../../src/modbus/plan.js'
import type { RegisterKind, RegisterMap } from '../../../src/modbus/register-map.js'
import type { RegisterFixture } from './modbus-registers.js'
import { onCleanup } from './rig.js'

/** A port nobody listens on right now (loopback). */
export function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

export type Table = Map<number, number>

/**
 * A real Modbus TCP server (modbus-serial's ServerTCP) on loopback serving register tables;
 * registers not in a table answer "illegal data address". `hang` holds every answer back.
 */
export class Device {
  readonly tables: Record<RegisterKind, Table>
  /** Unit id of every register request served. */
  readonly units: number[] = []
  hang = false
  private held: (() => void)[] = []
  private server: ServerTCP | undefined

  constructor (readonly port: number, tables: Partial<Record<RegisterKind, Table>>) {
    this.tables = { holding: tables.holding ?? new Map(), input: tables.input ?? new Map() }
  }

  /** Resolves once a request is held (with `hang`). */
  heldRequest (): Promise<void> {
    return waitFor(() => this.held.length > 0)
  }

  async start (): Promise<this> {
    const get = (kind: RegisterKind) => (addr: number, unit: number): number | Promise<number> => {
      this.units.push(unit)
      if (this.hang) return new Promise<number>((resolve) => this.held.push(() => resolve(0)))
      const value = this.tables[kind].get(addr)
      if (value === undefined) throw Object.assign(new Error(`no ${kind} register ${addr}`), { modbusErrorCode: 2 })
      return value
    }
    const vector = { getHoldingRegister: get('holding'), getInputRegister: get('input') } as IServiceVector
    const server = new ServerTCP(vector, { host: '127.0.0.1', port: this.port })
    await new Promise<void>((resolve, reject) => {
      server.once('initialized', () => resolve())
      server.once('serverError', reject)
    })
    this.server = server
    return this
  }

  /** Closes the listener and every open connection. */
  async stop (): Promise<void> {
    const server = this.server
    this.server = undefined
    if (server === undefined) return
    await new Promise<void>((resolve) => server.close(() => resolve()))
    for (const release of this.held.splice(0)) release()
  }
}

export async function waitFor (ready: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms
  while (!ready()) {
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/**
 * A device holding every register `map` reads (zero where not given), then `values` (PDU
 * address → words) over them; `missing` registers answer with an exception.
 */
export async function deviceFor (map: RegisterMap, values: RegisterFixture, missing: [RegisterKind, number][] = []): Promise<Device> {
  const tables: Record<RegisterKind, Table> = { holding: new Map(), input: new Map() }
  for (const block of planReads(map)) for (let i = 0; i < block.count; i++) tables[block.kind].set(block.start + i, 0)
  for (const [kind, start, words] of values) words.forEach((w, i) => tables[kind].set(start + i, w))
  for (const [kind, at] of missing) tables[kind].delete(at)
  const device = await new Device(await freePort(), tables).start()
  onCleanup(() => device.stop())
  return device
}
