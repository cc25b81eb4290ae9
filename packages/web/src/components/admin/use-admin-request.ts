import { onBeforeUnmount, ref, shallowRef } from 'vue'
import { isAuthError } from '../../admin-api'
import { ApiError } from '../../api'
import type { RequestState } from '../../request'
import { useAdminSession } from './session'

/**
 * useRequest for admin data: `load` gets the session's token; a 401/403 ends the session (the
 * page goes back to the login form) instead of showing an error card. `refresh()` re-asks
 * without dropping the data on screen (polling a training), `reload()` shows loading again.
 */
export function useAdminRequest<T> (load: (token: string, signal: AbortSignal) => Promise<T>) {
  const session = useAdminSession()
  const state = shallowRef<RequestState<T>>({ status: 'loading' })
  const refreshing = ref(false)
  let controller: AbortController | undefined

  async function run (quiet: boolean): Promise<void> {
    controller?.abort()
    const mine = new AbortController()
    controller = mine
    const token = session.token.value
    if (token === null) return
    if (!quiet || state.value.status !== 'data') state.value = { status: 'loading' }
    refreshing.value = true
    try {
      const data = await load(token, mine.signal)
      if (!mine.signal.aborted) state.value = { status: 'data', data }
    } catch (err) {
      if (mine.signal.aborted) return
      if (isAuthError(err)) {
        session.reject(err.status ?? 401)
        return
      }
      state.value = { status: 'error', error: err instanceof ApiError ? err : new ApiError('invalid', String(err)) }
    } finally {
      if (controller === mine) refreshing.value = false
    }
  }

  onBeforeUnmount(() => controller?.abort())
  void run(false)
  return { state, refreshing, reload: () => run(false), refresh: () => run(true) }
}
