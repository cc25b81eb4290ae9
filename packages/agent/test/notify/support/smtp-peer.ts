import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { SMTPServer } from 'smtp-server'
import { decodeWords } from './chat-peers.js'

export const SMTP_USER = 'agent@example.org'
/** With characters that must be percent-encoded in the URL. */
export const SMTP_PASS = 'p@ss:wörd/secret'

export interface TestCertificate {
  readonly keyPem: string
  readonly certPem: string
  readonly certFile: string
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI into `dir`. */
export function selfSignedCertificate (dir: string): TestCertificate {
  const keyFile = join(dir, 'smtp-key.pem')
  const certFile = join(dir, 'smtp-cert.pem')
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'pipe' })
  return { keyPem: readFileSync(keyFile, 'utf8'), certPem: readFileSync(certFile, 'utf8'), certFile }
}

/** One mail as the server received it, parsed. */
export interface ReceivedMail {
  readonly from: string | undefined
  readonly to: readonly string[]
  readonly user: string | undefined
  /** TLS was on when the mail was sent (STARTTLS or implicit). */
  readonly secure: boolean
  readonly headers: Readonly<Record<string, string>>
  readonly subject: string
  readonly text: string
}

/** The headers (unfolded, lower-case names, encoded words decoded) and the decoded text body of a single-part mail. */
export function parseMail (raw: string): { headers: Record<string, string>, text: string } {
  const split = raw.indexOf('\r\n\r\n')
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ')
  const headers: Record<string, string> = {}
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':')
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = decodeWords(line.slice(i + 1).trim().replace(/\?=\s+=\?/g, '?==?'))
  }
  let body = raw.slice(split + 4)
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase()
  if (encoding === 'quoted-printable') {
    body = Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8')
  } else if (encoding === 'base64') {
    body = Buffer.from(body, 'base64').toString('utf8')
  }
  return { headers, text: body.replace(/\r\n/g, '\n').trimEnd() }
}

/**
 * A real SMTP server (the `smtp-server` package) on loopback: implicit TLS (`secure`) or
 * STARTTLS offered, AUTH PLAIN/LOGIN only over TLS and only for SMTP_USER/SMTP_PASS, every mail
 * received kept parsed.
 */
export class SmtpPeer {
  readonly mails: ReceivedMail[] = []
  /** Every login attempted. */
  readonly logins: string[] = []
  /** Logins refused. */
  readonly refused: string[] = []
  /** Connection errors (a client that gave up on the TLS handshake, as it should with an untrusted certificate). */
  readonly errors: Error[] = []
  readonly #server: SMTPServer
  #port = 0

  private constructor (cert: TestCertificate, readonly secure: boolean, hideStartTls: boolean) {
    this.#server = new SMTPServer({
      secure,
      ...(hideStartTls ? { disabledCommands: ['STARTTLS'] } : {}),
      key: cert.keyPem,
      cert: cert.certPem,
      authMethods: ['PLAIN', 'LOGIN'],
      // The plain-text server would take a login in clear: what the client must never offer.
      allowInsecureAuth: hideStartTls,
      logger: false,
      disableReverseLookup: true,
      onAuth: (auth, _session, callback) => {
        this.logins.push(auth.username ?? '')
        if (auth.username === SMTP_USER && auth.password === SMTP_PASS) callback(null, { user: auth.username })
        else {
          this.refused.push(auth.username ?? '')
          callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))
        }
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = []
        stream.on('data', (c: Buffer) => chunks.push(c))
        stream.on('end', () => {
          const { headers, text } = parseMail(Buffer.concat(chunks).toString('latin1'))
          this.mails.push({
            from: session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            user: typeof session.user === 'string' ? session.user : undefined,
            secure: session.secure,
            headers,
            subject: headers.subject ?? '',
            text,
          })
          callback()
        })
      },
    })
    this.#server.on('error', (err) => { this.errors.push(err) })
  }

  /** `hideStartTls`: a plain-text server that does not offer STARTTLS. */
  static async start (cert: TestCertificate, secure: boolean, hideStartTls = false): Promise<SmtpPeer> {
    const peer = new SmtpPeer(cert, secure, hideStartTls)
    await new Promise<void>((resolve) => peer.#server.listen(0, '127.0.0.1', () => resolve()))
    peer.#port = (peer.#server.server.address() as AddressInfo).port
    return peer
  }

  /** The agent's AGENT_NOTIFY_SMTP_URL for this server (password percent-encoded). */
  url (pass = SMTP_PASS): string {
    return `${this.secure ? 'smtps' : 'smtp'}://${encodeURIComponent(SMTP_USER)}:${encodeURIComponent(pass)}@127.0.0.1:${this.#port}`
  }

  async close (): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }
}
