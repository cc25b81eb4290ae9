// @vitest-environment node
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { MESSAGES } from '../src/i18n'

const SRC = fileURLToPath(new URL('../src', import.meta.url))

function keysOf (messages: unknown, prefix = ''): string[] {
  if (typeof messages !== 'object' || messages === null) return [prefix]
  return Object.entries(messages).flatMap(([k, v]) => keysOf(v, prefix === '' ? k : `${prefix}.${k}`))
}

function sourceFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return sourceFiles(path)
    return /\.(vue|ts)$/.test(e.name) && !e.name.endsWith('.test.ts') ? [path] : []
  })
}

/** Every `t('…')` / `$t('…')` key in src, and the number of translation calls whose key is not a literal. */
function usedKeys (): { keys: Set<string>, dynamic: string[] } {
  const keys = new Set<string>()
  const dynamic: string[] = []
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/(?<![\w$])\$?t\(\s*(['"`])([^'"`]*)\1/g)) {
      if (m[1] === '`' && m[2]?.includes('${')) dynamic.push(`${file}: ${m[0]}`)
      else keys.add(m[2] ?? '')
    }
    for (const m of text.matchAll(/(?<![\w$])\$?t\(\s*[^'"`\s)]/g)) dynamic.push(`${file}: ${m[0]}`)
  }
  return { keys, dynamic }
}

const { en, de } = MESSAGES

describe('translations', () => {
  const enKeys = keysOf(en).sort()
  const deKeys = keysOf(de).sort()

  it('en.json and de.json have the same keys', () => {
    expect(deKeys.filter((k) => !enKeys.includes(k)), 'only in de.json').toEqual([])
    expect(enKeys.filter((k) => !deKeys.includes(k)), 'only in en.json').toEqual([])
  })

  it('no translation is empty', () => {
    const empty = (messages: unknown): string[] => keysOf(messages).filter((k) => k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], messages) === '')
    expect(empty(en)).toEqual([])
    expect(empty(de)).toEqual([])
  })

  it('every key the source uses exists in both languages, and keys are literals', () => {
    const { keys, dynamic } = usedKeys()
    expect(keys.size).toBeGreaterThan(30)
    expect([...keys].filter((k) => !enKeys.includes(k)), 'missing in en.json').toEqual([])
    expect([...keys].filter((k) => !deKeys.includes(k)), 'missing in de.json').toEqual([])
    expect(dynamic, 'computed keys cannot be checked').toEqual([])
  })
})
