import { execFile, execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer, type AddressInfo } from 'node:net'
import { ServerTCP, type IServiceVector } from 'modbus-serial'
import { pino } from 'pino'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadAgentConfig } from '../../src/config.js'
import { startAgent } from '../../src/service.js'
import { FakeServer, REGISTER } from './support/fake-server.js'
import { deadUrl } from './support/real-server.js'
import { onCleanup, tempDir } from './support/rig.js'
import { signer } from './support/bundles.js'

const REPO = fileURLToPath(new URL('../../../../', import.meta.url))
const AGENT = join(REPO, 'packages/agent')
const MAIN = join(AGENT, 'dist/cli/main.js')

/** The newest modification time of the agent's sources (tests excluded). */
function newestSource (dir = join(AGENT, 'src')): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path))
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

beforeAll(() => {
  // tsc -b rewrites only what changed; its build info says when it last built.
  const built = join(AGENT, 'dist/.tsbuildinfo')
  if (!existsSync(MAIN) || !existsSync(built) || statSync(built).mtimeMs < newestSource()) {
    execFileSync('npx', ['tsc', '-b', 'packages/agent'], { cwd: REPO, stdio: 'pipe' })
  }
})

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the CLI as a user would, with only the given environment (plus PATH). Never blocks the event loop. */
function cli (args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr })
    })
  })
}

const servers: FakeServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

describe('heatpool-agent CLI', () => {
  it('with no command: usage on stdout, exit 2', async () => {
    const run = await cli([])
    expect(run.code).toBe(2)
    expect(run.stdout).toMatch(/^Usage: heatpool-agent <command>/)
    for (const command of ['run', 'status', 'flush', 'check-model', 'register', 'consent on\\|off', 'model pin --key <base64>', 'model pin --reset']) expect(run.stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'))
  })

  it('--help: usage, exit 0', async () => {
    const run = await cli(['--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^Usage: heatpool-agent <command>/)
  })

  it.each([
    [['frobnicate'], /^cannot run `frobnicate`: unknown command/],
    [['consent'], /^cannot set consent: say `consent on` or `consent off`/],
    [['consent', 'maybe'], /^cannot set consent/],
    [['model'], /^cannot change the model signing key: say `model pin --key <base64>` or `model pin --reset`/],
    [['model', 'pin'], /^cannot change the model signing key/],
    [['model', 'pin', '--key'], /^cannot change the model signing key/],
    [['model', 'pin', '--reset', 'now'], /^cannot change the model signing key/],
  ])('%j: an error and the usage on stderr, exit 2', async (args, message) => {
    const run = await cli(args, { AGENT_DATA_DIR: tempDir() })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(message)
    expect(run.stderr).toContain('Usage: heatpool-agent <command>')
  })

  it('consent on / off writes state.json (private) and keeps the installation id', async () => {
    const dir = tempDir()
    const on = await cli(['consent', 'on'], { AGENT_DATA_DIR: dir, AGENT_CONSENT_VERSION: '2026-11-b' })
    expect(on.code).toBe(0)
    expect(JSON.parse(on.stdout)).toMatchObject({ consent: { given: true, version: '2026-11-b' } })
    const path = join(dir, 'state.json')
    const state = JSON.parse(readFileSync(path, 'utf8')) as { installationId: string, consent: { given: boolean, version: string, changedAt: string } }
    expect(state.installationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(state.consent).toMatchObject({ given: true, version: '2026-11-b' })
    expect(Math.abs(Date.parse(state.consent.changedAt) - Date.now())).toBeLessThan(60_000)
    expect(statSync(path).mode & 0o777).toBe(0o600)

    const off = await cli(['consent', 'off'], { AGENT_DATA_DIR: dir })
    expect(off.code).toBe(0)
    const after = JSON.parse(readFileSync(path, 'utf8')) as typeof state
    expect(after.consent.given).toBe(false)
    expect(after.installationId).toBe(state.installationId)
  })

  it('reads the AGENT_CONFIG file', async () => {
    const dir = tempDir()
    const config = join(dir, 'agent.json')
    writeFileSync(config, JSON.stringify({ AGENT_DATA_DIR: join(dir, 'data'), AGENT_CONSENT_VERSION: 'from-file' }))
    const run = await cli(['consent', 'on'], { AGENT_CONFIG: config })
    expect(run.code).toBe(0)
    expect(JSON.parse(readFileSync(join(dir, 'data', 'state.json'), 'utf8'))).toMatchObject({ consent: { given: true, version: 'from-file' } })
  })

  it('status with no agent running: exit 1, "cannot reach the agent"', async () => {
    const port = new URL(await deadUrl()).port
    const run = await cli(['status'], { AGENT_PORT: port, AGENT_DATA_DIR: tempDir() })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(new RegExp(`^cannot reach the agent at http://127\\.0\\.0\\.1:${port}: ECONNREFUSED \\(is \`heatpool-agent run\` running\\?\\)`))
    expect(run.stdout).toBe('')
  })

  it('a bad configuration: exit 1 naming the key', async () => {
    const run = await cli(['status'], { AGENT_PORT: 'eighty' })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^cannot load agent configuration: AGENT_PORT="eighty"/)
  })

  it('status and flush against a running agent', async () => {
    const server = await FakeServer.start()
    servers.push(server)
    const dir = tempDir()
    const agent = await startAgent(loadAgentConfig({ HEATPOOL_SERVER_URL: server.url, AGENT_PORT: '0', AGENT_DATA_DIR: dir, AGENT_MODEL_CHECK_INTERVAL: '0', AGENT_CONSENT: 'true' }), { httpLogs: false, logger: pino({ level: 'silent' }), tickMs: 50 })
    onCleanup(() => agent.close())
    const id = randomUUID()
    await fetch(`${agent.url}/api/v1/submit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ installation_id: id, data: [{ timestamp: 1_790_000_000, temp_outside: 3 }] }) })
    const env = { AGENT_PORT: new URL(agent.url).port, AGENT_DATA_DIR: dir }

    const status = await cli(['status'], env)
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ consent: { given: true }, outbox: { records: 1 }, installation_id: agent.state.get().installationId, model: { signingKey: null, installed: null, rejected: null } })

    const flush = await cli(['flush'], env)
    expect(flush.code).toBe(0)
    expect(JSON.parse(flush.stdout)).toMatchObject({ last_upload: { installationId: id, outcome: 'acknowledged', records: 1 }, outbox: { records: 0, uploaded: 1 } })
  })

  it('register: refused without consent; with consent registers the agent\'s own installation and pins the server\'s model signing key', async () => {
    const operator = signer()
    const server = await FakeServer.start({ 'GET /api/v2/models/signing-key': () => ({ status: 200, body: { algorithm: 'Ed25519', public_key: operator.base64, fingerprint: operator.fingerprint } }) })
    servers.push(server)
    const dir = tempDir()
    const env = { HEATPOOL_SERVER_URL: server.url, AGENT_DATA_DIR: dir, AGENT_HEATPUMP_MODEL: 'AERO SLM' }
    const refused = await cli(['register'], env)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^cannot register installation [0-9a-f-]{36}: no consent given/)
    expect(server.requests).toEqual([])

    expect((await cli(['consent', 'on'], env)).code).toBe(0)
    const run = await cli(['register'], env)
    expect(run.code).toBe(0)
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { installationId: string, primaryInstallationId: string, modelSigningKey: unknown }
    expect(JSON.parse(run.stdout)).toEqual({
      installation_id: state.installationId,
      registered: true,
      credential: 'token',
      model_signing_key: { fingerprint: operator.fingerprint, source: 'server', pinned_at: expect.any(String) },
    })
    expect(state.primaryInstallationId).toBe(state.installationId)
    expect(state.modelSigningKey).toMatchObject({ publicKey: operator.base64, fingerprint: operator.fingerprint, source: 'server' })
    expect(server.seen(REGISTER).map((r) => r.json)).toEqual([{ installation_id: state.installationId, consent_version: '2026-11', heatpump_model: 'AERO SLM', token: expect.stringMatching(/^hpi_/) }])
    expect(statSync(join(dir, 'tokens', `${state.installationId}.token`)).mode & 0o777).toBe(0o600)
  })

  it('model pin --key pins a key by hand (replacing the one pinned), --reset forgets it; a bad key is refused', async () => {
    const dir = tempDir()
    const first = signer()
    const second = signer()
    const statePath = join(dir, 'state.json')
    const pin = await cli(['model', 'pin', '--key', first.base64], { AGENT_DATA_DIR: dir })
    expect(pin.code).toBe(0)
    expect(JSON.parse(pin.stdout)).toEqual({ model_signing_key: { fingerprint: first.fingerprint, source: 'cli', pinned_at: expect.any(String) }, previous: null })
    expect(JSON.parse(readFileSync(statePath, 'utf8'))).toMatchObject({ modelSigningKey: { publicKey: first.base64, fingerprint: first.fingerprint, source: 'cli' } })

    const again = await cli(['model', 'pin', '--key', second.base64], { AGENT_DATA_DIR: dir, AGENT_MODEL_PUBLIC_KEY: first.base64 })
    expect(JSON.parse(again.stdout)).toMatchObject({ model_signing_key: { fingerprint: second.fingerprint }, previous: first.fingerprint, note: expect.stringMatching(/^AGENT_MODEL_PUBLIC_KEY is set/) })

    const bad = await cli(['model', 'pin', '--key', 'c2hvcnQ='], { AGENT_DATA_DIR: dir })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^cannot pin the model signing key: cannot read an Ed25519 public key from 5 bytes/)
    expect(JSON.parse(readFileSync(statePath, 'utf8'))).toMatchObject({ modelSigningKey: { fingerprint: second.fingerprint } })

    const reset = await cli(['model', 'pin', '--reset'], { AGENT_DATA_DIR: dir })
    expect(reset.code).toBe(0)
    expect(JSON.parse(reset.stdout)).toMatchObject({ model_signing_key: null, previous: second.fingerprint })
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as Record<string, unknown>
    expect(state.modelSigningKey).toBeUndefined()
    expect(state.installationId).toMatch(/^[0-9a-f-]{36}$/)
  })

  describe('read (Modbus TCP)', () => {
    /** A real Modbus TCP server on a free loopback port serving iDM's outdoor and flow floats (low word first). */
    async function idmDevice (): Promise<{ port: number, close: () => Promise<void> }> {
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const free = (probe.address() as AddressInfo).port
          probe.close(() => resolve(free))
        })
      })
      // 3.5 = 0x40600000, 35.5 = 0x420E0000: low word first.
      const holding = new Map([[1000, 0x0000], [1001, 0x4060], [1050, 0x0000], [1051, 0x420e]])
      const vector = {
        getHoldingRegister: (addr: number) => {
          const value = holding.get(addr)
          if (value === undefined) throw Object.assign(new Error('illegal data address'), { modbusErrorCode: 2 })
          return value
        },
      } as IServiceVector
      const server = new ServerTCP(vector, { host: '127.0.0.1', port })
      await new Promise((resolve) => server.once('initialized', resolve))
      const close = () => new Promise<void>((resolve) => server.close(() => resolve()))
      onCleanup(close)
      return { port, close }
    }

    it('reads once and prints the canonical readings as JSON, exit 0', async () => {
      const device = await idmDevice()
      const run = await cli(['read', '--driver', 'idm', '--host', '127.0.0.1', '--port', String(device.port), '--timeout', '1000'])
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      const out = JSON.parse(run.stdout) as { readings: Record<string, number>, errors: { kind: string }[] }
      expect(out).toMatchObject({ driver: 'idm', host: '127.0.0.1', port: device.port, unit: 1, readings: { temp_outdoor: 3.5, temp_flow: 35.5 } })
      // The registers this fixture lacks are reported, not fatal.
      expect(out.errors.length).toBeGreaterThan(0)
      expect(out.errors.every((e) => e.kind === 'holding')).toBe(true)
    })

    it('no device: exit 1, "cannot read <driver> at host:port"', async () => {
      const device = await idmDevice()
      await device.close()
      const run = await cli(['read', '--driver', 'stiebel-isg', '--host', '127.0.0.1', '--port', String(device.port), '--timeout', '500'])
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(new RegExp(`^cannot read stiebel-isg at 127\\.0\\.0\\.1:${device.port}: .*ECONNREFUSED`))
      expect(run.stdout).toBe('')
    })

    it.each([
      [['read'], /^cannot read: say which driver with --driver \(one of idm, stiebel-isg, ecodan-a1m, heishamon-modbus\)/],
      [['read', '--driver', 'vaillant', '--host', 'h'], /^cannot read: unknown driver "vaillant" \(known: idm, stiebel-isg, ecodan-a1m, heishamon-modbus\)/],
      [['read', '--driver', 'idm'], /^cannot read: say which device with --host/],
      [['read', '--driver', 'idm', '--host', 'h', '--port', '70000'], /^cannot read: --port must be an integer from 1 to 65535, not "70000"/],
      [['read', '--driver', 'idm', '--host', 'h', '--unit', 'x'], /^cannot read: --unit must be an integer/],
      [['read', '--driver', 'idm', '--host', 'h', '--colour', 'red'], /^cannot read: Unknown option '--colour'/],
    ])('%j: a usage error, exit 2', async (args, message) => {
      const run = await cli(args)
      expect(run.code).toBe(2)
      expect(run.stderr).toMatch(message)
      expect(run.stderr).toContain('Usage: heatpool-agent <command>')
    })
  })
})
