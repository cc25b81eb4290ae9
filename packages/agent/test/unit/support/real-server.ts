import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../../../server/src/app.js'
import { loadConfig } from '../../../../server/src/config.js'
import { onCleanup, tempDir } from './rig.js'

export const ADMIN_TOKEN = 'agent-test-admin-token'

export interface RealServer {
  readonly app: FastifyInstance
  readonly url: string
  /** `METHOD /path?query` of every request the server received, in order. */
  readonly requests: string[]
  /** Uploads a community model as the admin; returns nothing, throws unless 201. */
  uploadModel (bytes: Buffer | string, heatpumpModel?: string): Promise<void>
}

/**
 * The real heatpool server in this process on a loopback port, on a fresh store; closed and
 * removed after the test. `env` overrides its configuration as environment variables would.
 */
export async function realServer (env: Readonly<Record<string, string>> = {}): Promise<RealServer> {
  const dataDir = tempDir('heatpool-server-')
  const config = loadConfig({
    DATA_DIR: dataDir,
    ADMIN_TOKEN,
    RETENTION_SCHEDULE: '',
    LOG_LEVEL: 'silent',
    SQLITE_SYNCHRONOUS: 'normal',
    PUBLIC_CACHE_SECONDS: '0',
    ...env,
  })
  const app = await buildApp({ config, logger: false })
  const requests: string[] = []
  app.addHook('onRequest', async (request) => { requests.push(`${request.method} ${request.url}`) })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  onCleanup(async () => {
    // The agent under test keeps connections to this in-process server alive; on a loaded
    // machine closing once waited for them past the hook timeout. After 5 s, cut them.
    const t = setTimeout(() => {
      console.warn('real server: close still waiting after 5 s; closing its connections')
      app.server.closeAllConnections()
    }, 5000)
    await app.close()
    clearTimeout(t)
  })
  return {
    app,
    url,
    requests,
    async uploadModel (bytes, heatpumpModel) {
      const query = heatpumpModel === undefined ? '' : `?heatpump_model=${encodeURIComponent(heatpumpModel)}`
      const res = await app.inject({ method: 'POST', url: `/api/v2/admin/models${query}`, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' }, payload: Buffer.from(bytes) })
      if (res.statusCode !== 201) throw new Error(`cannot upload model: ${res.statusCode} ${res.body}`)
    },
  }
}

/** A loopback URL where nothing listens (a port that was just free). */
export async function deadUrl (): Promise<string> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise<void>((resolve) => probe.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}
