import { readConfiguration } from '@heatpool/protocol'
import Type, { type Static } from 'typebox'

/** `npm run demo`: the server it starts and the fleet it simulates. Every key has a default. */
export const DemoConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8000, description: 'Port of the demo server' }),
  HOST: Type.String({ default: '127.0.0.1', description: 'Address the demo server listens on; 0.0.0.0 to show it on the network' }),
  DEMO_INSTALLATIONS: Type.Integer({ minimum: 1, default: 50, description: 'Simulated installations (taken by the four models in turn: ≥ 20 gives each model the K = 5 homes)' }),
  DEMO_DAYS: Type.Number({ exclusiveMinimum: 0, default: 60, description: 'Simulated days, ending now' }),
  DEMO_INTERVAL_SECONDS: Type.Integer({ minimum: 10, default: 300, description: 'Seconds between simulated records' }),
  DEMO_SEED: Type.Integer({ default: 1, description: 'Seed of the simulated fleet' }),
  DEMO_CLIMATE: Type.String({ default: 'continental', description: 'continental, maritime, alpine or mixed' }),
  DEMO_FAULTS: Type.String({ default: 'refrigerant_loss:2@day15,short_cycling:1@day40,stuck_sensor:1@day50', description: 'Faults injected (heatpool-sim --faults syntax); empty for none' }),
}, { additionalProperties: false })
export type DemoConfig = Static<typeof DemoConfigSchema>

export function demoConfigFromProcess (): DemoConfig {
  return readConfiguration(DemoConfigSchema, [process.env], 'demo configuration')
}
