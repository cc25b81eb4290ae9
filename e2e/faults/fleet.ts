// The simulated fleet behind one agent: `packages/sim` homes (their installation ids, heat pumps
// and v2 records, all decided by the seed), whose loggers relay their records to the agent in
// chunks. Every chunk's outcome is kept, because the reconciliation at the end of a run judges
// the server by it: what the agent acknowledged must be stored exactly once, what it refused must
// not be stored at all, and what was in doubt (the agent died mid-request) all or nothing.
import { buildFleet, recordsOf, submitPayload, type SimInstallation } from '../../packages/sim/src/fleet.js'
import { MODELS } from '../../packages/sim/src/models.js'
import { httpRequest, sleep } from '../processes.js'

export type ChunkOutcome =
  /** 200 from the agent: in its outbox, durable; it must reach the server. */
  | 'acknowledged'
  /** Any other answer (a full disk is a 5xx): the logger knows the chunk was not taken. */
  | 'refused'
  /** No answer after the request may have arrived (reset, timeout). */
  | 'in_doubt'

export interface Chunk {
  readonly installationId: string
  readonly heatPumpId: string
  /** The records' timestamps, seconds. */
  readonly timestamps: readonly number[]
  readonly body: string
  outcome?: ChunkOutcome
  /** The agent's answer when refused (status and code), for the report. */
  answer?: string
}

export interface SimFleet {
  readonly homes: readonly SimInstallation[]
  /** Every chunk of every home, interleaved as the loggers would send them (home by home per period). */
  readonly chunks: readonly Chunk[]
  /** Records produced. */
  readonly records: number
}

export interface FleetShape {
  readonly seed: number
  readonly homes: number
  readonly recordsPerHome: number
  readonly chunkSize: number
  readonly intervalS: number
}

/**
 * The fleet's records, ending now (so that every day is on time for the ledger), `intervalS`
 * apart; chunk i of every home before chunk i + 1 of any, like loggers posting in parallel.
 */
export function simFleet (o: FleetShape): SimFleet {
  const intervalMs = o.intervalS * 1000
  const startMs = Math.floor(Date.now() / intervalMs) * intervalMs - o.recordsPerHome * intervalMs
  const homes = buildFleet({ seed: o.seed, installations: o.homes, climate: 'mixed', models: MODELS, startMs, endMs: startMs + o.recordsPerHome * intervalMs })
  const perHome = homes.map((home) => {
    const records = [...recordsOf(home, { format: 'v2', startMs, intervalMs, count: o.recordsPerHome })]
    const chunks: Chunk[] = []
    for (let i = 0; i < records.length; i += o.chunkSize) {
      const data = records.slice(i, i + o.chunkSize)
      chunks.push({
        installationId: home.installationId,
        heatPumpId: home.heatPumpId,
        timestamps: data.map((r) => r.timestamp as number),
        body: JSON.stringify(submitPayload(home, 'v2', data)),
      })
    }
    return chunks
  })
  const chunks: Chunk[] = []
  for (let i = 0; i < Math.max(...perHome.map((c) => c.length)); i++) {
    for (const home of perHome) if (home[i] !== undefined) chunks.push(home[i] as Chunk)
  }
  return { homes, chunks, records: o.homes * o.recordsPerHome }
}

/**
 * Posts one chunk to the agent's relay. A refused connection means nothing arrived: the logger
 * sends again while the agent restarts (at most `downTimeoutMs`). Any other failure leaves the
 * chunk in doubt and, like upstream's logger (which clears its buffer before sending), it is not
 * sent again.
 */
export async function relay (agentUrl: string, chunk: Chunk, downTimeoutMs = 30_000): Promise<ChunkOutcome> {
  const deadline = Date.now() + downTimeoutMs
  for (;;) {
    const res = await httpRequest('POST', `${agentUrl}/api/v1/submit`, chunk.body, { 'content-type': 'application/json' }, 10_000)
    if (res.status === 200) {
      const json = JSON.parse(res.body) as { processed: number, dropped_oldest: number }
      if (json.processed !== chunk.timestamps.length) throw new Error(`the agent processed ${json.processed} of ${chunk.timestamps.length} records: ${res.body}`)
      if (json.dropped_oldest !== 0) throw new Error(`the agent's outbox cap dropped records (the suite sizes it never to): ${res.body}`)
      chunk.outcome = 'acknowledged'
    } else if (res.status !== null) {
      chunk.outcome = 'refused'
      chunk.answer = `${res.status} ${res.body.slice(0, 200)}`
    } else if (res.error === 'ECONNREFUSED' && Date.now() < deadline) {
      await sleep(30)
      continue
    } else {
      chunk.outcome = 'in_doubt'
      chunk.answer = res.error
    }
    return chunk.outcome
  }
}
