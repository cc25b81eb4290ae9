// The ingest benchmark's baseline: the least a Node HTTP endpoint can do with a submit batch.
// It reads the whole body, JSON.parses it and answers 200 {"status":"success"}, so its
// throughput is this machine's HTTP + parse ceiling for the same bytes from the same client.
// Usage: node bench/baseline-server.mjs <port>   (listens on 127.0.0.1 only)
import http from 'node:http'

const port = Number(process.argv[2])
const OK = Buffer.from('{"status":"success"}')

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
    return
  }
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"detail":"invalid JSON"}')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': OK.length }).end(OK)
  })
})
// Same keep-alive window as Fastify's default, so idle client sockets are not cut mid-run.
server.keepAliveTimeout = 72_000
server.listen(port, '127.0.0.1')

process.on('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
