import { shallowRef } from 'vue'
import { ApiError } from '../../api'

/**
 * A button's request (give consent, send now, check for a model): pending while it runs, its
 * error kept until the next try, so the card can say it failed and offer a retry instead of
 * pretending it worked.
 */
export function useAction<A extends unknown[], T> (run: (...args: A) => Promise<T>) {
  const pending = shallowRef(false)
  const error = shallowRef<ApiError | null>(null)
  let lastArgs: A | undefined

  async function start (...args: A): Promise<T | undefined> {
    lastArgs = args
    pending.value = true
    error.value = null
    try {
      return await run(...args)
    } catch (err) {
      error.value = err instanceof ApiError ? err : new ApiError('invalid', String(err))
      return undefined
    } finally {
      pending.value = false
    }
  }

  /** Runs the last request again with the same arguments. */
  function retry (): Promise<T | undefined> {
    return start(...(lastArgs ?? ([] as unknown as A)))
  }

  return { pending, error, start, retry }
}
