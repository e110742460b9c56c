import 'server-only';
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';
import { getConfig } from '../config';
import { AppError } from '../errors';
import { log } from '../telemetry/log';

export interface OutgoingEmail {
  /** A validated address (normalizeEmail): no line breaks can reach the headers. */
  to: string;
  subject: string;
  text: string;
}

let transport: Transporter | undefined;

/**
 * Sends through SMTP when SMTP_URL is set. Otherwise the message goes to the local outbox: a
 * line in `<DATA_DIR>/outbox.jsonl` and on the console, so one-time codes work on a laptop.
 */
export async function sendEmail(message: OutgoingEmail): Promise<void> {
  const { email, dataDir } = getConfig();
  if (email.smtpUrl) {
    // A mail server that accepts but never answers must not hold the request for nodemailer's 30 s.
    transport ??= createTransport({
      url: email.smtpUrl,
      connectionTimeout: 5_000,
      greetingTimeout: 5_000,
      socketTimeout: 10_000,
    });
    try {
      await transport.sendMail({ from: email.from, ...message });
    } catch (error) {
      log.error('email_send_failed', { error });
      throw new AppError('upstream_unavailable', 'We could not send the email. Try again in a moment.', {
        retryAfterSeconds: 30,
      });
    }
    return;
  }
  const file = path.join(dataDir, 'outbox.jsonl');
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    appendFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), ...message })}\n`, { mode: 0o600 });
  } catch (error) {
    log.error('outbox_write_failed', { error });
    throw new AppError('upstream_unavailable', 'We could not send the email. Try again in a moment.');
  }
  console.log(`[outbox] to ${message.to}: ${message.subject} — ${message.text.split('\n')[0]}`);
}
