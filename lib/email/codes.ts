import 'server-only';
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { getConfig } from '../config';
import { database } from '../db';
import { AppError } from '../errors';
import { enforceRateLimits, giveBackRateLimits } from '../rate-limit';
import { sendEmail } from './outbox';

/**
 * One-time email codes, the fallback and the way in for devices without passkeys: 6 digits,
 * valid 10 minutes, single use, at most 5 tries, sending limited per email and per address.
 * Only a keyed hash of the code is stored. Sending never tells whether an account exists.
 */

export const CODE_DIGITS = 6;
export const CODE_TTL_SECONDS = 600;
export const MAX_CODE_ATTEMPTS = 5;
const SEND_PER_EMAIL = { name: 'email-code:email', limit: 5, windowSeconds: 15 * 60 };
const SEND_PER_ADDRESS = { name: 'email-code:address', limit: 20, windowSeconds: 15 * 60 };

function codeHash(email: string, code: string): string {
  // Keyed with the session secret: a copy of the database alone does not reveal codes.
  const [secret] = Object.values(getConfig().session.sealWith);
  return createHmac('sha256', secret!).update(`${email}\n${code}`).digest('hex');
}

export async function sendEmailCode(email: string, clientAddress: string): Promise<void> {
  const limits = [
    { rule: SEND_PER_EMAIL, key: email },
    { rule: SEND_PER_ADDRESS, key: clientAddress },
  ];
  await enforceRateLimits(limits);
  const code = String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
  database()
    .prepare(
      `INSERT INTO email_codes (email, code_hash, attempts, expires_at) VALUES (?, ?, 0, ?)
       ON CONFLICT (email) DO UPDATE SET code_hash = excluded.code_hash, attempts = 0, expires_at = excluded.expires_at`,
    )
    .run(email, codeHash(email, code), Date.now() + CODE_TTL_SECONDS * 1000);
  try {
    await sendEmail({
      to: email,
      subject: `Your sign-in code: ${code}`,
      text: `Your sign-in code is ${code}. It is valid for 10 minutes and can be used once.\nIf you did not ask for it, ignore this email.`,
    });
  } catch (error) {
    // Nothing reached the inbox: this send does not count against the user's limits.
    await giveBackRateLimits(limits);
    throw error;
  }
}

/** A code that was right and has been used up; see restoreEmailCode. */
export interface UsedEmailCode {
  email: string;
  hash: string;
  attempts: number;
  expiresAt: number;
}

/** Uses up the code when it is right; counts a try when it is wrong. Throws invalid_code. */
export function consumeEmailCode(email: string, code: unknown): UsedEmailCode {
  if (typeof code !== 'string' || !new RegExp(`^\\d{${CODE_DIGITS}}$`).test(code)) throw new AppError('invalid_code');
  const db = database();
  const outcome = db.transaction(() => {
    const row = db
      .prepare('UPDATE email_codes SET attempts = attempts + 1 WHERE email = ? RETURNING code_hash AS hash, attempts, expires_at AS expiresAt')
      .get(email) as { hash: string; attempts: number; expiresAt: number } | undefined;
    if (!row) return null;
    const expected = Buffer.from(row.hash, 'hex');
    const given = Buffer.from(codeHash(email, code), 'hex');
    const right = row.expiresAt >= Date.now() && row.attempts <= MAX_CODE_ATTEMPTS && timingSafeEqual(expected, given);
    // A used, expired or exhausted code is gone; a wrong one stays until its tries run out.
    if (right || row.expiresAt < Date.now() || row.attempts >= MAX_CODE_ATTEMPTS) {
      db.prepare('DELETE FROM email_codes WHERE email = ?').run(email);
    }
    return right ? { email, hash: row.hash, attempts: row.attempts, expiresAt: row.expiresAt } : null;
  })();
  if (!outcome) throw new AppError('invalid_code');
  return outcome;
}

/**
 * Puts back a code that was right but could not be turned into a session because of our side
 * (Cognito unavailable): the user tries again with the same code instead of asking for a new
 * one. Within its original expiry and tries only, and never over a newer code sent meanwhile.
 */
export function restoreEmailCode(used: UsedEmailCode): void {
  if (used.expiresAt < Date.now()) return;
  database()
    .prepare('INSERT INTO email_codes (email, code_hash, attempts, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (email) DO NOTHING')
    .run(used.email, used.hash, used.attempts, used.expiresAt);
}
