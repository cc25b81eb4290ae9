import { existsSync, readFileSync } from 'node:fs'
import { isMetricName, OPERATING_MODES, OperatingModeCode, type MetricName, type OperatingMode } from '@heatpool/protocol/catalog'
import type { Readings } from '../record.js'
import type { DecodedMessage, MqttDecoder } from './decoder.js'
import { filterProblem, topicMatches } from './topic.js'
import { asNumber, atPath, parsePath, parsePayload, unwrapValue } from './payload.js'

/** One rule of a generic mapping, as configured. */
export interface MappingRule {
  /** Topic filter, `+` and `#` allowed. */
  readonly topic: string
  readonly metric: MetricName
  /** Where the value is in a JSON payload (`a.b[0].c`); none: the whole payload (or its `value`). */
  readonly path?: string
  /** Value = raw × scale + offset (defaults 1 and 0). */
  readonly scale?: number
  readonly offset?: number
  /** Text values (compared without case) → a number, or for operating_mode a mode name. */
  readonly values?: Readonly<Record<string, number | OperatingMode>>
}

export interface Mapping {
  readonly manufacturer: string
  readonly rules: readonly MappingRule[]
}

const RULE_KEYS = new Set(['topic', 'metric', 'path', 'scale', 'offset', 'values'])

/**
 * Reads AGENT_MQTT_MAPPING: JSON text, or the path of a JSON file. Either a list of rules or
 * `{"manufacturer": "viessmann", "rules": [...]}`. Throws with every problem named, so a bad
 * mapping stops the agent at start instead of silently mapping nothing.
 */
export function parseMapping (setting: string): Mapping {
  const text = setting.trim()
  let json: unknown
  let where = 'AGENT_MQTT_MAPPING'
  if (text.startsWith('[') || text.startsWith('{')) {
    try {
      json = JSON.parse(text)
    } catch (err) {
      throw new Error(`mapping is not JSON: ${(err as Error).message}`)
    }
  } else {
    if (!existsSync(text)) throw new Error(`mapping file ${JSON.stringify(text)} does not exist (give JSON or a file path)`)
    where = text
    try {
      json = JSON.parse(readFileSync(text, 'utf8'))
    } catch (err) {
      throw new Error(`mapping file ${text} is not JSON: ${(err as Error).message}`)
    }
  }
  const wrapped = json !== null && typeof json === 'object' && !Array.isArray(json)
  const list = wrapped ? (json as { rules?: unknown }).rules : json
  const manufacturer = wrapped ? (json as { manufacturer?: unknown }).manufacturer ?? 'unknown' : 'unknown'
  if (!Array.isArray(list) || list.length === 0) throw new Error(`${where}: give a non-empty list of rules, or {"rules": [...]}`)
  if (typeof manufacturer !== 'string' || !/^[a-z0-9_.-]{1,64}$/i.test(manufacturer)) throw new Error(`${where}: manufacturer must be a short label (letters, digits, _ . -)`)
  const problems: string[] = []
  const rules: MappingRule[] = []
  list.forEach((raw: unknown, i) => {
    const at = `rule ${i + 1}`
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`${at}: must be an object`)
      return
    }
    const r = raw as Record<string, unknown>
    for (const key of Object.keys(r)) if (!RULE_KEYS.has(key)) problems.push(`${at}: unknown key "${key}"`)
    const topicProblem = typeof r.topic === 'string' ? filterProblem(r.topic) : 'must be text'
    if (topicProblem !== undefined) problems.push(`${at}: topic ${topicProblem}`)
    if (typeof r.metric !== 'string' || !isMetricName(r.metric)) problems.push(`${at}: metric must be a catalog metric, not ${JSON.stringify(r.metric)}`)
    if (r.path !== undefined && (typeof r.path !== 'string' || parsePath(r.path) === undefined)) problems.push(`${at}: path must look like a.b[0].c`)
    for (const key of ['scale', 'offset'] as const) {
      if (r[key] !== undefined && (typeof r[key] !== 'number' || !Number.isFinite(r[key]))) problems.push(`${at}: ${key} must be a number`)
    }
    if (r.values !== undefined) {
      if (r.values === null || typeof r.values !== 'object' || Array.isArray(r.values)) problems.push(`${at}: values must be an object of text → number`)
      else {
        for (const [k, v] of Object.entries(r.values)) {
          const ok = typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' && r.metric === 'operating_mode' && (OPERATING_MODES as readonly string[]).includes(v)
          if (!ok) problems.push(`${at}: values.${k} must be a number${r.metric === 'operating_mode' ? ` or one of ${OPERATING_MODES.join(', ')}` : ''}`)
        }
      }
    }
    rules.push(r as unknown as MappingRule)
  })
  if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`)
  return { manufacturer: manufacturer.toLowerCase(), rules }
}

interface CompiledRule {
  readonly rule: MappingRule
  readonly path: string[] | undefined
  readonly values: Map<string, number> | undefined
}

function compile (rule: MappingRule): CompiledRule {
  const values = rule.values === undefined
    ? undefined
    : new Map(Object.entries(rule.values).map(([k, v]) => [k.trim().toLowerCase(), typeof v === 'number' ? v : OperatingModeCode[v]]))
  return { rule, path: rule.path === undefined ? undefined : parsePath(rule.path), values }
}

/** One rule's value from a payload, or why there is none. */
function valueOf (c: CompiledRule, payload: Buffer): number | { problem: string } {
  const doc = parsePayload(payload)
  let raw: unknown
  if (c.path !== undefined) {
    if (typeof doc !== 'object' || doc === null) return { problem: `payload is not JSON (path ${c.rule.path})` }
    raw = atPath(doc, c.path)
    if (raw === undefined) return { problem: `no ${c.rule.path} in the payload` }
  } else {
    raw = doc
  }
  raw = unwrapValue(raw)
  if (c.values !== undefined && (typeof raw === 'string' || typeof raw === 'number')) {
    const hit = c.values.get(String(raw).trim().toLowerCase())
    if (hit !== undefined) return hit
  }
  const n = asNumber(raw)
  if (n === undefined) return { problem: `not a number: ${JSON.stringify(raw)?.slice(0, 40) ?? 'nothing'}` }
  return n * (c.rule.scale ?? 1) + (c.rule.offset ?? 0)
}

/**
 * A generic topic → metric mapping (Viessmann through open3e, Home Assistant's MQTT
 * statestream, anything that publishes numbers): every rule whose filter matches the topic
 * gives its metric; a rule that matches but finds no number makes the message malformed.
 */
export function mappingDecoder (mapping: Mapping): MqttDecoder {
  const compiled = mapping.rules.map(compile)
  return {
    id: 'mapping',
    manufacturer: mapping.manufacturer,
    subscriptions: [...new Set(mapping.rules.map((r) => r.topic))],
    decode (topic: string, payload: Buffer): DecodedMessage {
      const values: { key: string, value: number }[] = []
      const problems: string[] = []
      for (const c of compiled) {
        if (!topicMatches(c.rule.topic, topic)) continue
        const v = valueOf(c, payload)
        if (typeof v === 'number') {
          if (Number.isFinite(v)) values.push({ key: c.rule.metric, value: Math.round(v * 1e6) / 1e6 })
          else problems.push('not a finite number')
        } else {
          problems.push(v.problem)
        }
      }
      if (values.length === 0 && problems.length > 0) return { problem: problems.join('; ') }
      return { values }
    },
    readings (latest: ReadonlyMap<string, number>): Readings {
      const out: Readings = {}
      for (const [key, value] of latest) if (isMetricName(key)) out[key] = value
      return out
    },
  }
}
