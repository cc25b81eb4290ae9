import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

/**
 * The Content-Security-Policy of every answer. The API answers JSON, which a browser never runs;
 * the built web UI (Vite) loads only its own hashed scripts and stylesheets, draws Chart.js on
 * canvases and has an inline `data:` favicon. So nothing but the server's own origin is allowed,
 * no page may frame ours (clickjacking of the admin dashboard's Revoke and Erase), and
 * `upgrade-insecure-requests` is left out: on a plain-HTTP LAN install it would send the UI's
 * own asset requests to an https:// that does not exist.
 */
export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'upgrade-insecure-requests': null,
} as const

/**
 * Swagger UI at `/docs` sets inline styles and shows its validator badge (an image from
 * validator.swagger.io), so its pages get the same policy with inline styles and that image
 * allowed. It still runs no inline script and may not be framed.
 */
export const DOCS_CSP_DIRECTIVES = {
  ...CSP_DIRECTIVES,
  'img-src': ["'self'", 'data:', 'https://validator.swagger.io'],
  'style-src': ["'self'", "'unsafe-inline'"],
} as const

/**
 * Security headers on every response (OWASP API8, docs/SECURITY.md) through @fastify/helmet:
 * the CSP above, `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff`,
 * `Referrer-Policy: no-referrer`, same-origin opener and resource policies, and HSTS. HSTS is
 * only honoured by browsers over HTTPS, so on plain HTTP it is inert; behind a TLS-terminating
 * proxy it tells browsers to keep to HTTPS for a year.
 */
export default fp(async function securityHeadersPlugin (app: FastifyInstance) {
  // Before any route is added, so the docs routes (registered later) get their own policy.
  app.addHook('onRoute', (route) => {
    if (route.url === '/docs' || route.url.startsWith('/docs/')) {
      route.config = Object.assign(route.config ?? {}, {
        helmet: { contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP_DIRECTIVES } },
      })
    }
  })
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
  })
}, { name: 'security-headers' })
