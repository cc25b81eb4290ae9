// A disk that can fill up: a small tmpfs mounted on the agent's outbox directory (root only),
// filled to the last byte by a ballast file and emptied again. Where mounting is not allowed the
// disk-full fault cannot be injected honestly (a read-only directory is a different failure), so
// the run says so in its report instead of pretending.
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'

export interface SmallDisk {
  /** Why the disk-full fault is unavailable; undefined when it works. */
  readonly unavailable?: string
  /** Fills the disk until a write fails with ENOSPC; answers the ballast's size. */
  fill (): number
  /** Removes the ballast. */
  free (): void
  unmount (): void
}

const mounted = new Set<string>()

/** Unmounts every disk still mounted (afterAll of a failed run). */
export function unmountAll (): void {
  for (const dir of mounted) {
    try { execFileSync('umount', ['-l', dir], { stdio: 'ignore' }) } catch { /* already gone */ }
  }
  mounted.clear()
}
// Before processes.ts removes the temp dirs that hold the mount points.
process.prependOnceListener('exit', unmountAll)

export function smallDisk (dir: string, sizeBytes: number): SmallDisk {
  mkdirSync(dir, { recursive: true })
  const ballast = join(dir, 'ballast')
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (err) {
    const reason = `cannot mount a tmpfs on the outbox (${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()}): disk-full not injected`
    return { unavailable: reason, fill: () => 0, free: () => {}, unmount: () => {} }
  }
  mounted.add(dir)
  return {
    fill () {
      const fd = openSync(ballast, 'a')
      try {
        return fillUp(fd)
      } finally {
        closeSync(fd)
      }
    },
    free () {
      rmSync(ballast, { force: true })
    },
    unmount () {
      mounted.delete(dir)
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' })
    },
  }
}

/** Writes ever smaller blocks until not even one byte fits. */
function fillUp (fd: number): number {
  let written = 0
  for (let size = 64 * 1024; size >= 1; size = Math.floor(size / 2)) {
    const block = Buffer.alloc(size)
    for (;;) {
      try {
        written += writeSync(fd, block)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break
        throw err
      }
    }
  }
  return written
}
