import { connect, type Socket } from 'node:net'

/**
 * A slowloris client: it opens a connection, sends the start of a request at once, then
 * trickles the rest a byte at a time, each byte well before an idle timeout would fire, and
 * reports when and how the server ended the connection.
 */
export interface SlowResult {
  /** Milliseconds from connecting until the server closed (or `giveUpMs` when it never did). */
  readonly closedAfterMs: number
  /** Whether the server closed the connection before the client gave up. */
  readonly closedByServer: boolean
  /** Bytes the client managed to send. */
  readonly sent: number
  /** What the server answered before closing, as text (a 408, or nothing). */
  readonly answer: string
}

/** `prefix` goes out at once, `trickle` a byte every `everyMs`; the client gives up after `giveUpMs`. */
export async function slowRequest (port: number, opts: { prefix: string, trickle: string, everyMs: number, giveUpMs: number }): Promise<SlowResult> {
  const started = performance.now()
  const socket: Socket = connect(port, '127.0.0.1')
  socket.setNoDelay(true)
  let answer = ''
  let sent = 0
  socket.on('data', (chunk: Buffer) => { answer += chunk.toString('latin1') })
  const closed = new Promise<boolean>((resolve) => {
    socket.on('close', () => resolve(true))
    socket.on('error', () => { /* the close event follows */ })
  })
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  socket.write(opts.prefix)
  sent += Buffer.byteLength(opts.prefix)
  const bytes = Buffer.from(opts.trickle)
  let stop = false
  const trickle = (async () => {
    for (const byte of bytes) {
      if (stop || socket.destroyed) return
      socket.write(Buffer.from([byte]))
      sent++
      await new Promise((resolve) => setTimeout(resolve, opts.everyMs))
    }
  })()
  const gaveUp = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), opts.giveUpMs))
  const byServer = await Promise.race([closed, gaveUp])
  stop = true
  socket.destroy()
  await trickle
  return { closedAfterMs: Math.round(performance.now() - started), closedByServer: byServer, sent, answer }
}
