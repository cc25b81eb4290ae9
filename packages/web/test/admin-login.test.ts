import { afterEach, describe, expect, it } from 'vitest'
import AdminPage from '../src/components/admin/AdminPage.vue'
import { TOKEN_STORAGE_KEY } from '../src/components/admin/session'
import type { Locale } from '../src/i18n'
import { ADMIN_TOKEN, adminQuality, authorizationOf, flushPromises, installationList, modelList, mountAdmin, stubFetch, trainingRuns } from './helpers'

const DASHBOARD = {
  '/api/v2/admin/installations': { status: 200, body: installationList() },
  '/api/v2/admin/quality': { status: 200, body: adminQuality() },
  '/api/v2/admin/training': { status: 200, body: trainingRuns() },
  '/api/v1/models': { status: 200, body: modelList() },
} as const

/** The page as the browser opens it: AdminPage makes its own session from what this tab's sessionStorage holds. */
function openPage (options: { locale?: Locale, token?: string | null } = {}) {
  return mountAdmin(AdminPage, { token: null, ...options }).wrapper
}

async function signIn (w: ReturnType<typeof openPage>, token: string): Promise<void> {
  await w.find('[data-test="login-token"]').setValue(token)
  await w.find('[data-test="login-form"]').trigger('submit')
  await flushPromises()
}

describe('admin login', () => {
  afterEach(() => sessionStorage.clear())

  it('asks for the admin token in a password field and says where it is kept', () => {
    const fetch = stubFetch({})
    const w = openPage()
    const input = w.find('[data-test="login-token"]')
    expect(input.attributes('type')).toBe('password')
    expect(w.find('label[for="admin-token"]').text()).toBe('Admin token')
    expect(w.find('#admin-token-help').text()).toContain('this browser tab only (sessionStorage)')
    expect(w.find('[data-test="login-submit"]').attributes('disabled')).toBeDefined()
    expect(w.find('[data-test="installations-card"]').exists()).toBe(false)
    expect(fetch).not.toHaveBeenCalled()
  })

  it('checks the token with the server, keeps it in sessionStorage and sends it as Bearer', async () => {
    const fetch = stubFetch(DASHBOARD)
    const w = openPage()
    await signIn(w, `  ${ADMIN_TOKEN} `)
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe(ADMIN_TOKEN)
    expect(localStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull()
    expect(w.find('[data-test="admin-login"]').exists()).toBe(false)
    for (const card of ['installations-card', 'quality-card', 'ingest-card', 'training-card', 'model-files-card']) {
      expect(w.find(`[data-test="${card}"]`).exists(), card).toBe(true)
    }
    expect(fetch.mock.calls.length).toBeGreaterThanOrEqual(5)
    for (const call of fetch.mock.calls) expect(authorizationOf(call), String(call[0])).toBe(`Bearer ${ADMIN_TOKEN}`)
    expect(w.findAll('[data-test="installation-row"]')).toHaveLength(2)
  })

  it('stays on the form with a clear message when the server refuses the token (401), storing nothing', async () => {
    stubFetch({ '/api/v2/admin/installations': { status: 401, body: { code: 'HP_ERR_TOKEN_REJECTED', detail: 'Invalid Token' } } })
    const w = openPage()
    await signIn(w, 'wrong')
    expect(w.find('[data-test="login-rejected"]').text()).toContain('The server did not accept this as the admin token')
    expect(w.find('[data-test="login-form"]').exists()).toBe(true)
    expect(w.find('[data-test="installations-card"]').exists()).toBe(false)
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull()
  })

  it('refuses an installation token or an unknown one (both 403) the same way', async () => {
    for (const body of [{ code: 'HP_ERR_ADMIN_REQUIRED', detail: 'cannot authorise request: an admin token is required' }, { code: 'HP_ERR_INVALID_TOKEN', detail: 'Invalid Token' }]) {
      stubFetch({ '/api/v2/admin/installations': { status: 403, body } })
      const w = openPage({ locale: 'de' })
      await signIn(w, 'hpi_installation-token')
      expect(w.find('[data-test="login-rejected"]').text()).toContain('nicht als Admin-Token angenommen')
      expect(w.find('[data-test="installations-card"]').exists()).toBe(false)
      expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull()
    }
  })

  it('shows an unreachable server as an error, not as a signed-in empty dashboard, and retries', async () => {
    const fetch = stubFetch({ '/api/v2/admin/installations': 'network' })
    const w = openPage()
    await signIn(w, ADMIN_TOKEN)
    expect(w.find('[data-test="login-error"]').text()).toContain('The server cannot be reached')
    expect(w.find('[data-test="login-rejected"]').exists()).toBe(false)
    expect(w.find('[data-test="installations-card"]').exists()).toBe(false)
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull()

    stubFetch(DASHBOARD)
    await w.find('[data-test="login-error"] button').trigger('click')
    await flushPromises()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(w.find('[data-test="installations-card"]').exists()).toBe(true)
  })

  it('opens the dashboard at once with a token this tab already holds, and signs out', async () => {
    stubFetch(DASHBOARD)
    const w = openPage({ token: ADMIN_TOKEN })
    await flushPromises()
    expect(w.find('[data-test="installations-card"]').exists()).toBe(true)
    await w.find('[data-test="logout"]').trigger('click')
    expect(w.find('[data-test="login-form"]').exists()).toBe(true)
    expect(w.find('[data-test="login-logged-out"]').text()).toContain('Signed out')
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull()
  })

  it('goes back to the form when a card\'s request is refused (token changed on the server)', async () => {
    stubFetch({ ...DASHBOARD, '/api/v2/admin/training': { status: 401, body: { code: 'HP_ERR_TOKEN_REJECTED', detail: 'Invalid Token' } } })
    const w = openPage({ token: 'old-token' })
    await flushPromises()
    expect(w.find('[data-test="installations-card"]').exists()).toBe(false)
    expect(w.find('[data-test="login-rejected"]').text()).toContain('no longer accepts the token')
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBeNull()
  })
})
