import { afterEach, describe, expect, it, vi } from 'vitest'
import type { TrainingRuns } from '../src/admin-api'
import ModelFilesCard from '../src/components/admin/ModelFilesCard.vue'
import TrainingCard from '../src/components/admin/TrainingCard.vue'
import { progressOf, trainingActive } from '../src/components/admin/training'
import { ADMIN_TOKEN, authorizationOf, flushPromises, initOf, modelList, mountAdmin, stubFetch, trainingRun, trainingRuns } from './helpers'

const RUNS = '/api/v2/admin/training'
const START = '/api/v2/admin/training?wait=false'

type Answers = Parameters<typeof stubFetch>[0]

describe('training progress', () => {
  it('reads the free-form progress defensively', () => {
    expect(progressOf(null)).toBeNull()
    expect(progressOf({ phase: 'reading', heat_pumps_done: 3, heat_pumps: 10, samples: 5000 })).toEqual({ phase: 'reading', done: 3, total: 10, samples: 5000 })
    expect(progressOf({ phase: 'reading', heat_pumps_done: 'three' })).toEqual({ phase: 'reading', done: null, total: null, samples: null })
    expect(progressOf({ phase: 'training', windows: 42 })).toEqual({ phase: 'training', windows: 42 })
    expect(progressOf({ phase: 'something new' })).toEqual({ phase: 'unknown' })
  })

  it('counts a queued training (busy) or a running run as active', () => {
    expect(trainingActive({ busy: false, runs: [trainingRun()] })).toBe(false)
    expect(trainingActive({ busy: true, runs: [] })).toBe(true)
    expect(trainingActive({ busy: false, runs: [trainingRun({ status: 'running' })] })).toBe(true)
  })
})

describe('TrainingCard', () => {
  afterEach(() => sessionStorage.clear())

  it('shows a loading state', () => {
    stubFetch({ [RUNS]: 'pending' })
    const { wrapper: w } = mountAdmin(TrainingCard)
    expect(w.find('[role="status"]').text()).toContain('Loading…')
    expect(w.find('[data-test="train-now"]').attributes('disabled')).toBeDefined()
  })

  it('lists runs with model version, size, fingerprint, samples and duration, and the schedule', async () => {
    const fetch = stubFetch({
      [RUNS]: {
        status: 200,
        body: trainingRuns({
          runs: [
            trainingRun(),
            trainingRun({ id: 6, status: 'skipped', trigger: 'admin', summary: { samples: 10, windows: 0, installations: 2, heat_pumps: 2, lookback_days: 30, duration_ms: 850, reason: 'fewer than 3 installations' } }),
            trainingRun({ id: 5, status: 'failed', trigger: 'startup', summary: null, error: 'worker crashed', finished: '2026-11-27T03:02:00.000Z' }),
          ],
        }),
      },
    })
    const { wrapper: w } = mountAdmin(TrainingCard)
    await flushPromises()
    expect(authorizationOf(fetch.mock.calls[0])).toBe(`Bearer ${ADMIN_TOKEN}`)
    expect(w.find('[data-test="training-schedule"]').text()).toBe('daily at 03:00 UTC')
    expect(w.find('[data-test="signing-key"]').text()).toBe('3f9a:0c21:7be4:55d0:a1c8:9e3b:4f72:d016:8a5c:e2b9:07f3:6d41:bc28:5e90:13a7:f6c4')
    const rows = w.findAll('[data-test="training-row"]')
    expect(rows.map((r) => r.attributes('data-status'))).toEqual(['succeeded', 'skipped', 'failed'])
    expect(rows[0]!.findAll('td').map((c) => c.text())).toEqual(['succeeded', expect.any(String), '', '1,234,567', '4,321', '12', '12.3 s', '3', '256 KiB', '3f9a:0c21:7be4:55d0…'])
    expect(rows[0]!.find('th').text()).toBe('AERO SLM scheduled')
    expect(rows[1]!.find('[data-test="training-progress"]').text()).toBe('fewer than 3 installations')
    expect(rows[1]!.find('[data-test="training-version"]').text()).toBe('–')
    expect(rows[2]!.find('[data-test="training-progress"]').text()).toBe('worker crashed')
    expect(rows[2]!.findAll('td')[6]!.text()).toBe('2 min') // finished − started without a summary
    expect(w.find('[data-test="train-now"]').attributes('disabled')).toBeUndefined()
    expect(w.find('[data-test="training-active"]').exists()).toBe(false)
  })

  it('says so when no training has run, and when the schedule is off (in German)', async () => {
    stubFetch({ [RUNS]: { status: 200, body: trainingRuns({ runs: [], training_time: '' }) } })
    const { wrapper: w } = mountAdmin(TrainingCard, { locale: 'de' })
    await flushPromises()
    expect(w.find('[data-test="training-empty"]').text()).toBe('Es ist noch kein Training gelaufen.')
    expect(w.find('[data-test="training-schedule"]').text()).toBe('aus (TRAINING_TIME ist leer)')
    expect(w.find('[data-test="train-now"]').text()).toBe('Jetzt trainieren')
  })

  it('shows an error and retries', async () => {
    const fetch = stubFetch({ [RUNS]: 'network' })
    const { wrapper: w } = mountAdmin(TrainingCard)
    await flushPromises()
    expect(w.find('[data-test="training-error"]').text()).toContain('The server cannot be reached')
    expect(w.find('[data-test="training-empty"]').exists()).toBe(false)
    expect(w.find('[data-test="train-now"]').attributes('disabled')).toBeDefined()
    stubFetch({ [RUNS]: { status: 200, body: trainingRuns() } })
    await w.find('[data-test="training-error"] button').trigger('click')
    await flushPromises()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(w.findAll('[data-test="training-row"]')).toHaveLength(1)
  })

  it('trains now without waiting, shows the phase while polling, and reports when it has finished', async () => {
    const answers: Answers = { [START]: { status: 202, body: { started: true } }, [RUNS]: { status: 200, body: trainingRuns() } }
    const fetch = stubFetch(answers)
    const { wrapper: w } = mountAdmin(TrainingCard, { props: { pollMs: 5 } })
    await flushPromises()

    const running: TrainingRuns = trainingRuns({ busy: true, runs: [trainingRun({ id: 8, trigger: 'admin', status: 'running', finished: null, summary: null, progress: { phase: 'reading', heat_pumps_done: 2, heat_pumps: 5, samples: 12_000 } }), trainingRun()] })
    answers[RUNS] = { status: 200, body: running }
    await w.find('[data-test="train-now"]').trigger('click')
    await flushPromises()
    const post = fetch.mock.calls.find((c) => initOf(c)?.method === 'POST')
    expect(String(post?.[0])).toBe('/api/v2/admin/training?wait=false')
    expect(authorizationOf(post)).toBe(`Bearer ${ADMIN_TOKEN}`)
    expect(w.find('[data-test="training-active"]').exists()).toBe(true)
    expect(w.find('[data-test="train-now"]').text()).toBe('Training…')
    expect(w.find('[data-test="train-now"]').attributes('disabled')).toBeDefined()
    expect(w.find('[data-test="training-progress"]').text()).toBe('reading samples: 2 of 5 heat pumps, 12,000 samples')
    expect(w.emitted('finished')).toBeUndefined()

    // it keeps polling without falling back to "loading", and stops when the run is done
    answers[RUNS] = { status: 200, body: trainingRuns({ runs: [trainingRun({ id: 8, trigger: 'admin' }), trainingRun()] }) }
    await vi.waitFor(() => expect(w.emitted('finished')).toHaveLength(1))
    expect(w.find('[data-test="training-active"]').exists()).toBe(false)
    expect(w.findAll('[data-test="training-status"]').map((s) => s.text())).toEqual(['succeeded', 'succeeded'])
    const polls = fetch.mock.calls.length
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(fetch.mock.calls.length).toBe(polls)
  })

  it('shows a failed start without losing the list', async () => {
    stubFetch({ [START]: { status: 429, body: { code: 'HP_ERR_RATE_LIMITED', detail: 'Too many requests. Please try again later.' } }, [RUNS]: { status: 200, body: trainingRuns() } })
    const { wrapper: w } = mountAdmin(TrainingCard)
    await flushPromises()
    await w.find('[data-test="train-now"]').trigger('click')
    await flushPromises()
    expect(w.find('[data-test="train-error"]').text()).toContain('HTTP 429')
    expect(w.find('[data-test="train-error"]').text()).toContain('Too many requests')
    expect(w.findAll('[data-test="training-row"]')).toHaveLength(1)
  })

  it('ends the session when starting a training is refused', async () => {
    stubFetch({ [START]: { status: 403, body: { code: 'HP_ERR_ADMIN_REQUIRED', detail: 'an admin token is required' } }, [RUNS]: { status: 200, body: trainingRuns() } })
    const { wrapper: w, session } = mountAdmin(TrainingCard)
    await flushPromises()
    await w.find('[data-test="train-now"]').trigger('click')
    await flushPromises()
    expect(session.notice.value).toEqual({ kind: 'rejected', status: 403 })
    expect(session.token.value).toBeNull()
  })
})

describe('ModelFilesCard', () => {
  afterEach(() => sessionStorage.clear())

  it('shows a loading state', () => {
    stubFetch({ '/api/v1/models': 'pending' })
    const { wrapper: w } = mountAdmin(ModelFilesCard)
    expect(w.find('[role="status"]').exists()).toBe(true)
    expect(w.find('[data-test="model-files-card"]').attributes('aria-busy')).toBe('true')
  })

  it('lists the model files with version, size, hash and what they are served to', async () => {
    const fetch = stubFetch({ '/api/v1/models': { status: 200, body: modelList() } })
    const { wrapper: w } = mountAdmin(ModelFilesCard, { locale: 'de' })
    await flushPromises()
    expect(authorizationOf(fetch.mock.calls[0])).toBe(`Bearer ${ADMIN_TOKEN}`)
    const rows = w.findAll('[data-test="model-file-row"]')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.findAll('td').map((c) => c.text()).slice(0, 4)).toEqual(['aero_slm', '3', '256 KiB', 'cdcdcdcdcdcd…'])
    expect(rows[1]!.findAll('td').map((c) => c.text()).slice(0, 3)).toEqual(['jede Wärmepumpe ohne eigenes Modell', '1', '1 KiB'])
    expect(rows[0]!.find('th').text()).toContain('AERO_SLM.enc')
  })

  it('says so when there are no model files', async () => {
    stubFetch({ '/api/v1/models': { status: 200, body: modelList([]) } })
    const { wrapper: w } = mountAdmin(ModelFilesCard)
    await flushPromises()
    expect(w.find('[data-test="model-files-empty"]').text()).toContain('No model files yet')
  })

  it('shows an error, not an empty list, and retries', async () => {
    const fetch = stubFetch({ '/api/v1/models': { status: 500, body: { code: 'HP_ERR_INTERNAL', detail: 'Internal Server Error' } } })
    const { wrapper: w } = mountAdmin(ModelFilesCard)
    await flushPromises()
    expect(w.find('[data-test="model-files-error"]').text()).toContain('HTTP 500')
    expect(w.find('[data-test="model-files-empty"]').exists()).toBe(false)
    await w.find('[data-test="model-files-error"] button').trigger('click')
    await flushPromises()
    expect(fetch).toHaveBeenCalledTimes(2)
  })
})
