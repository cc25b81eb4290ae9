/**
 * Checks of the notification settings, used by the configuration table (`check` of a key): each
 * throws with the reason a non-empty value cannot be used, so a typo is refused at start with
 * the key's name rather than found out when the first notification fails.
 */

/** An http(s) URL with a host. */
export function checkHttpUrl (value: string): URL {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw new Error('must be an http:// or https:// URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('must be an http:// or https:// URL')
  return url
}

/** The SMTP connection an `smtp://` (STARTTLS, required) or `smtps://` (implicit TLS) URL describes. */
export interface SmtpSettings {
  readonly host: string
  readonly port: number
  /** true: TLS from the first byte (smtps, usually 465); false: STARTTLS, required (smtp, usually 587). */
  readonly secure: boolean
  readonly user: string | null
  readonly pass: string | null
}

/** Reads `smtp[s]://[user[:password]@]host[:port]` (user and password percent-encoded). */
export function smtpSettings (value: string): SmtpSettings {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw new Error('must be an smtp:// (STARTTLS) or smtps:// (implicit TLS) URL')
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error('must be an smtp:// (STARTTLS) or smtps:// (implicit TLS) URL')
  if (url.hostname === '') throw new Error('must name the mail server: smtp://user:password@host:587')
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '') throw new Error('must be only smtp[s]://user:password@host:port (no path or query)')
  const secure = url.protocol === 'smtps:'
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s)
    } catch {
      throw new Error('has a user or password that is not percent-encoded correctly')
    }
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    secure,
    user: url.username === '' ? null : decode(url.username),
    pass: url.password === '' ? null : decode(url.password),
  }
}

/** A comma-separated list, blanks dropped. */
export function list (value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

/** One or more e-mail addresses, comma-separated. */
export function checkEmails (value: string): string[] {
  const addresses = list(value)
  if (addresses.length === 0) throw new Error('must name at least one e-mail address')
  for (const a of addresses) {
    if (!/^[^\s@<>,]+@[^\s@<>,]+$/.test(a)) throw new Error(`${JSON.stringify(a)} is not an e-mail address (name@example.org)`)
  }
  return addresses
}

/** A Telegram chat: a numeric id (negative for groups) or a public @channelname. */
export function checkTelegramChat (value: string): string {
  const chat = value.trim()
  if (!/^-?\d{1,20}$/.test(chat) && !/^@[A-Za-z]\w{3,}$/.test(chat)) throw new Error('must be a numeric chat id (e.g. 123456789 or -1001234567890) or @channelname')
  return chat
}

/** signal-cli's account: the registered phone number in E.164 form. */
export function checkSignalAccount (value: string): string {
  const account = value.trim()
  if (!/^\+[1-9]\d{6,14}$/.test(account)) throw new Error('must be a phone number in international form, e.g. +4915112345678')
  return account
}

/** Signal recipients, comma-separated: phone numbers (E.164) or account UUIDs. */
export function checkSignalRecipients (value: string): string[] {
  const recipients = list(value)
  if (recipients.length === 0) throw new Error('must name at least one recipient')
  for (const r of recipients) {
    if (!/^\+[1-9]\d{6,14}$/.test(r) && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(r)) {
      throw new Error(`${JSON.stringify(r)} is neither a phone number in international form (+4915112345678) nor an account UUID`)
    }
  }
  return recipients
}

/** An IANA time zone Intl knows (e.g. Europe/Berlin). */
export function checkTimeZone (value: string): string {
  const zone = value.trim()
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone }).format(0)
  } catch {
    throw new Error('must be an IANA time zone such as Europe/Berlin or UTC')
  }
  return zone
}
