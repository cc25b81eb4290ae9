import { readFileSync } from 'node:fs'
import { NotifyError, type Channel, type Message, type Receipt } from './channel.js'
import type { SmtpSettings } from './settings.js'

export interface EmailSettings {
  readonly smtp: SmtpSettings
  /** PEM file of an extra CA to trust (a home mail server's self-signed certificate); empty: none. */
  readonly caFile: string
  readonly from: string
  readonly to: readonly string[]
  readonly timeoutMs: number
}

interface SmtpFailure { code?: string, responseCode?: number, message?: string, response?: string }

/** The failure as a NotifyError: 5xx and bad logins are refusals, 4xx temporary, no connection unreachable. */
function failure (err: SmtpFailure, host: string): NotifyError {
  const said = (err.response ?? err.message ?? String(err)).replace(/\s+/g, ' ').trim()
  if (err.code === 'ETLS') return new NotifyError('HP_ERR_NOTIFY_REFUSED', `cannot start TLS with the mail server ${host} (smtp:// requires STARTTLS; smtps:// is implicit TLS): ${(err.message ?? '').replace(/\s+/g, ' ')}`)
  if (err.code === 'EAUTH') return new NotifyError('HP_ERR_NOTIFY_REFUSED', `the mail server ${host} refused the login: ${said}`)
  if (err.responseCode !== undefined && err.responseCode >= 500) return new NotifyError('HP_ERR_NOTIFY_REFUSED', `the mail server ${host} refused the message: ${said}`)
  if (err.responseCode !== undefined) return new NotifyError('HP_ERR_NOTIFY_FAILED', `the mail server ${host} answered ${err.responseCode}: ${said}`)
  return new NotifyError('HP_ERR_NOTIFY_UNREACHABLE', `cannot reach the mail server ${host}: ${err.code ?? ''} ${said}`.replace(/\s+/g, ' '))
}

/**
 * E-mail through nodemailer (loaded on first use: most agents never send mail). `smtp://`
 * requires STARTTLS — a password never crosses the network in clear — and `smtps://` speaks TLS
 * from the first byte. Certificates are verified, against the system's CAs plus an optional CA
 * file. One connection per message, closed after it.
 */
export function emailChannel (s: EmailSettings): Channel {
  return {
    name: 'email',
    async send (message: Message): Promise<Receipt> {
      let ca: Buffer | undefined
      if (s.caFile !== '') {
        try {
          ca = readFileSync(s.caFile)
        } catch (err) {
          throw new NotifyError('HP_ERR_NOTIFY_REFUSED', `cannot read AGENT_NOTIFY_SMTP_CA_FILE ${s.caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
        }
      }
      const { createTransport } = (await import('nodemailer')).default
      const { smtp } = s
      const transport = createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        requireTLS: !smtp.secure,
        ...(smtp.user === null ? {} : { auth: { user: smtp.user, pass: smtp.pass ?? '' } }),
        ...(ca === undefined ? {} : { tls: { ca: [...(await import('node:tls')).rootCertificates, ca.toString('utf8')] } }),
        connectionTimeout: s.timeoutMs,
        greetingTimeout: s.timeoutMs,
        socketTimeout: s.timeoutMs,
      })
      try {
        const info = await transport.sendMail({
          from: s.from,
          to: [...s.to],
          subject: message.title,
          text: message.text,
          headers: { 'X-Heatpool-Event': message.event },
        })
        return { detail: `mail ${info.messageId} accepted for ${info.accepted.length} recipient${info.accepted.length === 1 ? '' : 's'}` }
      } catch (err) {
        throw failure(err as SmtpFailure, smtp.host)
      } finally {
        transport.close()
      }
    },
  }
}
