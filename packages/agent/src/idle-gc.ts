/**
 * A full garbage collection once the agent has been quiet for `delayMs` after work (a relay
 * body, an upload): V8 alone keeps the heap a burst grew to for 8 s or more before its memory
 * reducer shrinks it, and the agent's memory goal is about the quiet hours. Runs only when the
 * process was started with --expose-gc (the installed command is); costs one GC of a small heap
 * (a few ms) per burst.
 */
export function idleCollector (delayMs = 1000): { poke (): void, stop (): void } {
  const gc = (globalThis as { gc?: () => void }).gc
  let timer: NodeJS.Timeout | undefined
  return {
    poke () {
      if (gc === undefined) return
      if (timer !== undefined) timer.refresh()
      else {
        timer = setTimeout(() => { timer = undefined; gc() }, delayMs)
        timer.unref()
      }
    },
    stop () {
      clearTimeout(timer)
    },
  }
}
