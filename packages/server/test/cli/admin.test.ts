import { execFile, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, build, type TestApp } from '../helper.js'
import { freePort } from '../process/server-process.js'
import { DAY_MS, pool, START, TRAINING_ENV } from '../training/pool.js'

const repo = fileURLToPath(new URL('../../../../', import.meta.url))
const CLI = join(repo, 'packages/server/dist/cli/admin.js')

beforeAll(() => {
  if (!existsSync(CLI)) execFileSync('npx', ['tsc', '-b', 'packages/server'], { cwd: repo, stdio: 'inherit' })
}, 120_000)

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs the built CLI with only the given environment. Asynchronous: the server under test
 * answers from this same process, so a synchronous child would deadlock.
 */
function run (args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
      resolve({ code, stdout, stderr })
    })
  })
}

async function serve (): Promise<{ t: TestApp, url: string }> {
  const t = await build()
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const address = t.app.server.address() as { port: number }
  return { t, url: `http://127.0.0.1:${address.port}` }
}

const withToken = { ADMIN_TOKEN }

describe('heatpool-admin status', () => {
  it('prints a summary', async () => {
    const { t, url } = await serve()
    const r = await run(['status', '--url', url], withToken)
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toBe([
      'status: online',
      'active installations (30 days): 0',
      `server time: ${new Date(t.clock.ms).toISOString()}`,
      '',
    ].join('\n'))
  })

  it('prints the JSON answer with --json, and reads the URL from HEATPOOL_URL', async () => {
    const { t, url } = await serve()
    const r = await run(['status', '--json'], { ...withToken, HEATPOOL_URL: `${url}/` })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ status: 'online', active_installations_30d: 0, timestamp: t.clock.ms / 1000 })
  })

  it('takes the token from --token', async () => {
    const { url } = await serve()
    const r = await run(['status', '--url', url, '--token', ADMIN_TOKEN])
    expect(r.code).toBe(0)
  })

  it('exits 1 on a wrong token, with the server\'s reason', async () => {
    const { url } = await serve()
    const r = await run(['status', '--url', url], { ADMIN_TOKEN: 'wrong' })
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(`cannot get server status: ${url} answered 403: Invalid Token (HP_ERR_INVALID_TOKEN)\n`)
  })

  it('exits 1 when the store is down (503)', async () => {
    const { t, url } = await serve()
    await t.app.store.close()
    const r = await run(['status', '--url', url], withToken)
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`cannot get server status: ${url} answered 503: cannot reach the store\n`)
  })

  it('exits 1 when no server answers', async () => {
    const url = `http://127.0.0.1:${await freePort()}`
    const r = await run(['status', '--url', url], withToken)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`^cannot get server status: cannot connect to ${url} \\(ECONNREFUSED\\)\\n$`))
  })
})

describe('heatpool-admin models', () => {
  it('lists the models', async () => {
    const { t, url } = await serve()
    expect((await run(['models', '--url', url], withToken)).stdout).toBe('no models\n')

    await t.app.models.put({ heatpumpModel: 'AERO SLM', bytes: Buffer.alloc(2048, 1) })
    await t.app.models.put({ bytes: Buffer.from('generic') })
    const r = await run(['models', '--url', url], withToken)
    expect(r.code).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe('2 models')
    expect(lines[1]).toMatch(/^AERO_SLM\.enc\s+v1\s+2\.0 KiB\s+2026-11-27T12:00:00\.000Z\s+sha256:[0-9a-f]{12}\s+AERO SLM$/)
    expect(lines[2]).toMatch(/^community_model\.enc\s+v1\s+7 B\s+.*\s+community model$/)

    const json = await run(['models', '--url', url, '--json'], withToken)
    expect(JSON.parse(json.stdout)).toMatchObject({ total: 2, model_dir: 'MODEL_DIR', models: [{ filename: 'AERO_SLM.enc' }, { filename: 'community_model.enc' }] })
  })

  it('exits 1 on a wrong token', async () => {
    const { url } = await serve()
    const r = await run(['models', '--url', url, '--token', 'wrong'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^cannot list models: .* answered 403: Invalid Token/)
  })
})

describe('heatpool-admin usage', () => {
  it.each([
    ['no command', [], withToken, /^cannot run heatpool-admin: no command given/],
    ['an unknown command', ['erase'], withToken, /^cannot run command "erase": unknown command/],
    ['an extra argument', ['status', 'now'], withToken, /^cannot run command status: unexpected argument "now"/],
    ['an unknown option', ['status', '--force'], withToken, /^cannot read arguments: Unknown option '--force'/],
    ['a URL that is not http', ['status', '--url', 'ftp://x'], withToken, /^cannot use --url "ftp:\/\/x": it must be an http\(s\) URL/],
    ['no token', ['status', '--url', 'http://127.0.0.1:8000'], {}, /^cannot get server status: no admin token, set ADMIN_TOKEN or pass --token/],
  ])('exits 2 with the usage on %s', async (_name, args, env, message) => {
    const r = await run(args, env)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(message)
    expect(r.stderr).toContain('Usage: heatpool-admin <command> [options]')
  })

  it('prints the usage with --help and exits 0', async () => {
    const r = await run(['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Usage: heatpool-admin <command> [options]')
  })
})

describe('heatpool-admin train and training', () => {
  it('trains, waits, prints the published model and the key fingerprint; exit 1 when the model asked for was not published', async () => {
    const t = await build(TRAINING_ENV, START + DAY_MS)
    await pool(t, 3, 1)
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`
    const r = await run(['train', '--model', 'AERO SLM', '--url', url], withToken)
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toContain(`signing key ${t.app.signingKey.fingerprint}`)
    expect(r.stdout).toMatch(/#1 AERO SLM: succeeded \(admin, .*\): AERO_SLM v1, .* expires /)
    expect(r.stdout).toMatch(/4320 samples, \d+ windows from 3 installations/)
    const listed = await run(['training', '--url', url, '--json'], withToken)
    expect(JSON.parse(listed.stdout).runs[0]).toMatchObject({ status: 'succeeded', summary: { model: { version: 1 } } })
    const missing = await run(['train', '--model', 'TERRA SW', '--url', url], withToken)
    expect(missing.code).toBe(1)
    expect(missing.stdout).toMatch(/TERRA SW: skipped .*0 installations gave data/)
    const wrong = await run(['status', '--model', 'x', '--url', url], withToken)
    expect(wrong.code).toBe(2)
  })
})
