import type { AgentConfig } from '../config.js'
import type { Channel, ChannelName } from './channel.js'
import { discordChannel } from './discord.js'
import { emailChannel } from './email.js'
import { ntfyChannel } from './ntfy.js'
import { checkEmails, checkSignalRecipients, smtpSettings } from './settings.js'
import { signalChannel } from './signal.js'
import { telegramChannel } from './telegram.js'
import { webhookChannel } from './webhook.js'

/** The channel `name` as configured (callers check that it is on). */
export function buildChannel (config: AgentConfig, name: ChannelName): Channel {
  const timeoutMs = config.AGENT_NOTIFY_TIMEOUT_MS
  switch (name) {
    case 'telegram':
      return telegramChannel({ apiUrl: config.AGENT_NOTIFY_TELEGRAM_API_URL.trim(), token: config.AGENT_NOTIFY_TELEGRAM_TOKEN.trim(), chatId: config.AGENT_NOTIFY_TELEGRAM_CHAT_ID.trim(), timeoutMs })
    case 'discord':
      return discordChannel({ webhookUrl: config.AGENT_NOTIFY_DISCORD_WEBHOOK_URL.trim(), timeoutMs })
    case 'email':
      return emailChannel({ smtp: smtpSettings(config.AGENT_NOTIFY_SMTP_URL), caFile: config.AGENT_NOTIFY_SMTP_CA_FILE.trim(), from: config.AGENT_NOTIFY_EMAIL_FROM.trim(), to: checkEmails(config.AGENT_NOTIFY_EMAIL_TO), timeoutMs })
    case 'signal':
      // signal-cli starts a JVM: it gets more time than a request.
      return signalChannel({ cli: config.AGENT_NOTIFY_SIGNAL_CLI.trim(), account: config.AGENT_NOTIFY_SIGNAL_ACCOUNT.trim(), recipients: checkSignalRecipients(config.AGENT_NOTIFY_SIGNAL_RECIPIENT), timeoutMs: timeoutMs * 6 })
    case 'ntfy':
      return ntfyChannel({ url: config.AGENT_NOTIFY_NTFY_URL.trim(), token: config.AGENT_NOTIFY_NTFY_TOKEN.trim(), timeoutMs })
    case 'webhook':
      return webhookChannel({ url: config.AGENT_NOTIFY_WEBHOOK_URL.trim(), token: config.AGENT_NOTIFY_WEBHOOK_TOKEN.trim(), timeoutMs })
  }
}
