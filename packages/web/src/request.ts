import { onBeforeUnmount, shallowRef } from 'vue'
import { ApiError } from './api'

export type RequestState<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'data', readonly data: T }
  | { readonly status: 'error', readonly error: ApiError }

/**
 * Runs `load` now and on `reload()`; a newer call aborts the older one, unmounting aborts both.
 * Failures other than ApiError (bugs) are shown as an unreadable answer rather than swallowed.
 */
export function useRequest<T> (load: (signal: AbortSignal) => Promise<T>) {
  const state = shallowRef<RequestState<T>>({ status: 'loading' })
  let controller: AbortController | undefined

  async function reload (): Promise<void> {
    controller?.abort()
    const mine = new AbortController()
    controller = mine
    state.value = { status: 'loading' }
    try {
      const data = await load(mine.signal)
      if (!mine.signal.aborted) state.value = { status: 'data', data }
    } catch (err) {
      if (mine.signal.aborted) return
      state.value = { status: 'error', error: err instanceof ApiError ? err : new ApiError('invalid', String(err)) }
    }
  }

  onBeforeUnmount(() => controller?.abort())
  void reload()
  return { state, reload }
}
