import { existsSync, readFileSync } from 'node:fs'
import Type, { type Static } from 'typebox'
import { ConfigurationError, readConfiguration } from '@heatpool/protocol'

/**
 * The agent's one configuration schema: environment variables, optionally a JSON file
 * (`AGENT_CONFIG`, keys as below), the environment winning. Every key has a default and help.
 */
export const AgentConfigSchema = Type.Object({
  HEATPOOL_SERVER_URL: Type.String({ default: 'http://127.0.0.1:8000', description: 'Base URL of the heatpool server (the part before /api/…)' }),
  AGENT_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8090, description: 'Port of the local API and the relay (point a logger\'s TELEMETRY_ENDPOINT at http://<agent>:<port>/api/v1/submit)' }),
  AGENT_HOST: Type.String({ default: '127.0.0.1', description: 'Address the local API listens on; 0.0.0.0 to accept a logger on another host' }),
  AGENT_DATA_DIR: Type.String({ minLength: 1, default: './agent-data', description: 'Directory of the outbox, state, tokens and models' }),
  AGENT_CONSENT: Type.Boolean({ default: false, description: 'true gives consent to share data (same as `heatpool-agent consent on`); nothing is uploaded without consent' }),
  AGENT_CONSENT_VERSION: Type.String({ minLength: 1, default: '2026-11', description: 'Version of the consent text the owner accepted; sent at registration' }),
  AGENT_HEATPUMP_MODEL: Type.String({ default: '', description: 'Heat-pump model name (e.g. "AERO SLM") for registration and model lookup when the logger sends none' }),
  AGENT_SHARED_TOKEN: Type.String({ default: '', description: 'Fallback bearer token for servers in shared-token mode when registration is not possible' }),
  AGENT_UPLOAD_INTERVAL: Type.Integer({ minimum: 1, default: 86_400, description: 'Seconds between scheduled uploads; each installation uploads at its own random offset within the interval' }),
  AGENT_FLUSH_RECORDS: Type.Integer({ minimum: 1, default: 2000, description: 'Upload at once when this many records wait (as upstream)' }),
  AGENT_BATCH_RECORDS: Type.Integer({ minimum: 1, maximum: 5000, default: 500, description: 'Most records in one upload batch (as upstream)' }),
  AGENT_OUTBOX_MAX_BYTES: Type.Integer({ minimum: 1024, default: 256 * 1024 * 1024, description: 'Outbox size cap; past it the oldest records are dropped and counted' }),
  AGENT_RETRY_MIN_MS: Type.Integer({ minimum: 1, default: 1000, description: 'First retry delay after a failed upload (exponential backoff with full jitter)' }),
  AGENT_RETRY_MAX_MS: Type.Integer({ minimum: 1, default: 300_000, description: 'Longest retry delay' }),
  AGENT_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 60_000, description: 'Timeout of one request to the server' }),
  AGENT_MODEL_CHECK_INTERVAL: Type.Integer({ minimum: 0, default: 86_400, description: 'Seconds between community-model checks; 0 disables the schedule (on demand only)' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info', description: 'pino log level' }),
}, { additionalProperties: false })

export type AgentConfig = Static<typeof AgentConfigSchema>

export { ConfigurationError as AgentConfigError } from '@heatpool/protocol'

/** Reads, converts, defaults and validates (environment over file); throws naming every bad key. */
export function loadAgentConfig (env: Readonly<Record<string, string | undefined>>, file?: Readonly<Record<string, unknown>>): AgentConfig {
  const config = readConfiguration(AgentConfigSchema, file === undefined ? [env] : [env, file], 'agent configuration', file)
  return { ...config, HEATPOOL_SERVER_URL: config.HEATPOOL_SERVER_URL.replace(/\/+$/, '') }
}

/** The configuration of this process: `AGENT_CONFIG` (a JSON file) if set, then the environment. */
export function agentConfigFromProcess (): AgentConfig {
  const path = process.env.AGENT_CONFIG
  let file: Record<string, unknown> | undefined
  if (path !== undefined && path !== '') {
    if (!existsSync(path)) throw new ConfigurationError(`cannot load agent configuration: AGENT_CONFIG file ${JSON.stringify(path)} does not exist`)
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
    } catch (err) {
      throw new ConfigurationError(`cannot load agent configuration: ${path} is not JSON: ${(err as Error).message}`)
    }
  }
  return loadAgentConfig(process.env, file)
}
