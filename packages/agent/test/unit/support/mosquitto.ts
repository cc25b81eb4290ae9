import { connectAsync, type MqttClient } from 'mqtt'
import { onCleanup } from './rig.js'

/**
 * The machine's MQTT broker for tests: `HEATPOOL_TEST_MQTT_URL` (default Mosquitto on
 * `mqtt://127.0.0.1:1883`). Undefined when it does not answer, unless `HEATPOOL_REQUIRE_ENGINES=1`
 * (CI), which makes a missing broker an error instead of a skip. Tests isolate themselves by a
 * unique topic prefix.
 */
export const DEFAULT_TEST_MQTT_URL = 'mqtt://127.0.0.1:1883'

/** The note of a test skipped because the broker is not on this machine. */
export const NO_BROKER = 'MQTT broker (Mosquitto) not on this machine; HEATPOOL_REQUIRE_ENGINES=1, as in CI, fails instead'

export async function testMqttUrl (): Promise<string | undefined> {
  const env = process.env.HEATPOOL_TEST_MQTT_URL
  const url = env === undefined || env === '' ? DEFAULT_TEST_MQTT_URL : env
  try {
    const probe = await connectAsync(url, { connectTimeout: 2000, reconnectPeriod: 0 })
    await probe.endAsync()
    return url
  } catch (err) {
    if (process.env.HEATPOOL_REQUIRE_ENGINES === '1') {
      throw new Error(`HEATPOOL_REQUIRE_ENGINES=1 but no MQTT broker answers at ${url} (set HEATPOOL_TEST_MQTT_URL): ${(err as Error).message}`, { cause: err })
    }
    return undefined
  }
}

/** A publishing client, ended after the test. */
export async function publisher (url: string): Promise<MqttClient & { send (topic: string, payload: string): Promise<void> }> {
  const client = await connectAsync(url, { reconnectPeriod: 0 })
  onCleanup(() => client.endAsync(true))
  return Object.assign(client, {
    async send (topic: string, payload: string): Promise<void> {
      await client.publishAsync(topic, payload, { qos: 1 })
    },
  })
}
