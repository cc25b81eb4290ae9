import { describe, expect, it } from 'vitest'
import { ApiError } from '../src/api'
import ModelsTable from '../src/components/ModelsTable.vue'
import { communityModels, mountWith } from './helpers'

describe('ModelsTable', () => {
  it('shows a loading state', () => {
    const w = mountWith(ModelsTable, { props: { state: { status: 'loading' } } })
    expect(w.find('[role="status"]').text()).toContain('Loading…')
    expect(w.find('table').exists()).toBe(false)
  })

  it('lists the models with n, median seasonal COP and the p25–p75 spread', () => {
    const w = mountWith(ModelsTable, { props: { state: { status: 'data', data: communityModels() } } })
    const row = w.find('[data-test="model-aero_slm"]')
    expect(row.find('th').text()).toBe('AERO SLM')
    expect(row.findAll('td').map((c) => c.text())).toEqual(['1,234', '1,300', '3.46', '3.10–3.90'])
    const de = mountWith(ModelsTable, { locale: 'de', props: { state: { status: 'data', data: communityModels() } } })
    expect(de.find('[data-test="model-aero_slm"]').findAll('td').map((c) => c.text())).toEqual(['1.234', '1.300', '3,46', '3,10–3,90'])
    expect(de.find('thead').text()).toContain('Median-Jahres-COP')
  })

  it('shows a withheld COP as withheld, never as zero', () => {
    const w = mountWith(ModelsTable, { props: { state: { status: 'data', data: communityModels() } } })
    const cells = w.find('[data-test="model-terra_sw"]').findAll('td').map((c) => c.text())
    expect(cells.slice(2)).toEqual(['withheld (too few installations)', 'withheld (too few installations)'])
    expect(cells.join(' ')).not.toMatch(/\b0[.,]00\b/)
  })

  it('explains an empty list with the k-anonymity threshold', () => {
    const w = mountWith(ModelsTable, { props: { state: { status: 'data', data: communityModels([]) } } })
    expect(w.find('[data-test="models-empty"]').text()).toContain('No heat-pump model has 5 installations yet')
    expect(w.find('table').exists()).toBe(false)
  })

  it('shows an error with a retry button that emits retry', async () => {
    const w = mountWith(ModelsTable, { props: { state: { status: 'error', error: new ApiError('http', '/api/v2/community/models', 500) } } })
    expect(w.find('[role="alert"]').text()).toContain('HTTP 500')
    expect(w.find('[data-test="models-empty"]').exists()).toBe(false)
    await w.find('[role="alert"] button').trigger('click')
    expect(w.emitted('retry')).toHaveLength(1)
  })
})
