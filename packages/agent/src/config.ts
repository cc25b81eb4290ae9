import { existsSync, readFileSync } from 'node:fs'
import { payloadKeyFrom, publicKeyFromBase64 } from '@heatpool/protocol/model-manifest'
import { checkEmails, checkHttpUrl, checkSignalAccount, checkSignalRecipients, checkTelegramChat, checkTimeZone, smtpSettings } from './notify/settings.js'
import { checkMapping, checkModbusDriver, checkMqttUrl, checkUnitId, sourceSettingProblems } from './sources/settings.js'

/**
 * The agent's one configuration: environment variables, optionally a JSON file (`AGENT_CONFIG`,
 * keys as below), the environment winning. Every key has a default and help.
 *
 * A plain table read by a few lines below, not a TypeBox schema: the agent runs for months next
 * to the heat pump on small hardware, and TypeBox's value module alone costs it ~20 MB of
 * memory (docs/BENCHMARKS.md, "Agent"). The rules are those of the server's configuration
 * (`readConfiguration` of @heatpool/protocol): text converted to the key's type, whole numbers
 * never truncated, unknown keys in the file refused, every bad key named at once.
 */
interface IntegerKey { readonly type: 'integer', readonly default: number, readonly minimum?: number, readonly maximum?: number, readonly description: string }
interface StringKey {
  readonly type: 'string'
  readonly default: string
  readonly minLength?: number
  readonly enum?: readonly string[]
  /** Throws with the reason when a non-empty value cannot be used. */
  readonly check?: (value: string) => unknown
  /** Never repeated in error messages. */
  readonly secret?: boolean
  readonly description: string
}
interface BooleanKey { readonly type: 'boolean', readonly default: boolean, readonly description: string }
type KeySchema = IntegerKey | StringKey | BooleanKey

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export const AgentConfigSchema = {
  properties: {
    HEATPOOL_SERVER_URL: { type: 'string', default: 'http://127.0.0.1:8000', description: 'Base URL of the heatpool server (the part before /api/…)' },
    AGENT_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 8090, description: 'Port of the local API and the relay (point a logger\'s TELEMETRY_ENDPOINT at http://<agent>:<port>/api/v1/submit)' },
    AGENT_HOST: { type: 'string', default: '127.0.0.1', description: 'Address the local API listens on; 0.0.0.0 to accept a logger on another host' },
    AGENT_DATA_DIR: { type: 'string', minLength: 1, default: './agent-data', description: 'Directory of the outbox, state, tokens and models' },
    AGENT_CONSENT: { type: 'boolean', default: false, description: 'true gives consent to share data (same as `heatpool-agent consent on`); nothing is uploaded without consent' },
    AGENT_CONSENT_VERSION: { type: 'string', minLength: 1, default: '2026-11', description: 'Version of the consent text the owner accepted; sent at registration' },
    AGENT_HEATPUMP_MODEL: { type: 'string', default: '', description: 'Heat-pump model name (e.g. "AERO SLM") for registration and model lookup when the logger sends none' },
    AGENT_SHARED_TOKEN: { type: 'string', default: '', description: 'Fallback bearer token for servers in shared-token mode when registration is not possible' },
    AGENT_UPLOAD_INTERVAL: { type: 'integer', minimum: 1, default: 86_400, description: 'Seconds between scheduled uploads; each installation uploads at its own random offset within the interval' },
    AGENT_FLUSH_RECORDS: { type: 'integer', minimum: 1, default: 2000, description: 'Upload at once when this many records wait (as upstream)' },
    AGENT_BATCH_RECORDS: { type: 'integer', minimum: 1, maximum: 5000, default: 500, description: 'Most records in one upload batch (as upstream)' },
    AGENT_OUTBOX_MAX_BYTES: { type: 'integer', minimum: 1024, default: 256 * 1024 * 1024, description: 'Outbox size cap; past it the oldest records are dropped and counted' },
    AGENT_RETRY_MIN_MS: { type: 'integer', minimum: 1, default: 1000, description: 'First retry delay after a failed upload (exponential backoff with full jitter)' },
    AGENT_RETRY_MAX_MS: { type: 'integer', minimum: 1, default: 300_000, description: 'Longest retry delay' },
    AGENT_REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 60_000, description: 'Timeout of one request to the server' },
    AGENT_MODEL_CHECK_INTERVAL: { type: 'integer', minimum: 0, default: 86_400, description: 'Seconds between community-model checks; 0 disables the schedule (on demand only)' },
    AGENT_MODEL_PUBLIC_KEY: { type: 'string', default: '', check: publicKeyFromBase64, description: 'Ed25519 public key (base64, 32 bytes: `public_key` of the server\'s GET /api/v2/models/signing-key) that must sign community models; empty = pin the server\'s key when the agent registers (trust on first use; fingerprint in `heatpool-agent status`)' },
    AGENT_MODEL_PAYLOAD_KEY: { type: 'string', default: '', check: payloadKeyFrom, secret: true, description: 'AES-256 key (32 bytes, base64 or hex) that opens encrypted model payloads; empty = encrypted models are refused' },
    // Notifications (src/notify/): a channel is on when its required keys are set.
    AGENT_NOTIFY_LANGUAGE: { type: 'string', enum: ['en', 'de'], default: 'en', description: 'Language of notifications: en or de' },
    AGENT_NOTIFY_TIME_ZONE: { type: 'string', default: '', check: checkTimeZone, description: 'IANA time zone of dates in notifications (e.g. Europe/Berlin); empty = the system\'s' },
    AGENT_NOTIFY_MAX_PER_HOUR: { type: 'integer', minimum: 1, maximum: 1000, default: 6, description: 'Most messages per channel in any hour; when more are due, the hour\'s last message carries the rest together, and past it they wait (none are dropped)' },
    AGENT_NOTIFY_CHECK_INTERVAL: { type: 'integer', minimum: 0, default: 3600, description: 'Seconds between asking the server for eligibility and badges to announce; 0 = never' },
    AGENT_NOTIFY_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 10_000, description: 'Timeout of one notification request (and signal-cli run: six times this)' },
    AGENT_NOTIFY_TELEGRAM_TOKEN: { type: 'string', default: '', secret: true, description: 'Telegram bot token (from @BotFather); with AGENT_NOTIFY_TELEGRAM_CHAT_ID turns Telegram on' },
    AGENT_NOTIFY_TELEGRAM_CHAT_ID: { type: 'string', default: '', check: checkTelegramChat, description: 'Telegram chat the bot writes to: a numeric chat id or @channelname' },
    AGENT_NOTIFY_TELEGRAM_API_URL: { type: 'string', default: 'https://api.telegram.org', check: checkHttpUrl, description: 'Base URL of the Telegram Bot API (a local Bot API server, or a test peer)' },
    AGENT_NOTIFY_DISCORD_WEBHOOK_URL: { type: 'string', default: '', check: checkHttpUrl, secret: true, description: 'Discord webhook URL (channel settings, Integrations, Webhooks); turns Discord on' },
    AGENT_NOTIFY_SMTP_URL: { type: 'string', default: '', check: smtpSettings, secret: true, description: 'Mail server: smtp://user:password@host:587 (STARTTLS, required) or smtps://user:password@host:465 (implicit TLS), user and password percent-encoded; with AGENT_NOTIFY_EMAIL_FROM and _TO turns e-mail on' },
    AGENT_NOTIFY_SMTP_CA_FILE: { type: 'string', default: '', description: 'PEM file of a CA (or self-signed certificate) to trust for the mail server, besides the system\'s' },
    AGENT_NOTIFY_EMAIL_FROM: { type: 'string', default: '', check: checkEmails, description: 'Sender address of notification e-mails' },
    AGENT_NOTIFY_EMAIL_TO: { type: 'string', default: '', check: checkEmails, description: 'Recipients of notification e-mails, comma-separated' },
    AGENT_NOTIFY_SIGNAL_CLI: { type: 'string', minLength: 1, default: 'signal-cli', description: 'signal-cli executable (a path, or a name on PATH)' },
    AGENT_NOTIFY_SIGNAL_ACCOUNT: { type: 'string', default: '', check: checkSignalAccount, description: 'Phone number signal-cli is registered with (+4915112345678); with AGENT_NOTIFY_SIGNAL_RECIPIENT turns Signal on' },
    AGENT_NOTIFY_SIGNAL_RECIPIENT: { type: 'string', default: '', check: checkSignalRecipients, description: 'Signal recipients, comma-separated: phone numbers or account UUIDs' },
    AGENT_NOTIFY_NTFY_URL: { type: 'string', default: '', check: checkHttpUrl, secret: true, description: 'ntfy topic URL (https://ntfy.sh/<topic> or your own server); turns ntfy on' },
    AGENT_NOTIFY_NTFY_TOKEN: { type: 'string', default: '', secret: true, description: 'ntfy access token (tk_…) for a protected topic' },
    AGENT_NOTIFY_WEBHOOK_URL: { type: 'string', default: '', check: checkHttpUrl, secret: true, description: 'URL that receives each notification as JSON (POST {event, title, text, language, data, sent_at}); turns the webhook on' },
    AGENT_NOTIFY_WEBHOOK_TOKEN: { type: 'string', default: '', secret: true, description: 'Bearer token sent to the webhook' },
    // The agent's own sources (src/sources/): a Modbus device is polled when a driver and a host are set; MQTT is read when a URL is set.
    AGENT_MODBUS_DRIVER: { type: 'string', default: '', check: checkModbusDriver, description: 'Modbus TCP driver of the heat pump to poll: idm, stiebel-isg, ecodan-a1m or heishamon-modbus; empty = no polling' },
    AGENT_MODBUS_HOST: { type: 'string', default: '', description: 'Address of the heat pump (or its Modbus TCP gateway) to poll' },
    AGENT_MODBUS_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 0, description: 'Modbus TCP port; 0 = the driver\'s default (502)' },
    AGENT_MODBUS_UNIT_ID: { type: 'string', default: '', check: checkUnitId, description: 'Modbus unit id (0–255); empty = the driver\'s default (1)' },
    AGENT_MODBUS_INTERVAL_S: { type: 'integer', minimum: 1, default: 60, description: 'Seconds between polls; each poll is one record' },
    AGENT_MODBUS_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 3000, description: 'Timeout of connecting and of each Modbus request' },
    AGENT_MQTT_URL: { type: 'string', default: '', check: checkMqttUrl, description: 'MQTT broker to read the heat pump from (mqtt://host:1883, mqtts://, ws://, wss://); empty = no MQTT source' },
    AGENT_MQTT_SOURCE: { type: 'string', enum: ['heishamon', 'ebusd', 'mapping'], default: 'heishamon', description: 'What publishes there: heishamon (Panasonic Aquarea), ebusd (Vaillant aroTHERM plus) or mapping (AGENT_MQTT_MAPPING)' },
    AGENT_MQTT_TOPIC: { type: 'string', default: '', description: 'Base topic of heishamon or ebusd; empty = their default (panasonic_heat_pump, ebusd)' },
    AGENT_MQTT_MAPPING: { type: 'string', default: '', check: checkMapping, description: 'For AGENT_MQTT_SOURCE=mapping: JSON rules [{"topic", "metric", "path", "scale", "offset", "values"}], or the path of a JSON file with them (docs/DRIVERS.md)' },
    AGENT_MQTT_USERNAME: { type: 'string', default: '', description: 'MQTT user name; empty = anonymous' },
    AGENT_MQTT_PASSWORD: { type: 'string', default: '', secret: true, description: 'MQTT password' },
    AGENT_MQTT_CLIENT_ID: { type: 'string', default: '', description: 'MQTT client id; empty = heatpool-agent-<random>' },
    AGENT_MQTT_INTERVAL_S: { type: 'integer', minimum: 1, default: 60, description: 'Seconds per MQTT record: the latest value of each topic in the interval' },
    LOG_LEVEL: { type: 'string', enum: LOG_LEVELS, default: 'info', description: 'pino log level' },
  },
} as const satisfies { properties: Record<string, KeySchema> }

type Properties = typeof AgentConfigSchema.properties
type ValueOf<S> = S extends { type: 'integer' } ? number : S extends { type: 'boolean' } ? boolean : S extends { enum: readonly (infer E)[] } ? E : string

export type AgentConfig = { readonly [K in keyof Properties]: ValueOf<Properties[K]> }

/** A configuration that cannot be used; the message names every bad key. */
export class AgentConfigError extends Error {
  override readonly name = 'ConfigurationError'
}

/** The key's value from `raw` (text or JSON), or why it is none. */
function convert (schema: KeySchema, raw: unknown): { value: unknown } | { problem: string } {
  const text = typeof raw === 'string' ? raw.trim() : undefined
  switch (schema.type) {
    case 'integer': {
      const n = Number.isInteger(raw) ? raw as number : text !== undefined && /^-?\d+$/.test(text) ? Number(text) : undefined
      if (n === undefined) return { problem: 'must be a whole number' }
      if (schema.minimum !== undefined && n < schema.minimum) return { problem: `must be >= ${schema.minimum}` }
      if (schema.maximum !== undefined && n > schema.maximum) return { problem: `must be <= ${schema.maximum}` }
      return { value: n }
    }
    case 'boolean':
      if (typeof raw === 'boolean') return { value: raw }
      if (text !== undefined && /^(true|false|1|0)$/i.test(text)) return { value: /^(true|1)$/i.test(text) }
      return { problem: 'must be true or false' }
    case 'string': {
      const s = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined
      if (s === undefined) return { problem: 'must be text' }
      if (schema.minLength !== undefined && s.length < schema.minLength) return { problem: `must have at least ${schema.minLength} character${schema.minLength === 1 ? '' : 's'}` }
      if (schema.enum !== undefined && !schema.enum.includes(s)) return { problem: `must be one of ${schema.enum.join(', ')}` }
      if (schema.check !== undefined && s.trim() !== '') {
        try {
          schema.check(s)
        } catch (err) {
          return { problem: (err as Error).message }
        }
      }
      return { value: s }
    }
  }
}

/** Reads, converts, defaults and validates (environment over file); throws naming every bad key. */
export function loadAgentConfig (env: Readonly<Record<string, string | undefined>>, file?: Readonly<Record<string, unknown>>): AgentConfig {
  const properties: Readonly<Record<string, KeySchema>> = AgentConfigSchema.properties
  const problems: string[] = []
  for (const key of Object.keys(file ?? {})) {
    if (!(key in properties)) problems.push(`${key}: unknown setting`)
  }
  const config: Record<string, unknown> = {}
  for (const [key, schema] of Object.entries(properties)) {
    const raw = env[key] ?? file?.[key]
    if (raw === undefined) {
      config[key] = schema.default
      continue
    }
    const result = convert(schema, raw)
    const shown = schema.type === 'string' && schema.secret === true ? `${key} (not shown)` : `${key}=${JSON.stringify(raw)}`
    if ('problem' in result) problems.push(`${shown}: ${result.problem}`)
    else config[key] = result.value
  }
  if (problems.length === 0) problems.push(...sourceSettingProblems(config as AgentConfig))
  if (problems.length > 0) throw new AgentConfigError(`cannot load agent configuration: ${problems.join('; ')}`)
  const c = config as AgentConfig
  return { ...c, HEATPOOL_SERVER_URL: c.HEATPOOL_SERVER_URL.replace(/\/+$/, '') }
}

/** The configuration of this process: `AGENT_CONFIG` (a JSON file) if set, then the environment. */
export function agentConfigFromProcess (): AgentConfig {
  const path = process.env.AGENT_CONFIG
  let file: Record<string, unknown> | undefined
  if (path !== undefined && path !== '') {
    if (!existsSync(path)) throw new AgentConfigError(`cannot load agent configuration: AGENT_CONFIG file ${JSON.stringify(path)} does not exist`)
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
    } catch (err) {
      throw new AgentConfigError(`cannot load agent configuration: ${path} is not JSON: ${(err as Error).message}`)
    }
  }
  return loadAgentConfig(process.env, file)
}
