import { existsSync, readdirSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Logger } from 'pino'
import { HttpError, Reply, type Router } from './http.js'

/** `packages/web/dist`, seen from `packages/agent/{src,dist}/api/`. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url))

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
}

/** Vite's hashed asset names: letters, digits, `_`, `-` and dots, never a path. */
const ASSET_NAME = /^[\w-][\w.-]*$/

export interface WebFile {
  /** The URL path it answers. */
  readonly path: string
  readonly file: string
  readonly type: string
  /** Hashed by Vite: its content never changes under this name. */
  readonly immutable: boolean
}

/**
 * The files the agent serves from a web build: `/` is the "my installation" page
 * (`me/index.html`), `/assets/<name>` each built asset. Undefined without a build.
 */
export function webFiles (root: string): WebFile[] | undefined {
  const index = join(root, 'me', 'index.html')
  if (!existsSync(index)) return undefined
  const files: WebFile[] = [{ path: '/', file: index, type: TYPES['.html'] as string, immutable: false }]
  const assets = join(root, 'assets')
  if (!existsSync(assets)) return files
  for (const entry of readdirSync(assets, { withFileTypes: true })) {
    if (!entry.isFile() || !ASSET_NAME.test(entry.name)) continue
    files.push({ path: `/assets/${entry.name}`, file: join(assets, entry.name), type: TYPES[extname(entry.name).toLowerCase()] ?? 'application/octet-stream', immutable: true })
  }
  return files
}

/**
 * Serves the built "my installation" page on the agent's router, without a framework (the
 * agent's memory budget, docs/BENCHMARKS.md "Agent"): one exact route per file found at
 * startup, so no request path ever reaches the file system (no traversal), API routes keep
 * theirs, and unknown paths get the API's JSON 404. Files are read per request, never held.
 * Hashed assets are cached for a year; the page is revalidated each time (ETag, 304), and may
 * not be framed, so no other site can overlay the consent toggle. Returns false (and warns)
 * without a build: the agent then serves its API only.
 */
export function serveWeb (app: Router, root: string, log?: Logger): boolean {
  const files = webFiles(root)
  if (files === undefined) {
    log?.warn({ root }, 'no built web UI (run `npm run build`): serving the API only')
    return false
  }
  for (const f of files) {
    const headers: Record<string, string> = {
      'x-content-type-options': 'nosniff',
      'cache-control': f.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...(f.immutable ? {} : { 'x-frame-options': 'DENY', 'content-security-policy': 'frame-ancestors \'none\'', 'referrer-policy': 'no-referrer' }),
    }
    app.route('GET', f.path, async (request) => {
      try {
        const s = await stat(f.file)
        const etag = `W/"${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"`
        if (request.headers['if-none-match'] === etag) return new Reply(304, null, f.type, { ...headers, etag })
        return new Reply(200, await readFile(f.file), f.type, { ...headers, etag })
      } catch {
        // Removed by a rebuild since startup: the new build is served after a restart.
        throw new HttpError(404, 'HP_ERR_NOT_FOUND', `no route GET ${f.path}`)
      }
    })
  }
  log?.info({ root, files: files.length }, 'serving the web UI')
  return true
}
