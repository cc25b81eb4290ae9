import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.js'
import { hashToken } from '../../src/auth/tokens.js'
import { loadConfig } from '../../src/config.js'
import { COMBINATIONS } from '../contract/combinations.js'
import { NO_ENGINE } from '../engines/missing.js'
import { ADMIN_TOKEN, build, v1Payload, v1Record, type TestApp } from '../helper.js'

const auth = (token: string) => ({ authorization: `Bearer ${token}` })
const NOW_S = Date.UTC(2026, 10, 27, 11) / 1000

/** Registers one installation with a server-made token and one with a client-chosen token, and uses both. */
async function tokensIn (t: Pick<TestApp, 'inject'>): Promise<string[]> {
  const made = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', heatpump_model: 'AERO SLM' } })
  const chosen = 'client-chosen-token-' + 'k'.repeat(40)
  const own = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', token: chosen } })
  expect(made.statusCode).toBe(201)
  expect(own.statusCode).toBe(201)
  for (const [id, token] of [[made.json().installation_id, made.json().token], [own.json().installation_id, chosen]] as [string, string][]) {
    const res = await t.inject({ method: 'POST', url: '/api/v1/submit', headers: auth(token), payload: v1Payload(id, [v1Record(NOW_S)]) })
    expect(res.statusCode).toBe(200)
  }
  return [made.json().token as string, chosen]
}

/** Every value of every row of every table, as text. */
function sqliteDump (file: string): string {
  const db = new Database(file, { readonly: true })
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]
    return tables.map(({ name }) => JSON.stringify(db.prepare(`select * from "${name}"`).all())).join('\n')
  } finally {
    db.close()
  }
}

/**
 * OWASP API2 (broken authentication): installation tokens and the admin token exist in clear
 * only in the answer that hands them out; the store keeps SHA-256 hashes (a leaked database
 * opens nothing), and an admin can revoke a token for good.
 */
describe('tokens', () => {
  it('are stored hashed in SQLite: no plaintext token in any row, nor in the database or WAL file bytes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'heatpool-tokens-'))
    const announced: string[] = []
    const app = await buildApp({
      config: loadConfig({ DATA_DIR: dir, ADMIN_TOKEN: '', LOG_LEVEL: 'silent', RETENTION_SCHEDULE: '', BADGES_SCHEDULE: '', TRAINING_TIME: '' }),
      logger: false,
      announce: (m) => { announced.push(m) },
    })
    try {
      await app.ready()
      const adminToken = /(hpa_\S+)/.exec(announced.join('\n'))?.[1] as string
      expect(adminToken).toMatch(/^hpa_/)
      expect((await app.inject({ method: 'GET', url: '/api/v2/admin/installations', headers: auth(adminToken) })).statusCode).toBe(200)
      const tokens = [...await tokensIn(app), adminToken]

      const rows = sqliteDump(join(dir, 'heatpool.db'))
      const bytes = ['heatpool.db', 'heatpool.db-wal'].map((f) => join(dir, f)).filter(existsSync).map((f) => readFileSync(f).toString('latin1')).join('')
      for (const token of tokens) {
        expect(rows).not.toContain(token)
        expect(bytes).not.toContain(token)
        expect(rows).toContain(hashToken(token)) // what is kept instead
      }
    } finally {
      await app.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('are stored hashed in PostgreSQL: no plaintext token in any row of any table', async (ctx) => {
    const combination = COMBINATIONS.find((c) => c.name === 'postgres+victoriametrics')
    const env = await combination?.env()
    if (env === undefined) return ctx.skip(NO_ENGINE)
    const t = await build(env)
    const tokens = [...await tokensIn(t), ADMIN_TOKEN]
    const client = new pg.Client({ connectionString: env.DATABASE_URL })
    await client.connect()
    try {
      const { rows: tables } = await client.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'")
      expect(tables.map((r) => r.table_name)).toContain('installations')
      let dump = ''
      for (const { table_name: name } of tables) dump += JSON.stringify((await client.query(`select * from "${name}"`)).rows) + '\n'
      for (const token of tokens) expect(dump).not.toContain(token)
      for (const token of tokens.slice(0, 2)) expect(dump).toContain(hashToken(token))
    } finally {
      await client.end()
    }
  })

  it('can be revoked by an admin: the token then opens nothing, and another installation is unaffected', async () => {
    const t = await build()
    const a = await t.register()
    const b = await t.register()
    const revoke = await t.inject({ method: 'POST', url: `/api/v2/admin/installations/${a.id}/revoke`, headers: auth(ADMIN_TOKEN) })
    expect(revoke.statusCode, revoke.body).toBe(200)

    const submit = await t.submit(v1Payload(a.id, [v1Record(NOW_S)]), a.token)
    expect(submit.statusCode).toBe(403)
    expect(submit.json().code).toBe('HP_ERR_INVALID_TOKEN')
    expect((await t.inject({ method: 'GET', url: '/api/v2/installations/me', headers: auth(a.token) })).statusCode).toBe(401)
    expect((await t.inject({ method: 'GET', url: '/api/v1/model/download', headers: auth(a.token) })).statusCode).toBe(403)
    // Nor can the thief register the id again and get a fresh token.
    const again = await t.inject({ method: 'POST', url: '/api/v2/installations', payload: { consent_version: '1', installation_id: a.id } })
    expect(again.statusCode).toBe(403)
    expect(again.json().code).toBe('HP_ERR_INSTALLATION_REVOKED')

    expect((await t.submit(v1Payload(b.id, [v1Record(NOW_S)]), b.token)).statusCode).toBe(200)
  })

  it('are replaced by rotation: the old token stops working at once', async () => {
    const t = await build()
    const a = await t.register()
    const rotated = await t.inject({ method: 'POST', url: '/api/v2/installations', headers: auth(a.token), payload: { consent_version: '1', installation_id: a.id } })
    expect(rotated.statusCode).toBe(200)
    const fresh = rotated.json().token as string
    expect(fresh).not.toBe(a.token)
    expect((await t.submit(v1Payload(a.id, [v1Record(NOW_S)]), a.token)).statusCode).toBe(403)
    expect((await t.submit(v1Payload(a.id, [v1Record(NOW_S)]), fresh)).statusCode).toBe(200)
  })
})
