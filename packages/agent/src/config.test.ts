import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { generateKeyPairSync } from 'node:crypto'
import { publicKeyToBase64 } from '@heatpool/protocol/model-manifest'
import { AgentConfigError, AgentConfigSchema, agentConfigFromProcess, loadAgentConfig } from './config.js'

function configError (fn: () => unknown): AgentConfigError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(AgentConfigError)
    return err as AgentConfigError
  }
  throw new Error('expected an AgentConfigError, got a configuration')
}

describe('loadAgentConfig', () => {
  it.each<[string, unknown]>([
    ['HEATPOOL_SERVER_URL', 'http://127.0.0.1:8000'],
    ['AGENT_PORT', 8090],
    ['AGENT_HOST', '127.0.0.1'],
    ['AGENT_DATA_DIR', './agent-data'],
    ['AGENT_CONSENT', false],
    ['AGENT_SHARED_TOKEN', ''],
    ['AGENT_UPLOAD_INTERVAL', 86_400],
    ['AGENT_FLUSH_RECORDS', 2000],
    ['AGENT_BATCH_RECORDS', 500],
    ['AGENT_OUTBOX_MAX_BYTES', 256 * 1024 * 1024],
    ['AGENT_RETRY_MIN_MS', 1000],
    ['AGENT_RETRY_MAX_MS', 300_000],
    ['AGENT_MODEL_CHECK_INTERVAL', 86_400],
    ['AGENT_MODEL_PUBLIC_KEY', ''],
    ['AGENT_MODEL_PAYLOAD_KEY', ''],
    ['LOG_LEVEL', 'info'],
  ])('defaults %s to %j', (key, value) => {
    expect(loadAgentConfig({})[key as keyof ReturnType<typeof loadAgentConfig>]).toEqual(value)
  })

  it('has a default and a description for every key', () => {
    for (const [key, schema] of Object.entries(AgentConfigSchema.properties) as [string, { default?: unknown, description?: string }][]) {
      expect(schema.default, key).toBeDefined()
      expect(schema.description, key).toMatch(/\w{3}/)
    }
  })

  it.each<[string, string, unknown]>([
    ['AGENT_PORT', '9001', 9001],
    ['AGENT_PORT', '0', 0],
    ['AGENT_CONSENT', 'true', true],
    ['AGENT_CONSENT', 'false', false],
    ['AGENT_UPLOAD_INTERVAL', '60', 60],
    ['HEATPOOL_SERVER_URL', 'https://heatpool.example.org/', 'https://heatpool.example.org'],
    ['HEATPOOL_SERVER_URL', 'http://10.0.0.2:8000///', 'http://10.0.0.2:8000'],
    ['LOG_LEVEL', 'silent', 'silent'],
  ])('reads %s=%j from the environment as %j', (key, raw, value) => {
    expect(loadAgentConfig({ [key]: raw })[key as 'AGENT_PORT']).toEqual(value)
  })

  it('takes the file where the environment says nothing, the environment over the file', () => {
    const file = { AGENT_PORT: 9100, AGENT_CONSENT: true, AGENT_DATA_DIR: '/var/lib/heatpool-agent', AGENT_BATCH_RECORDS: 100 }
    const config = loadAgentConfig({ AGENT_PORT: '9200', AGENT_DATA_DIR: undefined }, file)
    expect(config).toMatchObject({ AGENT_PORT: 9200, AGENT_CONSENT: true, AGENT_DATA_DIR: '/var/lib/heatpool-agent', AGENT_BATCH_RECORDS: 100, AGENT_FLUSH_RECORDS: 2000 })
  })

  it.each<[string, Record<string, string>]>([
    ['AGENT_PORT', { AGENT_PORT: 'abc' }],
    ['AGENT_PORT', { AGENT_PORT: '70000' }],
    ['AGENT_PORT', { AGENT_PORT: '-1' }],
    ['AGENT_CONSENT', { AGENT_CONSENT: 'yes please' }],
    ['AGENT_BATCH_RECORDS', { AGENT_BATCH_RECORDS: '0' }],
    ['AGENT_BATCH_RECORDS', { AGENT_BATCH_RECORDS: '5001' }],
    ['AGENT_FLUSH_RECORDS', { AGENT_FLUSH_RECORDS: '0' }],
    ['AGENT_UPLOAD_INTERVAL', { AGENT_UPLOAD_INTERVAL: '0' }],
    ['AGENT_OUTBOX_MAX_BYTES', { AGENT_OUTBOX_MAX_BYTES: '100' }],
    ['AGENT_REQUEST_TIMEOUT_MS', { AGENT_REQUEST_TIMEOUT_MS: '10' }],
    ['AGENT_DATA_DIR', { AGENT_DATA_DIR: '' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
  ])('refuses a bad %s, naming it: %j', (key, env) => {
    const err = configError(() => loadAgentConfig(env))
    expect(err.message).toMatch(/^cannot load agent configuration: /)
    expect(err.message).toContain(`${key}=`)
  })

  it('names every bad key at once, including bad values from the file', () => {
    const err = configError(() => loadAgentConfig({ AGENT_PORT: 'x' }, { LOG_LEVEL: 'loud', AGENT_BATCH_RECORDS: 0 }))
    expect(err.message).toContain('AGENT_PORT=')
    expect(err.message).toContain('LOG_LEVEL=')
    expect(err.message).toContain('AGENT_BATCH_RECORDS=')
  })

  it.each<[string, string, unknown]>([
    ['environment', 'AGENT_PORT', '8090.5'],
    ['environment', 'AGENT_UPLOAD_INTERVAL', '3600.9'],
    ['environment', 'AGENT_BATCH_RECORDS', '2.5'],
    ['file', 'AGENT_PORT', 8090.5],
    ['file', 'AGENT_PORT', true],
  ])('refuses from the %s a %s that is not a whole number (%j) instead of truncating it', (source, key, raw) => {
    const load = () => source === 'file' ? loadAgentConfig({}, { [key]: raw }) : loadAgentConfig({ [key]: raw as string })
    expect(configError(load).message).toContain(`${key}=`)
  })

  it.each([
    ['AGENT_PORT', 8090],
    ['AGENT_MODEL_CHECK_INTERVAL', 86_400],
  ])('never reads an empty %s as 0 (a random port, checks switched off)', (key, fallback) => {
    let value: unknown
    try {
      value = loadAgentConfig({ [key]: '' })[key as 'AGENT_PORT']
    } catch (err) {
      expect(err).toBeInstanceOf(AgentConfigError)
      expect((err as Error).message).toContain(`${key}=`)
      return
    }
    expect(value).toBe(fallback)
  })
})

describe('model keys', () => {
  const publicKey = publicKeyToBase64(generateKeyPairSync('ed25519').publicKey)

  it('takes an Ed25519 public key (base64, 32 bytes) and an AES-256 payload key (base64 or hex)', () => {
    const config = loadAgentConfig({ AGENT_MODEL_PUBLIC_KEY: publicKey, AGENT_MODEL_PAYLOAD_KEY: 'ab'.repeat(32) })
    expect(config).toMatchObject({ AGENT_MODEL_PUBLIC_KEY: publicKey, AGENT_MODEL_PAYLOAD_KEY: 'ab'.repeat(32) })
    expect(loadAgentConfig({ AGENT_MODEL_PAYLOAD_KEY: Buffer.alloc(32, 3).toString('base64') }).AGENT_MODEL_PAYLOAD_KEY).toHaveLength(44)
  })

  it('refuses a public key that is not 32 bytes, naming it', () => {
    const err = configError(() => loadAgentConfig({ AGENT_MODEL_PUBLIC_KEY: 'c2hvcnQ=' }))
    expect(err.message).toMatch(/AGENT_MODEL_PUBLIC_KEY="c2hvcnQ=": cannot read an Ed25519 public key from 5 bytes/)
  })

  it('refuses a payload key that is not 32 bytes without repeating the secret', () => {
    const err = configError(() => loadAgentConfig({ AGENT_MODEL_PAYLOAD_KEY: 'c2VjcmV0LXRvby1zaG9ydA==' }))
    expect(err.message).toMatch(/AGENT_MODEL_PAYLOAD_KEY \(not shown\): cannot use a model payload key of 16 bytes/)
    expect(err.message).not.toContain('c2VjcmV0')
  })
})

describe('agentConfigFromProcess', () => {
  const dirs: string[] = []
  afterEach(() => {
    vi.unstubAllEnvs()
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  function file (text: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'heatpool-agent-config-'))
    dirs.push(dir)
    const path = join(dir, 'agent.json')
    writeFileSync(path, text)
    return path
  }

  it('reads the AGENT_CONFIG file under the environment', () => {
    vi.stubEnv('AGENT_CONFIG', file(JSON.stringify({ AGENT_PORT: 9300, AGENT_HEATPUMP_MODEL: 'AERO SLM', LOG_LEVEL: 'warn' })))
    vi.stubEnv('LOG_LEVEL', 'error')
    vi.stubEnv('AGENT_PORT', undefined)
    expect(agentConfigFromProcess()).toMatchObject({ AGENT_PORT: 9300, AGENT_HEATPUMP_MODEL: 'AERO SLM', LOG_LEVEL: 'error' })
  })

  it.each([
    ['a file that does not exist', () => '/nonexistent/heatpool-agent.json', /AGENT_CONFIG file "\/nonexistent\/heatpool-agent\.json" does not exist/],
    ['a file that is not JSON', () => file('AGENT_PORT=1'), /is not JSON/],
  ])('refuses %s', (_name, path, message) => {
    vi.stubEnv('AGENT_CONFIG', path())
    expect(configError(() => agentConfigFromProcess()).message).toMatch(message)
  })
})
