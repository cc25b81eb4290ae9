import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'

describe('logs', () => {
  it('never contain a full client address, a token or a body', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heatpool-log-'))
    const lines: string[] = []
    const app = await buildApp({
      config: loadConfig({ DATA_DIR: dir, ADMIN_TOKEN: 'admin', AUTH_TOKEN: 'shared-secret', LOG_LEVEL: 'info', RETENTION_SCHEDULE: '' }),
      logStream: { write: (line) => { lines.push(line) } },
    })
    try {
      await app.inject({ method: 'GET', url: '/health', remoteAddress: '203.0.113.77' })
      await app.inject({
        method: 'POST',
        url: '/api/v1/submit',
        remoteAddress: '2001:db8:1234:5678::1',
        headers: { authorization: 'Bearer shared-secret' },
        payload: { installation_id: 'a9e1f2d4-0c5b-4f0e-9d7c-1b2a3c4d5e6f', data: [{ timestamp: Date.now() / 1000, temp_outside: 4.25 }] },
      })
      const text = lines.join('')
      expect(text).toContain('203.0.xxx.xxx')
      expect(text).toContain('2001:db8:xxxx:xxxx')
      expect(text).not.toContain('203.0.113.77')
      expect(text).not.toContain('1234:5678')
      expect(text).not.toContain('shared-secret')
      expect(text).not.toContain('4.25')
    } finally {
      await app.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
