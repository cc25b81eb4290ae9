import Type, { type Static } from 'typebox'

/**
 * `POST /api/v2/admin/installations/:id/revoke`. The installation keeps its data, loses its
 * token, and its id can no longer be registered or written (`HP_ERR_INSTALLATION_REVOKED`)
 * until an admin reinstates it.
 */
export const RevocationResultSchema = Type.Object({
  installation_id: Type.String(),
  revoked: Type.Boolean({ description: 'False when the installation was already revoked (nothing changed)' }),
})
export type RevocationResult = Static<typeof RevocationResultSchema>

/**
 * `POST /api/v2/admin/installations/:id/reinstate`. The installation stays without a token:
 * registering its id again claims it, as for an id known only from legacy uploads.
 */
export const ReinstatementResultSchema = Type.Object({
  installation_id: Type.String(),
  reinstated: Type.Boolean({ description: 'False when the installation was not revoked (nothing changed)' }),
})
export type ReinstatementResult = Static<typeof ReinstatementResultSchema>
