import type { AgentConfig } from '../config.js'
import type { ServerClient } from '../server-client.js'
import type { StateStore, TokenStore } from '../state.js'

/** How the agent authenticates an installation's uploads. */
export type Credential =
  | { readonly kind: 'token', readonly token: string }
  /** AGENT_SHARED_TOKEN, for servers in upstream shared-token mode. */
  | { readonly kind: 'shared', readonly token: string }
  /** No token: an upstream server without authentication (its AUTH_TOKEN empty). */
  | { readonly kind: 'none' }

export type CredentialProblem =
  | { readonly problem: 'no_consent' }
  /** The server already has a token for this id that the agent does not hold. */
  | { readonly problem: 'registration_refused', readonly detail: string }
  /** The server could not be reached or failed; try again later. */
  | { readonly problem: 'unreachable', readonly detail: string }

/** A problem in words, for status and logs. */
export function describeProblem (p: CredentialProblem): string {
  switch (p.problem) {
    case 'no_consent': return 'no consent given (heatpool-agent consent on)'
    case 'registration_refused': return `registration refused: ${p.detail}`
    case 'unreachable': return `cannot register: ${p.detail}`
  }
}

/**
 * Finds or obtains each installation's credential: its token file, else a registration with the
 * server (consent version and heat-pump model sent along), else the configured fallbacks.
 * Nothing is registered without consent.
 */
export class Credentials {
  constructor (
    private readonly config: AgentConfig,
    private readonly client: ServerClient,
    private readonly tokens: TokenStore,
    private readonly state: StateStore,
    /** Called (not awaited) after each successful registration: the model updater pins the server's signing key. */
    private readonly afterRegister?: (installationId: string) => Promise<unknown>,
  ) {}

  async for (installationId: string, heatpumpModel: string | null): Promise<Credential | CredentialProblem> {
    const consent = this.state.reload().consent
    if (!consent.given && !this.config.AGENT_CONSENT) return { problem: 'no_consent' }
    const token = this.tokens.get(installationId)
    if (token !== undefined) return { kind: 'token', token }

    const version = consent.version ?? this.config.AGENT_CONSENT_VERSION
    const proposal = this.tokens.proposal(installationId)
    const answer = await this.client.register(installationId, version, heatpumpModel ?? (this.config.AGENT_HEATPUMP_MODEL || null), proposal)
    const body = answer.body as { token?: unknown, detail?: unknown } | null
    if ((answer.status === 200 || answer.status === 201) && typeof body?.token === 'string') {
      this.tokens.confirm(installationId, body.token)
      this.state.notePrimary(installationId)
      this.afterRegister?.(installationId).catch(() => { /* the hook reports its own failures */ })
      return { kind: 'token', token: body.token }
    }
    // An upstream server has no registration route: fall back to its shared token, or to none.
    if (answer.status === 404 || answer.status === 405) {
      return this.config.AGENT_SHARED_TOKEN !== '' ? { kind: 'shared', token: this.config.AGENT_SHARED_TOKEN } : { kind: 'none' }
    }
    if (answer.status === 409) {
      if (this.config.AGENT_SHARED_TOKEN !== '') return { kind: 'shared', token: this.config.AGENT_SHARED_TOKEN }
      return { problem: 'registration_refused', detail: typeof body?.detail === 'string' ? body.detail : 'the installation is registered with a token this agent does not have' }
    }
    return { problem: 'unreachable', detail: answer.error ?? `registration answered ${answer.status}` }
  }
}
