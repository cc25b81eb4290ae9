import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A stand-in `signal-cli` executable (signal-cli needs a registered phone and Signal's servers):
 * a Node script with a shebang, written to `dir` and made executable, that appends its
 * arguments to `calls.jsonl` and then behaves as `behaviour.json` says — exit code, stderr,
 * a delay — like signal-cli does on success (prints the message timestamp) or failure.
 */
export class FakeSignalCli {
  readonly path: string
  readonly #calls: string
  readonly #behaviour: string

  constructor (dir: string) {
    this.path = join(dir, 'signal-cli')
    this.#calls = join(dir, 'calls.jsonl')
    this.#behaviour = join(dir, 'behaviour.json')
    writeFileSync(this.path, `#!${process.execPath}
const { appendFileSync, existsSync, readFileSync } = require('node:fs')
appendFileSync(${JSON.stringify(this.#calls)}, JSON.stringify(process.argv.slice(2)) + '\\n')
const b = existsSync(${JSON.stringify(this.#behaviour)}) ? JSON.parse(readFileSync(${JSON.stringify(this.#behaviour)}, 'utf8')) : {}
setTimeout(() => {
  if (b.exit) {
    process.stderr.write(b.stderr || 'Failed to send message')
    process.exit(b.exit)
  }
  process.stdout.write(String(Date.now()) + '\\n')
}, b.delayMs || 0)
`)
    chmodSync(this.path, 0o755)
  }

  /** Arguments of every run so far. */
  get calls (): string[][] {
    return existsSync(this.#calls) ? readFileSync(this.#calls, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as string[]) : []
  }

  /** The texts sent (the argument after `-m`). */
  get texts (): string[] {
    return this.calls.map((args) => args[args.indexOf('-m') + 1] ?? '')
  }

  behave (b: { exit?: number, stderr?: string, delayMs?: number }): void {
    writeFileSync(this.#behaviour, JSON.stringify(b))
  }
}
