import { afterEach, describe, expect, it } from 'vitest'
import CommunityPage from '../src/components/CommunityPage.vue'
import PageShell from '../src/components/PageShell.vue'
import { isDark } from '../src/theme'
import { comparison, communityModels, flushPromises, mountWith, poolStatus, stubFetch } from './helpers'

const props = { page: CommunityPage, kind: 'community' as const }

function stubServer () {
  stubFetch({
    '/api/v1/pool/status': { status: 200, body: poolStatus() },
    '/api/v2/community/models': { status: 200, body: communityModels() },
    '/api/v2/community/comparison': { status: 200, body: comparison() },
  })
}

afterEach(() => {
  localStorage.clear()
  isDark.value = false
})

describe('the community page', () => {
  it('switches every card between English and German', async () => {
    stubServer()
    const w = mountWith(PageShell, { props, attachTo: document.body })
    await flushPromises()
    const en = w.text()
    expect(w.find('h1').text()).toBe('heatpool community')
    expect(en).toContain('Community Data Pool Status')
    expect(en).toContain('Heat-pump models')
    expect(en).toContain('AERO SLM: COP by outdoor temperature')
    expect(w.find('[data-test="installations"]').text()).toBe('1,234')
    expect(w.find('[data-test="lang-en"]').attributes('aria-pressed')).toBe('true')

    await w.find('[data-test="lang-de"]').trigger('click')
    const de = w.text()
    expect(w.find('h1').text()).toBe('heatpool Community')
    expect(de).toContain('Community Datenpool Status')
    expect(de).toContain('Wärmepumpen-Modelle')
    expect(de).toContain('AERO SLM: COP nach Außentemperatur')
    expect(de).toContain('Genug Daten für ein Community-Modell')
    expect(w.find('[data-test="installations"]').text()).toBe('1.234')
    expect(w.find('[data-test="lang-de"]').attributes('aria-pressed')).toBe('true')
    expect(document.documentElement.lang).toBe('de')
    expect(localStorage.getItem('heatpool.locale')).toBe('de')
    expect(document.title).toBe('heatpool · heatpool Community')
    for (const english of ['Heat-pump models', 'Installations', 'Data points', 'Dark mode', 'Refresh']) expect(de).not.toContain(english)
    w.unmount()
  })

  it('toggles dark mode and remembers it', async () => {
    stubServer()
    const w = mountWith(PageShell, { props })
    await flushPromises()
    const toggle = w.find('[data-test="theme-toggle"]')
    expect(toggle.attributes('aria-pressed')).toBe('false')
    await toggle.trigger('click')
    await flushPromises()
    expect(toggle.attributes('aria-pressed')).toBe('true')
    expect(document.documentElement.dataset.theme).toBe('dark')
    expect(localStorage.getItem('heatpool.theme')).toBe('dark')
  })
})
