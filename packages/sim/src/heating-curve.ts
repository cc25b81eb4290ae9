/** A weather-compensated heating curve: the flow temperature the controller aims for. */
export interface HeatingCurve {
  /** Flow temperature at the design outdoor temperature, °C (≈ 35 underfloor, 45–55 radiators). */
  readonly designFlow: number
  /** The outdoor temperature the curve reaches `designFlow` at, °C. */
  readonly designOutdoor: number
  /** Outdoor temperature where the curve meets the room temperature (the curve's foot), °C. */
  readonly footTemp: number
  /** Lowest flow temperature the controller sends, °C. */
  readonly minFlow: number
}

/** Flow temperature for an outdoor temperature: linear from the foot to the design point, clamped. */
export function flowTemperature (curve: HeatingCurve, outdoor: number): number {
  const slope = (curve.designFlow - curve.footTemp) / (curve.footTemp - curve.designOutdoor)
  const flow = curve.footTemp + slope * (curve.footTemp - outdoor)
  return Math.min(curve.designFlow + 5, Math.max(curve.minFlow, flow))
}
