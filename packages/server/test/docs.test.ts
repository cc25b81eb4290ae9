import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ConfigSchema } from '../src/config.js'
import { ERRORS } from '../src/errors.js'

const read = (path: string) => readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8')

describe('documentation matches the code', () => {
  it('docs/ERRORS.md lists exactly the codes of errors.ts, with their status', () => {
    const doc = read('docs/ERRORS.md')
    const documented = [...doc.matchAll(/^\| `(HP_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1] as string, Number(m[2])] as const)
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(Object.entries(ERRORS).map(([code, def]) => [code, def.status])))
  })

  const keys = Object.keys(ConfigSchema.properties)

  it('.env.example lists every configuration key with its default', () => {
    const example = read('.env.example')
    const listed = [...example.matchAll(/^([A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]])
    const defaults = Object.entries(ConfigSchema.properties as unknown as Record<string, { default: unknown }>).map(([k, v]) => [k, String(v.default)])
    expect(listed).toEqual(defaults)
  })

  it('the README configuration table lists every key', () => {
    const readme = read('README.md')
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## API overview'))
    const listed = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1])
    expect(listed).toEqual(keys)
  })

  it('every configuration key has help text', () => {
    for (const [key, schema] of Object.entries(ConfigSchema.properties as Record<string, { description?: string }>)) {
      expect(schema.description, key).toMatch(/\w{3,}/)
    }
  })
})
