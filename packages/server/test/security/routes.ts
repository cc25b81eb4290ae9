import type { FastifyInstance } from 'fastify'

export interface RouteEntry { readonly method: string, readonly url: string }

/**
 * Every route the app serves, read from Fastify's own route tree (`printRoutes`), so a route
 * added later is seen by the security tests without anyone listing it (OWASP API9, inventory).
 * Each line is `<indent>├── <segment> (<METHODS>)`, a segment continuing its parent's path.
 */
export function listRoutes (app: FastifyInstance): RouteEntry[] {
  const stack: string[] = []
  const routes: RouteEntry[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (m === null) continue
    const depth = (m[1] as string).length / 4
    stack.length = depth
    const url = (stack[depth - 1] ?? '') + (m[2] as string)
    stack.push(url)
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) routes.push({ method, url })
  }
  return routes
}

/** Admin-only routes: everything under /api/v2/admin/, and the upstream v1 routes that were admin-only there. */
export function isAdminRoute (r: RouteEntry): boolean {
  return r.url.startsWith('/api/v2/admin/') || (r.method !== 'HEAD' && ['/api/v1/models', '/api/v1/status'].includes(r.url))
}

/** The route's URL with its parameters filled in. */
export function concreteUrl (url: string, params: Record<string, string>): string {
  return url.replace(/:([A-Za-z_]+)/g, (_, name: string) => encodeURIComponent(params[name] ?? 'x'))
}
