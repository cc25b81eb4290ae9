import { describe, expect, it } from 'vitest'
import { build } from '../helper.js'

const NOW_S = Date.UTC(2026, 10, 27, 11) / 1000

/**
 * OWASP API4 (unrestricted resource consumption) and API2 (credential brute force): guessing
 * tokens and creating installations are limited per client address, before any token is
 * checked or any row written; another address is not affected.
 */
describe('rate limits', () => {
  it('stop token guessing from one address after RATE_LIMIT_IP_PER_MINUTE tries, on every authenticated route', async () => {
    const t = await build({ RATE_LIMIT_IP_PER_MINUTE: '5' })
    const guesses = [
      { method: 'POST', url: '/api/v1/submit', payload: { installation_id: '00000000-0000-4000-8000-000000000001', data: [{ timestamp: NOW_S, temp_outside: 1 }] } },
      { method: 'GET', url: '/api/v2/installations/me' },
      { method: 'GET', url: '/api/v2/community/ranking' },
      { method: 'GET', url: '/api/v1/model/download' },
      { method: 'GET', url: '/api/v1/community/averages?model=AERO%20SLM' },
    ] as const
    const codes: number[] = []
    for (let i = 0; i < 8; i++) {
      const g = guesses[i % guesses.length] as (typeof guesses)[number]
      const res = await t.inject({ ...g, remoteAddress: '198.51.100.7', headers: { authorization: `Bearer hpi_guess${i}-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa` } })
      codes.push(res.statusCode)
      if (res.statusCode === 429) {
        expect(res.json().code).toBe('HP_ERR_RATE_LIMITED')
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
      }
    }
    expect(codes.slice(0, 5).every((c) => c === 401 || c === 403)).toBe(true)
    expect(codes.slice(5)).toEqual([429, 429, 429])
    // Another address still gets its answer.
    const other = await t.inject({ method: 'GET', url: '/api/v2/installations/me', remoteAddress: '198.51.100.8', headers: { authorization: 'Bearer hpi_x-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } })
    expect(other.statusCode).toBe(401)
  })

  it('limit registrations per address to RATE_LIMIT_REGISTRATIONS_PER_HOUR, however many ids are tried', async () => {
    const t = await build({ RATE_LIMIT_REGISTRATIONS_PER_HOUR: '3' })
    const register = (remoteAddress: string) => t.inject({ method: 'POST', url: '/api/v2/installations', remoteAddress, payload: { consent_version: '1' } })
    const codes: number[] = []
    for (let i = 0; i < 6; i++) codes.push((await register('203.0.113.9')).statusCode)
    expect(codes).toEqual([201, 201, 201, 429, 429, 429])
    const refused = await register('203.0.113.9')
    expect(refused.json().code).toBe('HP_ERR_RATE_LIMITED')
    // The window is an hour: Retry-After says so (within the hour, not a minute).
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(60)
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600)
    // Nothing was created by the refused ones: three installations exist.
    const list = await t.inject({ method: 'GET', url: '/api/v2/admin/installations', headers: { authorization: 'Bearer test-admin-token' } })
    expect(list.json().installations).toHaveLength(3)
    // IPv6 clients are counted by their /64, so one host cannot rotate through its addresses.
    const v6: number[] = []
    for (let i = 1; i <= 4; i++) v6.push((await register(`2001:db8:1:2::${i}`)).statusCode)
    expect(v6).toEqual([201, 201, 201, 429])
    expect((await register('203.0.113.10')).statusCode).toBe(201)
  })

  it('keep registrations limited by default: 100 an hour per address', async () => {
    const t = await build()
    expect(t.config.RATE_LIMIT_REGISTRATIONS_PER_HOUR).toBe(100)
  })
})
