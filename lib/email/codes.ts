import 'server-only';
import { createHmac, randomInt } from 'node:crypto';
import { getConfig } from '../config';
import { audit } from '../telemetry/audit';
import { AppError } from '../errors';
import { log } from '../telemetry/log';
import { enforceRateLimits, giveBackRateLimits } from '../rate-limit';
import { passkeyStore } from '../store';
import type { EmailCodeTry } from '../store/passkey-store';
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
/**
 * Wrong codes per email, whichever code they were aimed at: each code allows 5 tries and 5 codes
 * may be sent per 15 minutes, so without this an attacker had 25 guesses at one account there.
 */
const WRONG_CODES_PER_EMAIL = { name: 'email-code-failures:email', limit: 10, windowSeconds: 15 * 60 };

/**
 * The code's hash keyed with each session secret that opens cookies (SESSION_SECRET first, then
 * SESSION_SECRET_PREVIOUS and SESSION_SECRET_NEXT): keyed, so a copy of the database alone does
 * not reveal codes. A code is stored under SESSION_SECRET and matched under any of them, so a
 * code sent before a rotation (docs/DEPLOYMENT.md), or by an instance a step ahead, still works.
 */
function codeHashes(email: string, code: string): string[] {
  const { sealWith, openWith } = getConfig().session;
  const secrets = new Set([...Object.values(sealWith), ...Object.values(openWith)]);
  return [...secrets].map((secret) => createHmac('sha256', secret).update(`${email}\n${code}`).digest('hex'));
}

/** Shown when the code could not be stored or sent: nothing was sent that will not work. */
const NOT_SENT = 'We could not send the email. Try again in a moment.';

/**
 * Stores a new code for `email`, then emails it: a code is only ever sent once it is stored, so
 * every code in an inbox can work. A store or a send that fails on our side answers 503 with
 * Retry-After and gives the send back to the email's limit (its owner is not locked out by our
 * outage); the per-address count stays, as failures cost the store and the mail relay too, and
 * whoever makes them on purpose must not get unlimited tries. A failed send leaves the stored code,
 * which nobody has: the email's earlier code is replaced by it, and the 503 asks for a new one.
 */
export async function sendEmailCode(email: string, clientAddress: string): Promise<void> {
  const perEmail = { rule: SEND_PER_EMAIL, key: email };
  await enforceRateLimits([perEmail, { rule: SEND_PER_ADDRESS, key: clientAddress }]);
  const code = String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
  // From when it was asked for: of two sends in flight at once, the later request's code is kept.
  const expiresAt = Date.now() + CODE_TTL_SECONDS * 1000;
  const [hash] = codeHashes(email, code);
  try {
    try {
      await passkeyStore().storeEmailCode(email, hash!, expiresAt);
    } catch (error) {
      log.error('email_code_store_failed', { error });
      throw new AppError('upstream_unavailable', NOT_SENT, { retryAfterSeconds: 30, cause: error });
    }
    await sendEmail({
      to: email,
      subject: `Your sign-in code: ${code}`,
      text: `Your sign-in code is ${code}. It is valid for 10 minutes and can be used once.\nIf you did not ask for it, ignore this email.`,
    });
  } catch (error) {
    await giveBackRateLimits([perEmail]);
    throw error;
  }
}

/**
 * The whole life of a typed code: checks it, and when it is right runs `signIn` and
 * settles the code by how that went.
 * - `signIn` succeeded: the code is gone for good.
 * - Our side failed (Cognito unavailable, anything not an AppError): the code stays usable within
 *   its 10 minutes, so the retry the 503 asks for can use the same code.
 * - Any other answer (a disabled account, say) is final for this code: it is gone.
 * A refused code (wrong, expired, used up, too many wrong codes) is audited as a failed sign-in
 * and `signIn` never runs. If the store fails to settle the code it stays marked used: refused, and
 * removed once expired.
 */
export async function withEmailCode<T>(email: string, code: unknown, signIn: () => Promise<T>): Promise<T> {
  let used: UsedEmailCode;
  try {
    used = await consumeEmailCode(email, code);
  } catch (error) {
    // A wrong code or a spent guess budget is the user's failed attempt; a busy code store is our outage.
    const refused = error instanceof AppError && (error.code === 'invalid_code' || error.code === 'rate_limited');
    audit('sign_in_failed', { method: 'email_code', reason: refused ? (error as AppError).code : 'unavailable' });
    throw error;
  }
  let result: T;
  try {
    result = await signIn();
  } catch (error) {
    const ours = !(error instanceof AppError) || error.code === 'upstream_unavailable';
    await settle(() => (ours ? restoreEmailCode(used) : finishEmailCode(used)));
    throw error;
  }
  await settle(() => finishEmailCode(used));
  return result;
}

async function settle(update: () => Promise<void>): Promise<void> {
  try {
    await update();
  } catch (error) {
    log.warn('email_code_update_failed', { error });
  }
}

/** A code that was right and is marked used; see finishEmailCode and restoreEmailCode. */
export interface UsedEmailCode {
  email: string;
  hashes: string[];
}

/**
 * What the user reads when a try did not use the code: how many tries are left, or why the code
 * is finished. No code pending reads as it always has (whoever asks learns nothing), and the
 * route shows the others only to the browser that asked for the code (code-requester.ts).
 */
function refusal(outcome: Exclude<EmailCodeTry, { result: 'right' }>): AppError {
  switch (outcome.result) {
    case 'wrong':
      return new AppError(
        'invalid_code',
        `That code is wrong. ${outcome.triesLeft} ${outcome.triesLeft === 1 ? 'try' : 'tries'} left.`,
      );
    case 'replaced':
      return new AppError(
        'invalid_code',
        `That code was replaced by a newer one: use the code from the newest email. ${outcome.triesLeft} ${outcome.triesLeft === 1 ? 'try' : 'tries'} left.`,
      );
    case 'expired':
      return new AppError('invalid_code', 'That code has expired. Request a new code.');
    case 'used_up':
      return new AppError('invalid_code', 'That code is used up: it had too many wrong tries. Request a new code.');
    case 'none':
      return new AppError('invalid_code');
  }
}

/**
 * Marks the code used when it is right; counts a try when it is wrong. Throws invalid_code (its
 * message says what the try found, see refusal), or rate_limited once the email has had 10 wrong
 * codes in 15 minutes.
 * A used code is refused from then on; withEmailCode ends it with finishEmailCode once the
 * session exists, or puts it back with restoreEmailCode when our side failed. Exported for the
 * store's tests; callers use withEmailCode.
 */
export async function consumeEmailCode(email: string, code: unknown): Promise<UsedEmailCode> {
  if (typeof code !== 'string' || !new RegExp(`^\\d{${CODE_DIGITS}}$`).test(code)) throw new AppError('invalid_code');
  const wrongCodes = { rule: WRONG_CODES_PER_EMAIL, key: email };
  // Counted before the store is asked, given back when the code was right: a burst of guesses
  // cannot all pass before any is counted.
  await enforceRateLimits([wrongCodes]);
  const hashes = codeHashes(email, code);
  const outcome = await passkeyStore().tryEmailCode(email, hashes, MAX_CODE_ATTEMPTS, Date.now());
  if (outcome.result !== 'right') throw refusal(outcome);
  await giveBackRateLimits([wrongCodes]);
  return { email, hashes };
}

/** The used code has become a session: it is gone for good. */
export function finishEmailCode(used: UsedEmailCode): Promise<void> {
  return passkeyStore().finishEmailCode(used.email, used.hashes);
}

/**
 * Puts back a code that was right but could not be turned into a session because of our side
 * (Cognito unavailable): the user tries again with the same code instead of asking for a new
 * one. Only that very code, still marked used (not replaced by a newer code, sent or used
 * meanwhile), within its expiry, and with the try that was right given back.
 */
export function restoreEmailCode(used: UsedEmailCode): Promise<void> {
  return passkeyStore().restoreEmailCode(used.email, used.hashes, Date.now());
}
