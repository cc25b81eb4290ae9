#!/usr/bin/env node
import { parseArgs } from 'node:util'
import closeWithGrace from 'close-with-grace'
import { AgentConfigError, agentConfigFromProcess, type AgentConfig } from '../config.js'
import { startAgent } from '../service.js'
import { StateStore } from '../state.js'

const USAGE = `Usage: heatpool-agent <command>

Commands:
  run              start the agent (relay, outbox, uploader, model updater, local API,
                   and the Modbus/MQTT sources AGENT_MODBUS_* / AGENT_MQTT_* configure)
  status           show consent, registration, outbox, uploads, quarantine, model, sources
                   and notifications (each channel, what waits, its last error) as JSON
  flush            upload everything now
  check-model      check for (and fetch) a community model now
  register         register this agent's installation with the server (needs consent)
  consent on|off   give or withdraw consent to share data
  model pin --key <base64>   pin this Ed25519 public key for community models
  model pin --reset          forget the pinned key: the server's is pinned again on first use
  read --driver <name> --host <host> [--port <port>] [--unit <id>] [--timeout <ms>]
                   read a heat pump once over Modbus TCP and print its readings as JSON
                   (drivers: idm, stiebel-isg, ecodan-a1m, heishamon-modbus)
  notify test --channel <name>
                   send a test notification through a configured channel and print the
                   result (channels: telegram, discord, email, signal, ntfy, webhook)

Configuration: environment variables (HEATPOOL_SERVER_URL, AGENT_PORT, AGENT_DATA_DIR,
AGENT_CONSENT, AGENT_UPLOAD_INTERVAL, …) or a JSON file named by AGENT_CONFIG.`

function fail (message: string, code = 1): never {
  process.stderr.write(`${message}\n`)
  process.exit(code)
}

function localUrl (config: AgentConfig, path: string): string {
  const host = config.AGENT_HOST === '0.0.0.0' || config.AGENT_HOST === '::' ? '127.0.0.1' : config.AGENT_HOST
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.AGENT_PORT}${path}`
}

/** Calls the running agent's local API; exits 1 with a clear message when it is not running. */
async function callAgent (config: AgentConfig, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(localUrl(config, path), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (err) {
    fail(`cannot reach the agent at ${localUrl(config, '')}: ${(err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message} (is \`heatpool-agent run\` running?)`)
  }
  const json = await res.json() as unknown
  if (!res.ok) fail(`cannot ${method === 'GET' ? 'read' : 'run'} ${path}: the agent answered ${res.status}: ${JSON.stringify(json)}`)
  return json
}

function readUsage (problem: string): never {
  fail(`cannot read: ${problem}\n\n${USAGE}`, 2)
}

function readOptions (args: string[]) {
  try {
    return parseArgs({
      args,
      options: { driver: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, unit: { type: 'string' }, timeout: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (err) {
    readUsage((err as Error).message)
  }
}

/** An integer option from `min` to `max`, or `fallback` when not given. */
function integerOption (name: string, text: string | undefined, min: number, max: number, fallback: number): number {
  if (text === undefined) return fallback
  const n = /^\d+$/.test(text) ? Number(text) : NaN
  if (!(n >= min && n <= max)) readUsage(`--${name} must be an integer from ${min} to ${max}, not "${text}"`)
  return n
}

/** `read`: one Modbus TCP read with a driver map; needs no agent configuration. */
async function readOnce (args: string[]): Promise<void> {
  const values = readOptions(args)
  const { MODBUS_DRIVERS } = await import('../modbus/drivers/index.js')
  const known = [...MODBUS_DRIVERS.keys()].join(', ')
  if (values.driver === undefined) readUsage(`say which driver with --driver (one of ${known})`)
  const map = MODBUS_DRIVERS.get(values.driver)
  if (map === undefined) readUsage(`unknown driver "${values.driver}" (known: ${known})`)
  const host = values.host
  if (host === undefined || host === '') readUsage('say which device with --host')
  const port = integerOption('port', values.port, 1, 65_535, map.defaultPort)
  const unitId = integerOption('unit', values.unit, 0, 255, map.defaultUnitId)
  const timeoutMs = integerOption('timeout', values.timeout, 1, 600_000, 3000)
  const { readDevice } = await import('../modbus/transport.js')
  const result = await readDevice(map, { host, port, unitId, timeoutMs })
  if (result.raw.size === 0) fail(`cannot read ${map.id} at ${host}:${port}: ${result.errors[0]?.message ?? 'no registers read'}`)
  process.stdout.write(`${JSON.stringify({ driver: map.id, host, port, unit: unitId, readings: result.readings, errors: result.errors }, null, 2)}\n`)
}

async function main (argv: string[]): Promise<void> {
  const [command, arg, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`)
    if (command === undefined) process.exit(2)
    return
  }
  if (command === 'read') {
    await readOnce(argv.slice(1))
    return
  }
  let config: AgentConfig
  try {
    config = agentConfigFromProcess()
  } catch (err) {
    if (err instanceof AgentConfigError) fail(err.message)
    throw err
  }
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)

  switch (command) {
    case 'run': {
      const agent = await startAgent(config)
      closeWithGrace({ delay: 10_000 }, async ({ err }) => {
        if (err !== undefined) agent.log.error({ err }, 'shutting down after an error')
        await agent.close()
      })
      return
    }
    case 'status':
      print(await callAgent(config, 'GET', '/api/status'))
      return
    case 'flush':
      print(await callAgent(config, 'POST', '/api/flush'))
      return
    case 'check-model':
      print(await callAgent(config, 'POST', '/api/check-model'))
      return
    case 'consent': {
      if (arg !== 'on' && arg !== 'off') fail(`cannot set consent: say \`consent on\` or \`consent off\`\n\n${USAGE}`, 2)
      const given = arg === 'on'
      const state = new StateStore(config.AGENT_DATA_DIR).setConsent(given, config.AGENT_CONSENT_VERSION)
      print({ consent: state.consent })
      return
    }
    case 'register': {
      const { Credentials, describeProblem } = await import('../upload/credentials.js')
      const { ServerClient } = await import('../server-client.js')
      const { TokenStore } = await import('../state.js')
      const state = new StateStore(config.AGENT_DATA_DIR)
      const client = new ServerClient({ baseUrl: config.HEATPOOL_SERVER_URL, timeoutMs: config.AGENT_REQUEST_TIMEOUT_MS })
      const id = state.get().installationId
      const result = await new Credentials(config, client, new TokenStore(config.AGENT_DATA_DIR), state).for(id, config.AGENT_HEATPUMP_MODEL || null)
      if ('problem' in result) fail(`cannot register installation ${id}: ${describeProblem(result)}`)
      state.notePrimary(id)
      const { SigningKeyPin } = await import('../model/signing-key.js')
      const { pino } = await import('pino')
      const key = await new SigningKeyPin(config, client, state, pino({ level: 'silent' })).ensure()
      client.close()
      print({
        installation_id: id,
        registered: true,
        credential: result.kind,
        model_signing_key: 'problem' in key ? { problem: key.problem } : { fingerprint: key.fingerprint, source: key.source, pinned_at: key.pinnedAt },
      })
      return
    }
    case 'model': {
      const [flag, value] = rest
      const usage = `cannot change the model signing key: say \`model pin --key <base64>\` or \`model pin --reset\`\n\n${USAGE}`
      if (arg !== 'pin' || !((flag === '--key' && value !== undefined && rest.length === 2) || (flag === '--reset' && rest.length === 1))) fail(usage, 2)
      const state = new StateStore(config.AGENT_DATA_DIR)
      const previous = state.get().modelSigningKey?.fingerprint ?? null
      const configured = config.AGENT_MODEL_PUBLIC_KEY.trim() !== ''
        ? 'AGENT_MODEL_PUBLIC_KEY is set and stays in force until it is emptied'
        : undefined
      if (flag === '--reset') {
        state.unpinModelKey()
        print({ model_signing_key: null, previous, ...(configured === undefined ? { next: 'the server\'s key is pinned at the next registration or model check' } : { note: configured }) })
        return
      }
      const { pinRecord } = await import('../model/signing-key.js')
      let pin
      try {
        pin = pinRecord(value as string, 'cli', new Date())
      } catch (err) {
        fail(`cannot pin the model signing key: ${(err as Error).message}`)
      }
      state.pinModelKey(pin)
      print({ model_signing_key: { fingerprint: pin.fingerprint, source: pin.source, pinned_at: pin.pinnedAt }, previous, ...(configured === undefined ? {} : { note: configured }) })
      return
    }
    case 'notify': {
      const { CHANNEL_NAMES } = await import('../notify/channel.js')
      let channel: string | undefined
      try {
        channel = parseArgs({ args: rest, options: { channel: { type: 'string' } }, strict: true, allowPositionals: false }).values.channel
      } catch (err) {
        fail(`cannot send a test notification: ${(err as Error).message}\n\n${USAGE}`, 2)
      }
      if (arg !== 'test' || channel === undefined) fail(`cannot send a test notification: say \`notify test --channel <${CHANNEL_NAMES.join('|')}>\`\n\n${USAGE}`, 2)
      if (!(CHANNEL_NAMES as readonly string[]).includes(channel)) fail(`cannot send a test notification: unknown channel "${channel}" (known: ${CHANNEL_NAMES.join(', ')})`, 2)
      const { sendTestMessage } = await import('../notify/test-send.js')
      const result = await sendTestMessage(config, channel)
      if (!result.sent) fail(`cannot send a test notification on ${channel}: ${result.code}: ${result.detail}`)
      print(result)
      return
    }
    default:
      fail(`cannot run \`${command}\`: unknown command\n\n${USAGE}`, 2)
  }
}

await main(process.argv.slice(2))
