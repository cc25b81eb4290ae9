import type { Language } from './channel.js'
import type { NotifyEvent } from './events.js'

/**
 * Every text a notification can carry, in English and German, in this one module: the owner
 * reads them on a phone, so they say what happened and what to do, in plain words. Numbers and
 * dates are formatted for the language (Intl): `3,5` and `27.11.2026, 14:05` in German.
 */

export interface Rendered {
  readonly title: string
  readonly text: string
}

export interface Format {
  readonly language: Language
  /** IANA time zone for times; undefined: the system's. */
  readonly timeZone?: string
}

/** Entries a digest shows in full; the rest are counted. */
export const DIGEST_MAX_ENTRIES = 20

const LOCALE: Record<Language, string> = { en: 'en-GB', de: 'de-DE' }

/** Formatting helpers for one language and time zone. */
function formatter (f: Format) {
  const locale = LOCALE[f.language]
  const number = (n: number, digits = 2) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(n)
  return {
    number,
    integer: (n: number) => new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(n),
    percent: (share: number) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(share),
    mib: (bytes: number) => `${number(bytes / 1_048_576, 1)} MiB`,
    /** A moment, in the configured time zone. */
    time: (iso: string) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: f.timeZone }).format(new Date(iso)),
    /** A calendar day (YYYY-MM-DD), as it is: no time zone shift. */
    day: (ymd: string) => new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${ymd.slice(0, 10)}T00:00:00Z`)),
  }
}

const short = (id: string) => id.slice(0, 8)

const T = {
  en: {
    prefix: 'heatpool',
    eligibleTitle: 'Eligible for the community model',
    eligible: (id: string, days: string | null, n: number) => `Your installation ${id} has ${days === null ? 'contributed enough days of data' : `contributed data on ${days} ${n === 1 ? 'day' : 'days'}`} and may now use the community model: as soon as there is one for your heat pump, the agent downloads it. Thank you for sharing!`,
    modelTitle: (name: string, version: string) => `New community model ${name} v${version} installed`,
    model: (name: string, version: string, heatpump: string | null, installed: string, expires: string) =>
      `Community model ${name} version ${version}${heatpump === null ? '' : ` for ${heatpump}`} was verified and installed on ${installed}; it is valid until ${expires}. Anomaly detection uses it from now on.`,
    anomalyTitle: (hp: string) => `Anomaly on heat pump ${hp}`,
    anomaly: (at: string, mode: string, score: string, threshold: string) => `Unusual behaviour detected at ${at} (mode ${mode}): score ${score}, threshold ${threshold}.`,
    anomalyTop: 'Most unusual:',
    anomalyFeature: (feature: string, value: string, typical: string) => `- ${feature}: ${value} (typical ${typical})`,
    anomalyAdvice: 'Check the heat pump if this continues.',
    uploadsTitle: (hours: string) => `Uploads failing for ${hours} hours`,
    uploads: (since: string, detail: string | null, records: string, n: number) =>
      `Since ${since} the agent cannot upload to the heatpool server${detail === null ? '' : ` (${detail})`}. ${records} ${n === 1 ? 'record waits' : 'records wait'} in the outbox; nothing is lost while it has room. Check the network and run \`heatpool-agent status\`.`,
    outboxTitle: (percent: string) => `Outbox almost full (${percent})`,
    outbox: (bytes: string, max: string, percent: string) =>
      `The outbox holds ${bytes} of ${max} (${percent}). When it is full the oldest records are dropped. Check the uploads (\`heatpool-agent status\`) or raise AGENT_OUTBOX_MAX_BYTES.`,
    badgeTitle: (title: string) => `Badge earned: ${title}`,
    badge: (title: string, day: string) => `Your installation earned the badge “${title}” on ${day}.`,
    digestTitle: (n: string) => `${n} notifications`,
    digestMore: (n: string) => `… and ${n} more (see the agent's log).`,
    testTitle: 'Test message',
    test: (channel: string, at: string) => `This is a test of the ${channel} channel, sent by the heatpool agent at ${at}. If you can read this, notifications work.`,
  },
  de: {
    prefix: 'heatpool',
    eligibleTitle: 'Berechtigt für das Community-Modell',
    eligible: (id: string, days: string | null, n: number) => `Ihre Installation ${id} hat ${days === null ? 'an genügend Tagen Daten beigetragen' : `an ${days} ${n === 1 ? 'Tag' : 'Tagen'} Daten beigetragen`} und darf jetzt das Community-Modell nutzen: Sobald es eines für Ihre Wärmepumpe gibt, lädt der Agent es herunter. Danke fürs Teilen!`,
    modelTitle: (name: string, version: string) => `Neues Community-Modell ${name} v${version} installiert`,
    model: (name: string, version: string, heatpump: string | null, installed: string, expires: string) =>
      `Das Community-Modell ${name} Version ${version}${heatpump === null ? '' : ` für ${heatpump}`} wurde am ${installed} geprüft und installiert; es gilt bis ${expires}. Die Anomalie-Erkennung verwendet es ab jetzt.`,
    anomalyTitle: (hp: string) => `Auffälligkeit an Wärmepumpe ${hp}`,
    anomaly: (at: string, mode: string, score: string, threshold: string) => `Ungewöhnliches Verhalten erkannt am ${at} (Betriebsart ${mode}): Wert ${score}, Schwelle ${threshold}.`,
    anomalyTop: 'Am auffälligsten:',
    anomalyFeature: (feature: string, value: string, typical: string) => `- ${feature}: ${value} (typisch ${typical})`,
    anomalyAdvice: 'Bitte prüfen Sie die Wärmepumpe, wenn das anhält.',
    uploadsTitle: (hours: string) => `Uploads schlagen seit ${hours} Stunden fehl`,
    uploads: (since: string, detail: string | null, records: string, n: number) =>
      `Seit ${since} kann der Agent nicht zum heatpool-Server hochladen${detail === null ? '' : ` (${detail})`}. ${records} ${n === 1 ? 'Datensatz wartet' : 'Datensätze warten'} im Ausgang; solange Platz ist, geht nichts verloren. Prüfen Sie das Netzwerk und \`heatpool-agent status\`.`,
    outboxTitle: (percent: string) => `Ausgang fast voll (${percent})`,
    outbox: (bytes: string, max: string, percent: string) =>
      `Der Ausgang enthält ${bytes} von ${max} (${percent}). Ist er voll, werden die ältesten Datensätze verworfen. Prüfen Sie die Uploads (\`heatpool-agent status\`) oder erhöhen Sie AGENT_OUTBOX_MAX_BYTES.`,
    badgeTitle: (title: string) => `Abzeichen erhalten: ${title}`,
    badge: (title: string, day: string) => `Ihre Installation hat am ${day} das Abzeichen „${title}“ erhalten.`,
    digestTitle: (n: string) => `${n} Benachrichtigungen`,
    digestMore: (n: string) => `… und ${n} weitere (siehe das Protokoll des Agenten).`,
    testTitle: 'Testnachricht',
    test: (channel: string, at: string) => `Dies ist ein Test des Kanals ${channel}, gesendet vom heatpool-Agenten am ${at}. Wenn Sie das lesen können, funktionieren Benachrichtigungen.`,
  },
} as const

/** An event's title and text in the owner's language. Pure. */
export function render (event: NotifyEvent, f: Format): Rendered {
  const t = T[f.language]
  const x = formatter(f)
  const titled = (title: string, text: string): Rendered => ({ title: `${t.prefix}: ${title}`, text })
  switch (event.kind) {
    case 'eligible':
      return titled(t.eligibleTitle, t.eligible(short(event.installationId), event.contributionDays === null ? null : x.integer(event.contributionDays), event.contributionDays ?? 0))
    case 'model':
      return titled(t.modelTitle(event.name, String(event.version)), t.model(event.name, String(event.version), event.heatpumpModel, x.time(event.installedAt), x.time(event.expires)))
    case 'anomaly': {
      const lines = [t.anomaly(x.time(event.at), event.mode, x.number(event.score, 3), x.number(event.threshold, 3))]
      if (event.topFeatures.length > 0) lines.push(t.anomalyTop, ...event.topFeatures.map((f) => t.anomalyFeature(f.feature, x.number(f.value), x.number(f.typical))))
      lines.push(t.anomalyAdvice)
      return titled(t.anomalyTitle(event.heatPump), lines.join('\n'))
    }
    case 'uploads-failing':
      return titled(t.uploadsTitle(x.integer(event.hours)), t.uploads(x.time(event.since), event.detail, x.integer(event.waitingRecords), event.waitingRecords))
    case 'outbox-full': {
      const percent = x.percent(event.bytes / event.maxBytes)
      return titled(t.outboxTitle(percent), t.outbox(x.mib(event.bytes), x.mib(event.maxBytes), percent))
    }
    case 'badge': {
      const title = f.language === 'de' ? event.titleDe : event.title
      return titled(t.badgeTitle(title), t.badge(title, x.day(event.earned)))
    }
  }
}

/** Several events in one message (when the hourly limit is reached). Pure. */
export function renderDigest (events: readonly NotifyEvent[], f: Format): Rendered {
  const t = T[f.language]
  const x = formatter(f)
  const shown = events.slice(0, DIGEST_MAX_ENTRIES).map((e) => {
    const r = render(e, f)
    return `• ${r.title.replace(`${t.prefix}: `, '')}\n${r.text}`
  })
  if (events.length > DIGEST_MAX_ENTRIES) shown.push(t.digestMore(x.integer(events.length - DIGEST_MAX_ENTRIES)))
  return { title: `${t.prefix}: ${t.digestTitle(x.integer(events.length))}`, text: shown.join('\n\n') }
}

/** The `notify test` message. Pure. */
export function renderTest (channel: string, atIso: string, f: Format): Rendered {
  const t = T[f.language]
  return { title: `${t.prefix}: ${t.testTitle}`, text: t.test(channel, formatter(f).time(atIso)) }
}
