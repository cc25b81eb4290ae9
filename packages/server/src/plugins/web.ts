import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** `packages/web/dist`, seen from `packages/server/{src,dist}/plugins/`. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url))

export interface WebPluginOptions {
  /** The built web UI (Vite's `dist`); tests point it elsewhere. */
  readonly root?: string
}

/**
 * Serves the built web UI: `/` answers the community page, `/admin/` the admin dashboard, and each
 * built file its own path (but not `/me/`, the agent's page). Routes are
 * made per file at startup (no wildcard), so API routes keep precedence and unknown paths still
 * get the API's JSON 404. Without a build (a server built without the web package) it warns
 * and serves nothing. Hashed assets are cached for a year; index.html is revalidated each time.
 */
export default async function webPlugin (app: FastifyInstance, opts: WebPluginOptions): Promise<void> {
  const root = opts.root ?? DEFAULT_WEB_ROOT
  if (!existsSync(`${root}/index.html`)) {
    app.log.warn({ root }, 'no built web UI (run `npm run build`): serving the API only')
    return
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: false,
    decorateReply: false,
    index: 'index.html',
    // me/ is the agent's page (it needs the agent's local API); the server does not offer it.
    allowedPath: (path) => !/^\/me(?:\/|$)/.test(path),
    cacheControl: false,
    setHeaders (reply, path) {
      reply.header('x-content-type-options', 'nosniff')
      reply.header('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache')
    },
  })
}
