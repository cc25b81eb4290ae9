import { expect } from 'vitest'
import type { TestApp } from '../helper.js'

export const START = Date.UTC(2026, 10, 1)
export const DAY_MS = 86_400_000

/** Minimums small enough for a test pool of three installations and two days. */
export const TRAINING_ENV: Record<string, string> = { K_ANONYMITY: '3', MIN_INSTALLATIONS: '3', TRAINING_MIN_INSTALLATIONS: '3', TRAINING_MIN_DATA_POINTS: '1000', CONTRIBUTION_MIN_SAMPLES: '10', ELIGIBILITY_DAYS: '2' }

/**
 * One iDM heat pump's v2 records every minute for `days` days: heating that modulates with the
 * outdoor temperature, pauses of 20 minutes every two hours, and an efficiency of its own.
 */
export function series (startMs: number, days: number, unit: number): Record<string, unknown>[] {
  return Array.from({ length: days * 1440 }, (_, i) => {
    const outdoor = 2 + 4 * Math.sin(i / 1440 * 2 * Math.PI) + unit * 0.3
    const running = i % 120 >= 20
    const flow = 38 - outdoor * 0.5 + (running ? 0 : -3)
    const heat = running ? 6 - outdoor * 0.2 : 0
    const cop = (0.45 + unit * 0.005) * (flow + 275.15) / (flow + 8 - outdoor)
    return {
      timestamp: (startMs + i * 60_000) / 1000,
      heatpumps: [{
        id: 'hp-1',
        manufacturer: 'idm',
        model: 'navigator_2_0',
        values: {
          temp_outside: Math.round(outdoor * 10) / 10,
          temp_heat_pump_flow: Math.round(flow * 10) / 10,
          temp_heat_pump_return: Math.round((flow - (running ? 5 : 1)) * 10) / 10,
          power_current: Math.round(heat * 100) / 100,
          power_current_draw: running ? Math.round(heat / cop * 1000) / 1000 : 0.015,
          status_heat_pump: running ? { value: 1, text: 'HEATING' } : { value: 0, text: 'OFF' },
        },
      }],
    }
  })
}

/** Registers `n` AERO SLM installations and sends each `days` days of data. */
export async function pool (t: TestApp, n: number, days = 2): Promise<{ id: string, token: string }[]> {
  const out = []
  for (let unit = 0; unit < n; unit++) {
    const inst = await t.register({ heatpump_model: 'AERO SLM' })
    const records = series(START, days, unit)
    for (let i = 0; i < records.length; i += 1000) {
      const res = await t.submit({ installation_id: inst.id, heatpump_model: 'AERO SLM', version: '2.0.0', data_version: '2.0', data: records.slice(i, i + 1000) }, inst.token)
      expect(res.statusCode).toBe(200)
    }
    out.push(inst)
  }
  return out
}

