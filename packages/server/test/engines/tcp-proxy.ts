import { connect, createServer, type Server, type Socket } from 'node:net'

/**
 * A loopback TCP proxy in front of an engine, to simulate it going down (`stop()`: listener
 * closed, open connections cut) and coming back (`start()`: same port) without touching the
 * engine itself.
 */
export class TcpProxy {
  #server: Server | undefined
  readonly #sockets = new Set<Socket>()
  port = 0

  constructor (private readonly targetHost: string, private readonly targetPort: number) {}

  async start (): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost)
      for (const s of [client, upstream]) {
        this.#sockets.add(s)
        s.on('close', () => { this.#sockets.delete(s) })
        s.on('error', () => { client.destroy(); upstream.destroy() })
      }
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => { resolve() })
    })
    this.#server = server
    this.port = (server.address() as { port: number }).port
    return this.port
  }

  async stop (): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const s of this.#sockets) s.destroy()
    if (server !== undefined) await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
  }
}
