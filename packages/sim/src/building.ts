/** A home's space-heating need (a steady-state heat balance, EN 12831 style). */
export interface Building {
  /** Heat-loss coefficient H (transmission + ventilation), W/K. */
  readonly heatLossWPerK: number
  /** Indoor setpoint, °C. */
  readonly setpoint: number
  /** Internal and solar gains, W, subtracted from the loss. */
  readonly gainsW: number
  /** Outdoor temperature from which on no space heating is needed (Heizgrenze), °C. */
  readonly heatingLimit: number
  /** Time constant of the building's thermal mass, h: demand follows a smoothed outdoor temperature. */
  readonly timeConstantHours: number
}

/** Space-heating demand in W: H × (setpoint − outdoor) − gains, never negative, none above the heating limit. */
export function heatDemand (building: Building, outdoor: number): number {
  if (outdoor >= building.heatingLimit) return 0
  return Math.max(0, building.heatLossWPerK * (building.setpoint - outdoor) - building.gainsW)
}
