import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../../../server/src/app.js'
import { loadConfig } from '../../../../server/src/config.js'
import { onCleanup, tempDir } from '../../unit/support/rig.js'

export const ADMIN_TOKEN = 'agent-notify-test-admin-token'

/**
 * The real heatpool server in this process on loopback, on a fresh store, with its clock in the
 * test's hand (`clock`), so that a month of contribution days passes in seconds. Closed after
 * the test.
 */
export async function clockedServer (clock: () => number, env: Readonly<Record<string, string>> = {}): Promise<{ app: FastifyInstance, url: string }> {
  const config = loadConfig({
    DATA_DIR: tempDir('heatpool-server-'),
    ADMIN_TOKEN,
    RETENTION_SCHEDULE: '',
    BADGES_SCHEDULE: '',
    LOG_LEVEL: 'silent',
    SQLITE_SYNCHRONOUS: 'normal',
    PUBLIC_CACHE_SECONDS: '0',
    ...env,
  })
  const app = await buildApp({ config, logger: false, clock })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  onCleanup(async () => {
    app.server.closeAllConnections()
    await app.close()
  })
  return { app, url }
}
