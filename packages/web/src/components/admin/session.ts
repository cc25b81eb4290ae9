import { inject, readonly, ref, type InjectionKey, type Ref } from 'vue'

/** Where the admin token lives: this tab's sessionStorage only, so it is gone when the tab closes. */
export const TOKEN_STORAGE_KEY = 'heatpool.adminToken'

/** Why the login form is showing: signed out by hand, or the server stopped accepting the token. */
export type SessionNotice =
  | { readonly kind: 'loggedOut' }
  | { readonly kind: 'rejected', readonly status: number }

export interface AdminSession {
  /** The admin token while signed in. */
  readonly token: Readonly<Ref<string | null>>
  readonly notice: Readonly<Ref<SessionNotice | null>>
  login (token: string): void
  logout (): void
  /** A request answered 401/403: forget the token and go back to the form, saying why. */
  reject (status: number): void
}

function storage (): Storage | undefined {
  try {
    return globalThis.sessionStorage
  } catch {
    return undefined // storage disabled: the token lasts for this page only
  }
}

function readToken (): string | null {
  try {
    return storage()?.getItem(TOKEN_STORAGE_KEY) ?? null
  } catch {
    return null
  }
}

function writeToken (token: string | null): void {
  try {
    if (token === null) storage()?.removeItem(TOKEN_STORAGE_KEY)
    else storage()?.setItem(TOKEN_STORAGE_KEY, token)
  } catch {
    // storage disabled or full: the token lasts for this page only
  }
}

/** The page's sign-in state, started from the token this tab already holds (a reload keeps you signed in). */
export function createAdminSession (): AdminSession {
  const token = ref<string | null>(readToken())
  const notice = ref<SessionNotice | null>(null)
  const end = (why: SessionNotice): void => {
    token.value = null
    notice.value = why
    writeToken(null)
  }
  return {
    token: readonly(token),
    notice: readonly(notice),
    login (value) {
      token.value = value
      notice.value = null
      writeToken(value)
    },
    logout: () => end({ kind: 'loggedOut' }),
    reject: (status) => end({ kind: 'rejected', status }),
  }
}

export const ADMIN_SESSION: InjectionKey<AdminSession> = Symbol('heatpool admin session')

export function useAdminSession (): AdminSession {
  const session = inject(ADMIN_SESSION)
  if (session === undefined) throw new Error('useAdminSession: no session provided (mount inside AdminPage)')
  return session
}
