import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { AgentConfigSchema } from '../src/config.js'

const read = (path: string) => readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8')
const properties = AgentConfigSchema.properties as unknown as Record<string, { default: unknown, description?: string }>

describe('agent documentation matches its configuration schema', () => {
  it('packages/agent/.env.example lists every key with its default', () => {
    const listed = [...read('packages/agent/.env.example').matchAll(/^([A-Z_]+)=(.*)$/gm)].map((m) => [m[1], m[2]])
    expect(listed).toEqual(Object.entries(properties).map(([k, v]) => [k, String(v.default)]))
  })

  it('the README agent table lists every key', () => {
    const readme = read('README.md')
    const section = readme.slice(readme.indexOf('## The agent'), readme.indexOf('## Layout'))
    expect([...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1])).toEqual(Object.keys(properties))
  })

  it('every key has help text', () => {
    for (const [key, schema] of Object.entries(properties)) expect(schema.description, key).toMatch(/\w{3,}/)
  })
})
