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
  const perEmail = { rule: SEND_PER_EMAIL, key: email };
  await enforceRateLimits([perEmail, { rule: SEND_PER_ADDRESS, key: clientAddress }]);
  const code = String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
  // From when it was asked for: of two sends in flight at once, the later request's code is kept.
  const expiresAt = Date.now() + CODE_TTL_SECONDS * 1000;
  try {
    await sendEmail({
      to: email,
      subject: `Your sign-in code: ${code}`,
      text: `Your sign-in code is ${code}. It is valid for 10 minutes and can be used once.\nIf you did not ask for it, ignore this email.`,
    });
  } catch (error) {
    // Nothing reached the inbox: this send does not count against the address's owner, and a
    // code sent earlier stays valid (the new one is only stored once sent, so a failed send
    // never makes a fresh code to guess at). The per-address count stays: failures cost the
    // mail relay too, and whoever makes them on purpose must not get unlimited tries.
    await giveBackRateLimits([perEmail]);
    throw error;
  }
  const db = database();
  db.prepare('DELETE FROM email_codes WHERE expires_at < ?').run(Date.now());
  db.prepare(
    `INSERT INTO email_codes (email, code_hash, attempts, expires_at, used_at) VALUES (?, ?, 0, ?, NULL)
     ON CONFLICT (email) DO UPDATE SET code_hash = excluded.code_hash, attempts = 0, expires_at = excluded.expires_at, used_at = NULL
     WHERE excluded.expires_at >= email_codes.expires_at`,
  ).run(email, codeHash(email, code), expiresAt);
}

/** A code that was right and is marked used; see finishEmailCode and restoreEmailCode. */
export interface UsedEmailCode {
  email: string;
  hash: string;
}

/**
 * Marks the code used when it is right; counts a try when it is wrong. Throws invalid_code.
 * A used code is refused from then on; the caller ends it with finishEmailCode once the
 * session exists, or puts it back with restoreEmailCode when our side failed.
 */
export function consumeEmailCode(email: string, code: unknown): UsedEmailCode {
  if (typeof code !== 'string' || !new RegExp(`^\\d{${CODE_DIGITS}}$`).test(code)) throw new AppError('invalid_code');
  const db = database();
  const outcome = db.transaction(() => {
    const row = db
      .prepare(
        `UPDATE email_codes SET attempts = attempts + 1 WHERE email = ? AND used_at IS NULL
         RETURNING code_hash AS hash, attempts, expires_at AS expiresAt`,
      )
      .get(email) as { hash: string; attempts: number; expiresAt: number } | undefined;
    if (!row) return null;
    const expected = Buffer.from(row.hash, 'hex');
    const given = Buffer.from(codeHash(email, code), 'hex');
    const right = row.expiresAt >= Date.now() && row.attempts <= MAX_CODE_ATTEMPTS && timingSafeEqual(expected, given);
    if (right) {
      db.prepare('UPDATE email_codes SET used_at = ? WHERE email = ?').run(Date.now(), email);
      return { email, hash: row.hash };
    }
    // An expired or exhausted code is gone; a wrong one stays until its tries run out.
    if (row.expiresAt < Date.now() || row.attempts >= MAX_CODE_ATTEMPTS) {
      db.prepare('DELETE FROM email_codes WHERE email = ?').run(email);
    }
    return null;
  })();
  if (!outcome) throw new AppError('invalid_code');
  return outcome;
}

/** The used code has become a session: it is gone for good. */
export function finishEmailCode(used: UsedEmailCode): void {
  database().prepare('DELETE FROM email_codes WHERE email = ? AND code_hash = ? AND used_at IS NOT NULL').run(used.email, used.hash);
}

/**
 * Puts back a code that was right but could not be turned into a session because of our side
 * (Cognito unavailable): the user tries again with the same code instead of asking for a new
 * one. Only that very code, still marked used (not replaced by a newer code, sent or used
 * meanwhile), within its expiry, and with the try that was right given back.
 */
export function restoreEmailCode(used: UsedEmailCode): void {
  database()
    .prepare(
      `UPDATE email_codes SET used_at = NULL, attempts = attempts - 1
       WHERE email = ? AND code_hash = ? AND used_at IS NOT NULL AND expires_at >= ?`,
    )
    .run(used.email, used.hash, Date.now());
}
