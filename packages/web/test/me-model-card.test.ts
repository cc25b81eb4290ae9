import { describe, expect, it } from 'vitest'
import ModelCard from '../src/components/installation/ModelCard.vue'
import { AgentApiError } from '../src/me-api'
import { agentStatus, flushPromises, MY_INSTALLATION, mountWith, stubFetch } from './helpers'

const base = agentStatus()
const status = (over: Parameters<typeof agentStatus>[0] = {}) => ({ status: 'data' as const, data: agentStatus(over) })

describe('ModelCard', () => {
  it('shows a loading state', () => {
    const w = mountWith(ModelCard, { props: { status: { status: 'loading' } } })
    expect(w.find('[role="status"]').exists()).toBe(true)
  })

  it('shows the installed model with version, dates and key fingerprint; no anomalies: "none"', () => {
    const w = mountWith(ModelCard, { props: { status: status() } })
    expect(w.find('[data-test="model-installed"]').text()).toContain('AERO_SLM')
    expect(w.find('[data-test="model-version"]').text()).toBe('3')
    expect(w.find('[data-test="model-fingerprint"]').text()).toBe('3f9a 0c21 7be4 55d0')
    expect(w.find('[data-test="model-expired"]').exists()).toBe(false)
    expect(w.find('[data-test="anomalies-none"]').text()).toBe('None: no anomaly detected.')
    expect(w.find('[data-test="model-rejected"]').exists()).toBe(false)
  })

  it('no model yet: says how many contribution days are missing, and that anomalies need one', () => {
    const w = mountWith(ModelCard, { props: { status: status({ model: { ...base.model, installed: null, eligible: false, daysNeeded: 13 }, anomalies: { model: null, error: null, alerts: 0, events: [] } }) } })
    expect(w.find('[data-test="model-none"]').text()).toBe('No community model yet: 13 more contribution days needed.')
    expect(w.find('[data-test="anomalies-none"]').text()).toContain('once a community model is installed')
  })

  it('shows a refused update with its reason, an expired model, and anomaly events with their top features', () => {
    const w = mountWith(ModelCard, {
      locale: 'de',
      props: {
        status: status({
          model: { ...base.model, installed: { ...(base.model.installed as NonNullable<typeof base.model.installed>), expired: true }, rejected: { at: '2026-11-27T04:00:00.000Z', problem: 'rollback', detail: 'version 2 is not newer than 3', version: 2 } },
          anomalies: {
            model: { name: 'AERO_SLM', version: 3 }, error: null, alerts: 1,
            events: [{ at: '2026-11-27T06:15:00.000Z', installation_id: MY_INSTALLATION, heat_pump: 'hp-1', mode: 'heating', score: 0.8123, threshold: 0.7, top_features: [{ feature: 'pressure_low', value: 2.1, typical: 4.5, z: -5.25 }], model: { name: 'AERO_SLM', version: 3 } }],
          },
        }),
      },
    })
    expect(w.find('[data-test="model-expired"]').text()).toContain('abgelaufen')
    expect(w.find('[data-test="model-rejected"]').text()).toContain('rollback: version 2 is not newer than 3')
    const events = w.findAll('[data-test="anomaly-event"]')
    expect(events).toHaveLength(1)
    expect(events[0]?.text()).toContain('Wärmepumpe hp-1, Betriebsart Heizen')
    expect(events[0]?.text()).toContain('Wert 0,812, Schwelle 0,700')
    expect(events[0]?.text()).toContain('pressure_low: 2,10 (typisch 4,50, z = -5,3)')
  })

  it('anomaly detection off says so', () => {
    const w = mountWith(ModelCard, { props: { status: status({ anomalies: null }) } })
    expect(w.find('[data-test="anomalies-off"]').exists()).toBe(true)
  })

  it('"check now" asks the agent and tells the page; a server down is an honest error', async () => {
    stubFetch({ '/api/check-model': { status: 200, body: { checked: true } } })
    const w = mountWith(ModelCard, { props: { status: status() } })
    await w.find('[data-test="check-model"]').trigger('click')
    await flushPromises()
    expect(w.emitted('changed')).toHaveLength(1)

    stubFetch({ '/api/check-model': { status: 502, body: { code: 'HP_ERR_SERVER_UNREACHABLE', detail: 'cannot reach the heatpool server' } } })
    await w.find('[data-test="check-model"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-test="check-model-error"]').text()).toContain('The heatpool server cannot be reached')
    expect(w.find('[data-test="check-model-error"]').attributes('data-error-code')).toBe('HP_ERR_SERVER_UNREACHABLE')
  })

  it('the agent unreachable is an error with a retry', async () => {
    const w = mountWith(ModelCard, { props: { status: { status: 'error', error: new AgentApiError('network', '/api/status') } } })
    expect(w.find('[role="alert"]').text()).toContain('The agent cannot be reached')
    await w.find('[role="alert"] button').trigger('click')
    expect(w.emitted('refresh')).toHaveLength(1)
  })
})
