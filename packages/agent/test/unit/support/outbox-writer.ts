/**
 * A child process for the crash test: appends to the outbox in a loop and reports on stdout each
 * append once it returned (`A <first> <last>`), each batch before it acknowledges it
 * (`B <batch> <seq,seq,…>`) and after (`K <batch>`). The test kills it with SIGKILL at random
 * moments. Run with `node --import tsx outbox-writer.ts <dir> <first seq> <installation id>`.
 */
import { Outbox } from '../../../src/outbox/outbox.js'

const [dir, first, installationId] = process.argv.slice(2)
if (dir === undefined || first === undefined || installationId === undefined) throw new Error('usage: outbox-writer <dir> <first seq> <installation id>')

const outbox = new Outbox({ dir, maxBytes: 1 << 30 })
const envelope = { heatpump_model: 'AERO SLM', version: '1.0.2' }
const say = (line: string) => process.stdout.write(`${line}\n`)

let seq = Number(first)
for (let round = 0; ; round++) {
  const n = 1 + Math.floor(Math.random() * 40)
  const records = Array.from({ length: n }, (_, i) => JSON.stringify({ seq: seq + i, timestamp: 1_790_000_000 + seq + i, temp_outside: 4.5, pad: 'x'.repeat(Math.floor(Math.random() * 400)) }))
  outbox.append(installationId, envelope, records)
  say(`A ${seq} ${seq + n - 1}`)
  seq += n
  if (round % 4 === 3) {
    const batch = outbox.nextBatch(installationId, 30)
    if (batch !== undefined) {
      const seqs = outbox.batchRecords(batch.id).map((r) => (JSON.parse(r.json) as { seq: number }).seq)
      say(`B ${batch.id} ${batch.idempotencyKey} ${seqs.join(',')}`)
      outbox.acknowledge(batch.id)
      say(`K ${batch.id}`)
    }
  }
}
