import { describe, expect, it } from 'vitest'
import { startVictoriaMetrics } from '../engines/victoriametrics.js'
import { ADMIN_TOKEN, build, newId, v1Payload, v1Record } from '../helper.js'
import { NO_ENGINE } from '../engines/missing.js'

const NOW = Date.UTC(2026, 10, 27, 12)

describe('erasure on VictoriaMetrics', () => {
  it('also deletes what the upstream server wrote under the installation\'s id, in every spelling, and nothing else', async (ctx) => {
    const vm = await startVictoriaMetrics()
    if (vm === undefined) return ctx.skip(NO_ENGINE)
    const t = await build({ SAMPLE_STORE: 'victoriametrics', VM_URL: vm.url }, NOW)
    const { id, token } = await t.register()
    expect((await t.submit(v1Payload(id, [v1Record(NOW / 1000 - 60)]), token)).statusCode).toBe(200)
    const other = newId()
    const hex = id.replaceAll('-', '')
    const spellings = [id, id.toUpperCase(), hex, `{${id}}`, `urn:uuid:${id}`]
    const lines = [...spellings, other].map((label, i) =>
      `heatpump_metrics,installation_id=${label},model=AERO_SLM,version=1.0.2 temp_outside=${i} ${(NOW - 3_600_000) * 1_000_000}`)
    const write = await fetch(`${vm.url}/write`, { method: 'POST', body: lines.join('\n') })
    expect(write.status).toBe(204)
    await fetch(`${vm.url}/internal/force_flush`)

    const res = await t.inject({ method: 'DELETE', url: `/api/v2/admin/installations/${id}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(res.statusCode, res.body).toBe(200)

    await fetch(`${vm.url}/internal/force_flush`)
    const left = await (await fetch(`${vm.url}/api/v1/export?match[]=${encodeURIComponent('{__name__=~"heat.+"}')}`)).text()
    const labels = left.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { metric: Record<string, string> }).metric.installation_id)
    expect(labels).toEqual([other])
  })
})
