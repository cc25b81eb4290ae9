import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Bearer tokens are 32 random bytes (base64url) behind a prefix that says what they are for.
 * With that much entropy a plain SHA-256 is a sufficient one-way hash: the store keeps only
 * hashes, so a leaked database grants no access.
 */
export function generateToken (prefix: 'hpi' | 'hpa'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`
}

export function hashToken (token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** Compares two secrets in constant time (by their hashes, so lengths may differ). */
export function secretsEqual (a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest())
}

/**
 * The token of an `Authorization` header: `undefined` when the header is absent or empty, `null` when it
 * is present but not `Bearer <token>` (scheme case-insensitive, as upstream).
 */
export function bearerToken (header: string | undefined): string | null | undefined {
  // An empty header is a missing one (upstream: 401).
  if (header === undefined || header.trim() === '') return undefined
  const match = /^bearer\s+(\S+)\s*$/i.exec(header)
  return match ? match[1] as string : null
}
