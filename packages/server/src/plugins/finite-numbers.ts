import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { httpError } from '../errors.js'

/** Whether a validated query or path value holds a number that is not finite. */
function nonFinite (value: unknown): boolean {
  return Array.isArray(value) ? value.some(nonFinite) : typeof value === 'number' && !Number.isFinite(value)
}

/**
 * Ajv 8 (as Fastify runs it, with `coerceTypes`) turns the query text `1e400` or `Infinity`
 * into ±Infinity and then lets it through `minimum`/`maximum` of integer and number schemas.
 * Found by the fuzz tests: `?days=1e400` reached date arithmetic and answered 500, `?limit=1e400`
 * reached SQLite and answered 503. After validation, a query or path value that is a number
 * must be finite, or the request is 422 `HP_ERR_VALIDATION` like any other out-of-range value.
 * Bodies are not touched: submit counts non-finite values one by one (`not_finite`).
 */
export default fp(async function finiteNumbersPlugin (app: FastifyInstance) {
  app.addHook('preHandler', async (request) => {
    for (const [part, values] of [['querystring', request.query], ['params', request.params]] as const) {
      if (values === null || typeof values !== 'object') continue
      for (const [name, value] of Object.entries(values)) {
        if (nonFinite(value)) throw httpError('HP_ERR_VALIDATION', `cannot validate ${part}: ${part}/${name} must be a finite number`)
      }
    }
  })
}, { name: 'finite-numbers' })
