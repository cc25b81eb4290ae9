import { spawnSync } from 'node:child_process'
import { existsSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt } from './server-process.js'

const repo = fileURLToPath(new URL('../../../../', import.meta.url))

describe('the installed commands (what `npx` runs)', () => {
  beforeAll(() => ensureBuilt())

  it.each([
    ['heatpool-admin', 'packages/server/bin/heatpool-admin.js', ['--help'], /Usage: heatpool-admin/],
    ['heatpool-agent', 'packages/agent/bin/heatpool-agent.js', ['--help'], /Usage: heatpool-agent/],
  ])('%s is linked to its committed shim and runs', (name, shim, args, usage) => {
    const link = join(repo, 'node_modules/.bin', name)
    expect(existsSync(link)).toBe(true)
    expect(realpathSync(link)).toBe(join(repo, shim))
    const res = spawnSync(link, args, { encoding: 'utf8', env: { PATH: process.env.PATH } })
    expect(`${res.stdout}${res.stderr}`).toMatch(usage)
  })
})
