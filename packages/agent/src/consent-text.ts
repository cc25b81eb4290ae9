// The subpath, not the package index: the index loads TypeBox (~20 MB of the agent's memory).
import type { ConsentLanguage, ConsentText, ConsentTextBody } from '@heatpool/protocol'
import { METRIC_NAMES, METRICS } from '@heatpool/protocol/catalog'

/**
 * The consent the owner gives, in one place: the text, what leaves the house and what never
 * does, in English and German. The "my installation" page shows it (`GET /api/consent-text`);
 * the version is the one `AGENT_CONSENT_VERSION` defaults to and registration sends, so a change
 * of wording here is a new version there.
 *
 * It says what the code does, not more: the agent forwards the logger's records as they are,
 * and the server keeps only the catalog's metrics (everything else is dropped unread, design
 * brief "Canonical metrics"); the server never stores IP addresses and masks them in its logs.
 */

export const CONSENT_TEXT_VERSION = '2026-11'

const TEXT: Readonly<Record<ConsentLanguage, Omit<ConsentTextBody, 'metrics'>>> = {
  en: {
    title: 'Sharing your heat pump\'s data with the heatpool community',
    paragraphs: [
      'With your consent, this agent sends your heat pump\'s measurements to the heatpool server it is configured for. In return you get fair comparisons with owners of the same model, a COP ranking, badges, and — after 30 contribution days — the community\'s anomaly model for your heat pump.',
      'The server publishes only figures over at least K installations (k-anonymity); your own figures are shown only to you, through this agent\'s token. Raw measurements are deleted after the server\'s retention period (12 months by default).',
      'Nothing is sent without consent. You can withdraw it here at any time: uploads stop at once and new measurements stay in the outbox on this device. Data already sent stays on the server until the operator erases your installation on request.',
    ],
    shared: [
      { id: 'installation_id', text: 'A random installation id (a pseudonym, not linked to your name or address) and the token this agent registered it with' },
      { id: 'heatpump_model', text: 'The heat-pump model (for example "AERO SLM") and the manufacturer driver, to compare like with like' },
      { id: 'measurements', text: 'Timestamped measurements your logger sends; the server keeps only the measurements listed below and drops everything else unread' },
      { id: 'software', text: 'The version of the logger software and of the data format' },
      { id: 'consent_version', text: 'The version of this consent text' },
    ],
    not_shared: [
      { id: 'ip_address', text: 'Your IP address is never stored (the server masks it in its logs)' },
      { id: 'location', text: 'No location, address, name or e-mail address' },
      { id: 'household', text: 'No household consumption, PV, battery, energy prices or room humidity: such values are not kept even if a logger sends them' },
      { id: 'credentials', text: 'No passwords or settings of your logger, heat pump or network' },
    ],
  },
  de: {
    title: 'Daten Ihrer Wärmepumpe mit der heatpool-Community teilen',
    paragraphs: [
      'Mit Ihrer Zustimmung sendet dieser Agent die Messwerte Ihrer Wärmepumpe an den eingestellten heatpool-Server. Im Gegenzug erhalten Sie faire Vergleiche mit Besitzern desselben Modells, eine COP-Rangliste, Abzeichen und – nach 30 Beitragstagen – das Anomalie-Modell der Community für Ihre Wärmepumpe.',
      'Der Server veröffentlicht nur Kennzahlen über mindestens K Installationen (k-Anonymität); Ihre eigenen Werte sehen nur Sie, über das Token dieses Agenten. Rohdaten werden nach der Aufbewahrungsfrist des Servers gelöscht (standardmäßig 12 Monate).',
      'Ohne Zustimmung wird nichts gesendet. Sie können sie hier jederzeit widerrufen: Uploads stoppen sofort, neue Messwerte bleiben im Ausgangsspeicher auf diesem Gerät. Bereits gesendete Daten bleiben auf dem Server, bis der Betreiber Ihre Installation auf Anfrage löscht.',
    ],
    shared: [
      { id: 'installation_id', text: 'Eine zufällige Installations-ID (ein Pseudonym, nicht mit Ihrem Namen oder Ihrer Adresse verknüpft) und das Token, mit dem dieser Agent sie registriert hat' },
      { id: 'heatpump_model', text: 'Das Wärmepumpen-Modell (zum Beispiel „AERO SLM“) und den Hersteller-Treiber, damit Gleiches mit Gleichem verglichen wird' },
      { id: 'measurements', text: 'Messwerte mit Zeitstempel, die Ihr Logger sendet; der Server behält nur die unten aufgeführten Messgrößen und verwirft alles andere ungelesen' },
      { id: 'software', text: 'Die Version der Logger-Software und des Datenformats' },
      { id: 'consent_version', text: 'Die Version dieses Zustimmungstexts' },
    ],
    not_shared: [
      { id: 'ip_address', text: 'Ihre IP-Adresse wird nie gespeichert (der Server maskiert sie in seinen Logs)' },
      { id: 'location', text: 'Kein Standort, keine Adresse, kein Name, keine E-Mail-Adresse' },
      { id: 'household', text: 'Kein Hausverbrauch, keine PV-, Batterie- oder Strompreisdaten, keine Raumfeuchte: solche Werte werden nicht gespeichert, auch wenn ein Logger sie sendet' },
      { id: 'credentials', text: 'Keine Passwörter oder Einstellungen Ihres Loggers, Ihrer Wärmepumpe oder Ihres Netzwerks' },
    ],
  },
}

function body (language: ConsentLanguage): ConsentTextBody {
  return {
    ...TEXT[language],
    metrics: METRIC_NAMES.map((name) => ({ name, unit: METRICS[name].unit, description: METRICS[name].description[language] })),
  }
}

/** The consent text of this agent's version, in both languages. */
export function consentText (): ConsentText {
  return { version: CONSENT_TEXT_VERSION, languages: { en: body('en'), de: body('de') } }
}
