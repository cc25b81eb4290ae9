import { describe, expect, it } from 'vitest'
import { build, newId, v1Payload, v1Record } from '../helper.js'
import { SHARED_TOKEN } from './payloads.js'
import { installationRows, sampleRowCount, storedSamples } from './stored.js'

const NOW_S = Date.UTC(2026, 10, 27, 12) / 1000

/** Every spelling Python's `uuid.UUID()` accepted upstream. */
const spellings = (id: string): [string, string][] => [
  ['canonical', id],
  ['uppercase', id.toUpperCase()],
  ['braces', `{${id}}`],
  ['urn:uuid:', `urn:uuid:${id}`],
  ['32 hex digits', id.replaceAll('-', '')],
]

describe('installation_id spellings', () => {
  it('stores every spelling of one UUID as one installation, answering the canonical form', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    const forms = spellings(id)
    for (const [i, [form, sent]] of forms.entries()) {
      const res = await t.submit(v1Payload(sent, [v1Record(NOW_S - 600 + 60 * i)]), SHARED_TOKEN)
      expect(res.statusCode, form).toBe(200)
      expect(res.json().installation_id, form).toBe(id)
    }

    expect((await installationRows(t)).map((r) => r.id)).toEqual([id])
    const stored = await storedSamples(t, id)
    expect([...new Set(stored.map((s) => s.ts))]).toEqual(forms.map((_, i) => (NOW_S - 600 + 60 * i) * 1000))
    expect(stored.filter((s) => s.metric === 'temp_outdoor').map((s) => s.value)).toEqual(forms.map(() => 5.5))
    expect(stored).toHaveLength(5 * forms.length)
  })

  it('answers the canonical lowercase form for an uppercase id with braces', async () => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const id = newId()
    const res = await t.submit(v1Payload(`{${id.toUpperCase()}}`, [v1Record(NOW_S - 60)]), SHARED_TOKEN)
    expect(res.statusCode).toBe(200)
    expect(res.json().installation_id).toBe(id)
  })

  it.each([
    'not-a-uuid',
    '',
    '12345678-1234-1234-1234-1234567890', // too short
    'g2345678-1234-1234-1234-123456789012', // not hex
  ])('refuses %j with 422 HP_ERR_INVALID_INSTALLATION_ID and stores nothing', async (sent) => {
    const t = await build({ AUTH_TOKEN: SHARED_TOKEN })
    const res = await t.submit(v1Payload(sent, [v1Record(NOW_S - 60)]), SHARED_TOKEN)
    expect(res.statusCode).toBe(422)
    expect(res.json()).toMatchObject({ code: 'HP_ERR_INVALID_INSTALLATION_ID' })
    expect(res.json().detail).toContain(JSON.stringify(sent))
    expect(await installationRows(t)).toEqual([])
    expect(await sampleRowCount(t)).toBe(0)
  })
})
