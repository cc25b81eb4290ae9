/**
 * Pool-status and eligibility texts, exactly as upstream clients show them
 * (upstream.md §1.1 "Pool status messages", "/api/v1/model/check response"). New texts follow
 * the same style in both languages.
 */

/** Python's `{n:,}`: integer with comma thousands separators, as upstream formatted it (also in German). */
export function pythonThousands (n: number): string {
  return Math.round(n).toLocaleString('en-US', { useGrouping: true, maximumFractionDigits: 0 })
}

export interface Bilingual {
  readonly en: string
  readonly de: string
}

export const POOL_READY: Bilingual = {
  en: 'Data pool is ready. Community models are available.',
  de: 'Datenpool ist bereit. Community-Modelle sind verfügbar.',
}

export function poolBuilding (installationsNeeded: number, pointsNeeded: number): Bilingual {
  const n = String(installationsNeeded)
  const p = pythonThousands(pointsNeeded)
  return {
    en: `Building data pool. Need ${n} more installations and ~${p} more data points. Data is being collected - thank you for contributing!`,
    de: `Datenpool wird aufgebaut. Benötigt noch ${n} Installationen und ~${p} Datenpunkte. Daten werden gesammelt - vielen Dank für Ihre Beiträge!`,
  }
}

export const POOL_UNAVAILABLE: Bilingual = {
  en: 'Data pool status temporarily unavailable.',
  de: 'Datenpool-Status vorübergehend nicht verfügbar.',
}

export const REASON_POOL_NOT_READY: Bilingual = {
  en: 'Community model not yet available - data pool is still growing. Your data contributions help build the model. Please check back later.',
  de: 'Community-Modell noch nicht verfügbar - Datenpool wird noch aufgebaut. Ihre Datenbeiträge helfen beim Aufbau des Modells. Bitte später erneut prüfen.',
}

export function reasonNoRecentContribution (recentDays: number): Bilingual {
  return {
    en: `No data contribution found in the last ${recentDays} days. Enable data sharing to become eligible for community models.`,
    de: `Kein Datenbeitrag in den letzten ${recentDays} Tagen gefunden. Aktivieren Sie die Datenfreigabe, um für Community-Modelle berechtigt zu werden.`,
  }
}

export function reasonDaysNeeded (daysNeeded: number): Bilingual {
  return {
    en: `Not eligible yet: ${daysNeeded} more contribution ${daysNeeded === 1 ? 'day' : 'days'} needed. Keep sharing data to access community models.`,
    de: `Noch nicht berechtigt: ${daysNeeded === 1 ? 'ein weiterer Beitragstag' : `${daysNeeded} weitere Beitragstage`} nötig. Teilen Sie weiter Daten, um Zugang zu Community-Modellen zu erhalten.`,
  }
}

/** Upstream's 403 text for downloads; also the reason an anonymous check gets, which says no more. */
export function reasonNotEligible (requiredDays: number): Bilingual {
  return {
    en: `Not eligible. Contribute data for ${requiredDays} days to access community models.`,
    de: `Nicht berechtigt. Tragen Sie ${requiredDays} Tage lang Daten bei, um Zugang zu Community-Modellen zu erhalten.`,
  }
}

export const REASON_ELIGIBLE: Bilingual = {
  en: 'Eligible for community model.',
  de: 'Berechtigt für Community-Modell.',
}

export const REASON_ELIGIBLE_NO_MODEL: Bilingual = {
  en: 'Eligible but no model available for your heat pump yet. Models are created when enough data is collected.',
  de: 'Berechtigt, aber noch kein Modell für Ihre Wärmepumpe verfügbar. Modelle werden erstellt, wenn genügend Daten gesammelt wurden.',
}

export const NO_MODEL_YET = 'No model available yet. The community model is still being trained.'
