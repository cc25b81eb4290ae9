import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AdminQuality } from '../src/admin-api'
import { ApiError } from '../src/api'
import InstallationsCard from '../src/components/admin/InstallationsCard.vue'
import type { RequestState } from '../src/request'
import {
  ADMIN_TOKEN, adminQuality, authorizationOf, flushPromises, initOf, INSTALLATION_A, INSTALLATION_B, installationList,
  installationSummary, mountAdmin, stubFetch,
} from './helpers'

const LIST = '/api/v2/admin/installations?'
const hashOf = (id: string): string => createHash('sha256').update(id).digest('hex').slice(0, 8)
const quality = (q: AdminQuality = adminQuality()): RequestState<AdminQuality> => ({ status: 'data', data: q })

function open (options: { quality?: RequestState<AdminQuality>, locale?: 'en' | 'de' } = {}) {
  const { quality: q = quality(), locale = 'en' } = options
  return mountAdmin(InstallationsCard, { locale, props: { quality: q, days: 30 } })
}

/** Lets the list arrive and Web Crypto hash its ids (a digest resolves outside the microtask queue). */
async function settle (w: ReturnType<typeof open>['wrapper']): Promise<void> {
  await flushPromises()
  await vi.waitFor(() => {
    if (w.findAll('[data-test="installation-hash"]').some((h) => h.text() === '…')) throw new Error('still hashing')
  })
}

const requestsOf = (fetch: ReturnType<typeof stubFetch>) => fetch.mock.calls.map((c) => `${initOf(c)?.method ?? 'GET'} ${String(c[0])}`)

/** Noon UTC: the same day in every time zone the tests may run in. */
const REVOKED_AT = '2026-11-20T12:00:00.000Z'
/** A as before, B revoked (an admin revoked it: no token, and its id may not register). */
const withRevoked = () => installationList([
  installationSummary({ revoked_at: null }),
  installationSummary({ installation_id: INSTALLATION_B, registered: false, revoked_at: REVOKED_AT }),
])

describe('InstallationsCard', () => {
  afterEach(() => sessionStorage.clear())

  it('shows a loading state while the list loads', () => {
    const fetch = stubFetch({ [LIST]: 'pending' })
    const { wrapper: w } = open()
    expect(w.find('[role="status"]').text()).toContain('Loading…')
    expect(w.find('[data-test="installations-card"]').attributes('aria-busy')).toBe('true')
    expect(String(fetch.mock.calls[0]?.[0])).toBe('/api/v2/admin/installations?limit=25&offset=0')
    expect(authorizationOf(fetch.mock.calls[0])).toBe(`Bearer ${ADMIN_TOKEN}`)
  })

  it('shows installations by a short SHA-256 pseudonym, never their id, with model, ledger and quality', async () => {
    stubFetch({ [LIST]: { status: 200, body: installationList() } })
    const { wrapper: w } = open()
    await settle(w)
    const rows = w.findAll('[data-test="installation-row"]')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.find('[data-test="installation-hash"]').text()).toBe(hashOf(INSTALLATION_A))
    expect(rows[1]!.find('[data-test="installation-hash"]').text()).toBe(hashOf(INSTALLATION_B))
    expect(w.html()).not.toContain(INSTALLATION_A)
    expect(w.html()).not.toContain(INSTALLATION_B)
    const cells = rows[0]!.findAll('td').map((c) => c.text())
    expect(cells[0]).toBe('AERO SLM')
    expect(cells[1]).toBe('own token')
    expect(cells[4]).toBe('42')
    // 27,000 stored of 27,300: 98.9 %, and 2 gap days, from the quality request
    expect(rows[0]!.find('[data-test="installation-quality"]').text()).toBe('98.9%')
    expect(rows[0]!.find('[data-test="installation-quality"]').attributes('title')).toContain('270 implausible')
    expect(rows[0]!.find('[data-test="installation-gaps"]').text()).toBe('2')
    expect(rows[0]!.find('[data-test="revoke"]').text()).toBe('Revoke')
    // B sent nothing in the window: no data, not 0 %; unknown model; no token, yet its id can be
    // revoked (it then may not register or upload); not revoked, so nothing to reinstate
    expect(rows[1]!.find('[data-test="installation-quality"]').text()).toBe('–')
    expect(rows[1]!.find('[data-test="installation-quality"]').attributes('title')).toBe('No data in the last 30 days')
    expect(rows[1]!.findAll('td')[0]!.text()).toBe('unknown')
    expect(rows[1]!.findAll('td')[1]!.text()).toBe('none')
    expect(rows[1]!.find('[data-test="revoke"]').exists()).toBe(true)
    expect(rows[1]!.find('[data-test="erase"]').exists()).toBe(true)
    expect(w.find('[data-test="installation-revoked"]').exists()).toBe(false)
    expect(w.find('[data-test="reinstate"]').exists()).toBe(false)
    expect(w.find('[data-test="page-info"]').text()).toBe('1–2 of 2')
  })

  it('uses German number and date formats in German', async () => {
    stubFetch({ [LIST]: { status: 200, body: installationList([installationSummary({ contribution_days: 1234 })]) } })
    const { wrapper: w } = open({ locale: 'de' })
    await settle(w)
    const row = w.find('[data-test="installation-row"]')
    expect(row.find('[data-test="installation-quality"]').text()).toMatch(/^98,9\s%$/)
    expect(row.findAll('td')[4]!.text()).toBe('1.234')
    expect(row.findAll('td')[2]!.text()).toMatch(/^01\.09\.26, \d{2}:\d{2}$/) // short German date and 24-hour time
    expect(row.find('[data-test="erase"]').text()).toBe('Löschen')
  })

  it('marks the quality columns unavailable, not empty, when the quality request failed', async () => {
    stubFetch({ [LIST]: { status: 200, body: installationList() } })
    const { wrapper: w } = open({ quality: { status: 'error', error: new ApiError('network', '/api/v2/admin/quality') } })
    await settle(w)
    const cell = w.find('[data-test="installation-quality"]')
    expect(cell.text()).toBe('?')
    expect(cell.attributes('title')).toContain('could not be loaded')
  })

  it('says so when no installation exists', async () => {
    stubFetch({ [LIST]: { status: 200, body: installationList([], 0) } })
    const { wrapper: w } = open()
    await settle(w)
    expect(w.find('[data-test="installations-empty"]').text()).toContain('No installation has sent data yet')
    expect(w.find('table').exists()).toBe(false)
  })

  it('shows an unreachable server as an error, never as an empty list, and retries', async () => {
    const fetch = stubFetch({ [LIST]: 'network' })
    const { wrapper: w } = open()
    await settle(w)
    expect(w.find('[data-test="installations-error"]').text()).toContain('The server cannot be reached')
    expect(w.find('[data-test="installations-empty"]').exists()).toBe(false)
    stubFetch({ [LIST]: { status: 200, body: installationList() } })
    await w.find('[data-test="installations-error"] button').trigger('click')
    await flushPromises()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(w.findAll('[data-test="installation-row"]')).toHaveLength(2)
  })

  it('ends the session on a 401 instead of showing an error card', async () => {
    stubFetch({ [LIST]: { status: 401, body: { code: 'HP_ERR_TOKEN_REJECTED', detail: 'Invalid Token' } } })
    const { wrapper: w, session } = open()
    await settle(w)
    expect(session.token.value).toBeNull()
    expect(session.notice.value).toEqual({ kind: 'rejected', status: 401 })
    expect(w.find('[data-test="installations-error"]').exists()).toBe(false)
  })

  it('pages through the installations 25 at a time', async () => {
    const fetch = stubFetch({ [LIST]: { status: 200, body: installationList(undefined, 60) } })
    const { wrapper: w } = open()
    await settle(w)
    expect(w.find('[data-test="page-info"]').text()).toBe('1–25 of 60')
    expect(w.find('[data-test="page-prev"]').attributes('disabled')).toBeDefined()
    await w.find('[data-test="page-next"]').trigger('click')
    await flushPromises()
    expect(String(fetch.mock.calls.at(-1)?.[0])).toBe('/api/v2/admin/installations?limit=25&offset=25')
    expect(w.find('[data-test="page-info"]').text()).toBe('26–50 of 60')
    await w.find('[data-test="page-next"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-test="page-info"]').text()).toBe('51–60 of 60')
    expect(w.find('[data-test="page-next"]').attributes('disabled')).toBeDefined()
  })

  it('marks a revoked installation with the day and offers Reinstate instead of Revoke', async () => {
    stubFetch({ [LIST]: { status: 200, body: withRevoked() } })
    const { wrapper: w } = open()
    await settle(w)
    const [a, b] = w.findAll('[data-test="installation-row"]')
    expect(a!.find('[data-test="installation-revoked"]').exists()).toBe(false)
    expect(a!.findAll('td')[1]!.text()).toBe('own token')
    expect(a!.find('[data-test="reinstate"]').exists()).toBe(false)
    const badge = b!.find('[data-test="installation-revoked"]')
    expect(badge.text()).toBe('revoked Nov 20, 2026')
    expect(badge.attributes('title')).toMatch(/^11\/20\/26, /) // the time too, in the title
    expect(b!.findAll('td')[1]!.text()).toBe('revoked Nov 20, 2026') // instead of "none"
    expect(b!.find('[data-test="revoke"]').exists()).toBe(false)
    expect(b!.find('[data-test="reinstate"]').text()).toBe('Reinstate')
    expect(b!.find('[data-test="erase"]').exists()).toBe(true)
  })

  it('says "revoked" and "Reinstate" in German', async () => {
    stubFetch({ [LIST]: { status: 200, body: withRevoked() } })
    const { wrapper: w } = open({ locale: 'de' })
    await settle(w)
    expect(w.find('[data-test="installation-revoked"]').text()).toBe('gesperrt am 20.11.2026')
    expect(w.find('[data-test="reinstate"]').text()).toBe('Entsperren')
    expect(w.find('[data-test="revoke"]').text()).toBe('Sperren')
  })

  it('revokes an installation only after the dialog says it is final, then says what happened', async () => {
    const fetch = stubFetch({
      [`/api/v2/admin/installations/${INSTALLATION_A}/revoke`]: { status: 200, body: { installation_id: INSTALLATION_A, revoked: true } },
      [LIST]: { status: 200, body: installationList() },
    })
    const { wrapper: w } = open()
    await settle(w)
    const dialog = w.find<HTMLDialogElement>('[data-test="confirm-dialog"]')
    expect(dialog.element.open).toBe(false)

    await w.find('[data-test="revoke"]').trigger('click')
    await flushPromises()
    expect(dialog.element.open).toBe(true)
    expect(dialog.find('h2').text()).toBe(`Revoke installation ${hashOf(INSTALLATION_A)}?`)
    const text = dialog.find('[data-test="confirm-text"]').text()
    expect(text).toContain('Revocation is final')
    expect(text).toContain('stops working at once')
    expect(text).toContain('can no longer register or upload')
    expect(text).toContain('data and contribution days are kept')
    expect(text).toContain('The owner must register a new installation id, unless an admin reinstates this one')
    expect(dialog.find('[data-test="confirm-action"]').text()).toBe('Revoke')
    await dialog.find('[data-test="cancel-action"]').trigger('click')
    await flushPromises()
    expect(dialog.element.open).toBe(false)
    expect(requestsOf(fetch).filter((r) => !r.startsWith('GET'))).toEqual([])

    await w.find('[data-test="revoke"]').trigger('click')
    await flushPromises()
    await dialog.find('[data-test="confirm-action"]').trigger('click')
    await flushPromises()
    expect(requestsOf(fetch).filter((r) => !r.startsWith('GET'))).toEqual([`POST /api/v2/admin/installations/${INSTALLATION_A}/revoke`])
    expect(authorizationOf(fetch.mock.calls.find((c) => initOf(c)?.method === 'POST'))).toBe(`Bearer ${ADMIN_TOKEN}`)
    expect(dialog.element.open).toBe(false)
    expect(w.find('[data-test="action-result"]').text()).toBe(`Installation ${hashOf(INSTALLATION_A)} was revoked.`)
    expect(requestsOf(fetch).filter((r) => r.startsWith(`GET ${LIST}`))).toHaveLength(2) // reloaded
    expect(w.emitted('changed')).toBeUndefined() // revocation keeps the data: quality unchanged
  })

  it('says an installation was already revoked when the server changed nothing', async () => {
    const fetch = stubFetch({
      [`/api/v2/admin/installations/${INSTALLATION_A}/revoke`]: { status: 200, body: { installation_id: INSTALLATION_A, revoked: false } },
      [LIST]: { status: 200, body: installationList() },
    })
    const { wrapper: w } = open()
    await settle(w)
    // another admin revoked it after this list loaded
    await w.find('[data-test="revoke"]').trigger('click')
    await flushPromises()
    await w.find('[data-test="confirm-action"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-test="action-result"]').text()).toBe(`Installation ${hashOf(INSTALLATION_A)} was already revoked; nothing changed.`)
    expect(w.find('[data-test="action-result"]').text()).not.toContain('token')
    expect(requestsOf(fetch).filter((r) => r.startsWith(`GET ${LIST}`))).toHaveLength(2) // reloaded: the badge shows up
  })

  it('reinstates a revoked installation only after the dialog explains who claims it, then reloads', async () => {
    const fetch = stubFetch({
      [`/api/v2/admin/installations/${INSTALLATION_B}/reinstate`]: { status: 200, body: { installation_id: INSTALLATION_B, reinstated: true } },
      [LIST]: { status: 200, body: withRevoked() },
    })
    const { wrapper: w } = open()
    await settle(w)
    const dialog = w.find<HTMLDialogElement>('[data-test="confirm-dialog"]')

    await w.find('[data-test="reinstate"]').trigger('click')
    await flushPromises()
    expect(dialog.element.open).toBe(true)
    expect(dialog.find('h2').text()).toBe(`Reinstate installation ${hashOf(INSTALLATION_B)}?`)
    const text = dialog.find('[data-test="confirm-text"]').text()
    expect(text).toContain('the first registration of the id then claims the installation and its history')
    expect(text).toContain('old token stays refused')
    expect(dialog.find('[data-test="confirm-action"]').text()).toBe('Reinstate')
    await dialog.find('[data-test="cancel-action"]').trigger('click')
    await flushPromises()
    expect(dialog.element.open).toBe(false)
    expect(requestsOf(fetch).filter((r) => !r.startsWith('GET'))).toEqual([])
    expect(w.find('[data-test="action-result"]').exists()).toBe(false)

    await w.find('[data-test="reinstate"]').trigger('click')
    await flushPromises()
    await dialog.find('[data-test="confirm-action"]').trigger('click')
    await flushPromises()
    expect(requestsOf(fetch).filter((r) => !r.startsWith('GET'))).toEqual([`POST /api/v2/admin/installations/${INSTALLATION_B}/reinstate`])
    expect(authorizationOf(fetch.mock.calls.find((c) => initOf(c)?.method === 'POST'))).toBe(`Bearer ${ADMIN_TOKEN}`)
    expect(dialog.element.open).toBe(false)
    expect(w.find('[data-test="action-result"]').text()).toBe(`Installation ${hashOf(INSTALLATION_B)} was reinstated: the next registration of its id claims it.`)
    expect(requestsOf(fetch).filter((r) => r.startsWith(`GET ${LIST}`))).toHaveLength(2) // reloaded
    expect(w.emitted('changed')).toBeUndefined() // the data did not change
  })

  it('says an installation was not revoked when a reinstatement changed nothing', async () => {
    stubFetch({
      [`/api/v2/admin/installations/${INSTALLATION_B}/reinstate`]: { status: 200, body: { installation_id: INSTALLATION_B, reinstated: false } },
      [LIST]: { status: 200, body: withRevoked() },
    })
    const { wrapper: w } = open({ locale: 'de' })
    await settle(w)
    await w.find('[data-test="reinstate"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-test="confirm-dialog"] h2').text()).toBe(`Installation ${hashOf(INSTALLATION_B)} entsperren?`)
    await w.find('[data-test="confirm-action"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-test="action-result"]').text()).toBe(`Installation ${hashOf(INSTALLATION_B)} war nicht gesperrt; nichts geändert.`)
  })

  it('erases an installation only after the dialog is confirmed and asks the dashboard to refresh quality', async () => {
    const fetch = stubFetch({
      [`/api/v2/admin/installations/${INSTALLATION_B}`]: { status: 200, body: { installation_id: INSTALLATION_B, samples_deleted: 1234 } },
      [LIST]: { status: 200, body: installationList() },
    })
    const { wrapper: w } = open()
    await settle(w)
    await w.findAll('[data-test="erase"]')[1]!.trigger('click')
    await flushPromises()
    const dialog = w.find<HTMLDialogElement>('[data-test="confirm-dialog"]')
    expect(dialog.find('h2').text()).toBe(`Erase installation ${hashOf(INSTALLATION_B)} and all its data?`)
    expect(dialog.find('[data-test="confirm-text"]').text()).toContain('cannot be undone')
    expect(dialog.find('[data-test="confirm-action"]').text()).toBe('Erase for good')
    expect(requestsOf(fetch).some((r) => r.startsWith('DELETE'))).toBe(false)

    await dialog.find('[data-test="confirm-action"]').trigger('click')
    await flushPromises()
    expect(requestsOf(fetch).filter((r) => r.startsWith('DELETE'))).toEqual([`DELETE /api/v2/admin/installations/${INSTALLATION_B}`])
    expect(w.find('[data-test="action-result"]').text()).toBe(`Installation ${hashOf(INSTALLATION_B)} was erased (1,234 samples deleted).`)
    expect(w.emitted('changed')).toHaveLength(1)
  })

  it('keeps the dialog open with the server\'s reason when an erasure fails', async () => {
    stubFetch({
      [`/api/v2/admin/installations/${INSTALLATION_A}`]: { status: 404, body: { code: 'HP_ERR_INSTALLATION_NOT_FOUND', detail: `cannot find installation ${INSTALLATION_A}` } },
      [LIST]: { status: 200, body: installationList() },
    })
    const { wrapper: w } = open()
    await settle(w)
    await w.find('[data-test="erase"]').trigger('click')
    await flushPromises()
    await w.find('[data-test="confirm-action"]').trigger('click')
    await flushPromises()
    const dialog = w.find<HTMLDialogElement>('[data-test="confirm-dialog"]')
    expect(dialog.element.open).toBe(true)
    expect(dialog.find('[data-test="action-error"]').text()).toContain('HTTP 404')
    expect(dialog.find('[data-test="action-error"]').text()).toContain('cannot find installation')
    expect(w.find('[data-test="action-result"]').exists()).toBe(false)
    expect(w.emitted('changed')).toBeUndefined()
  })
})
