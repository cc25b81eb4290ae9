import { spawn } from 'node:child_process'
import { NotifyError, type Channel, type Message, type Receipt } from './channel.js'
import { excerpt } from './http.js'

export interface SignalSettings {
  /** The signal-cli executable (a path or a name on PATH). */
  readonly cli: string
  readonly account: string
  readonly recipients: readonly string[]
  readonly timeoutMs: number
}

/** Most bytes of signal-cli's output kept for an error message. */
const MAX_OUTPUT = 16 * 1024

/**
 * Signal through signal-cli: `signal-cli -a <account> send -m <text> <recipient…>`, one run for
 * all recipients, spawned without a shell (the text is an argument, never parsed). A non-zero
 * exit is a failure carrying signal-cli's stderr; a run past the timeout is killed.
 */
export function signalChannel (s: SignalSettings): Channel {
  return {
    name: 'signal',
    send (message: Message): Promise<Receipt> {
      const args = ['-a', s.account, 'send', '-m', `${message.title}\n\n${message.text}`, ...s.recipients]
      return new Promise((resolve, reject) => {
        const child = spawn(s.cli, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: s.timeoutMs, killSignal: 'SIGKILL' })
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (c: Buffer) => { if (stdout.length < MAX_OUTPUT) stdout += c.toString('utf8') })
        child.stderr.on('data', (c: Buffer) => { if (stderr.length < MAX_OUTPUT) stderr += c.toString('utf8') })
        child.on('error', (err: NodeJS.ErrnoException) => {
          reject(new NotifyError('HP_ERR_NOTIFY_FAILED', err.code === 'ENOENT' ? `cannot run ${s.cli}: not found (install signal-cli or set AGENT_NOTIFY_SIGNAL_CLI)` : `cannot run ${s.cli}: ${err.code ?? err.message}`))
        })
        child.on('close', (code, signal) => {
          if (code === 0) {
            resolve({ detail: `signal-cli sent it${stdout.trim() === '' ? '' : ` (${excerpt(stdout, 80)})`}` })
            return
          }
          const said = excerpt(stderr, 500)
          const how = signal !== null ? (signal === 'SIGKILL' ? `was stopped after ${s.timeoutMs} ms` : `was killed by ${signal}`) : `exited with ${code}`
          reject(new NotifyError('HP_ERR_NOTIFY_FAILED', `signal-cli ${how}${said === '' ? '' : `: ${said}`}`))
        })
      })
    },
  }
}
