#!/usr/bin/env node
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, configFromProcess, type Config } from './config.js'

/** The process: configuration, logger, listen, graceful shutdown. Everything else is in app.ts. */
async function main (): Promise<void> {
  let config: Config
  try {
    config = configFromProcess()
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(1)
    }
    throw err
  }

  const app = await buildApp({ config, announce: (message) => process.stdout.write(`${message}\n`) })

  // On SIGTERM/SIGINT: stop accepting, let in-flight requests (and their writes) finish, close
  // the store. A second signal or the grace period running out exits at once.
  closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })

  await app.listen({ port: config.PORT, host: config.HOST })
}

await main()
