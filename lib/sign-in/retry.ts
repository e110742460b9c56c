import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import { getConfig } from '../config';
import { AppError } from '../errors';
import { log } from '../telemetry/log';
import { passkeyStore } from '../store';
import { openCookie, sealCookie, type CookieReader, type CookieToSet } from '../session/cookies';
import type { SignedIn } from '../session/session';

/**
 * A passkey proof that was verified, but whose Cognito sign-in was held back by Cognito's quota
 * (a 503 with `retry: true`), is kept so that the browser's automatic retry signs in without a
 * second biometric prompt: the challenge (or Corbado's proof) was used up by the verification.
 *
 * The kept identity is:
 * - sealed (iron, the session secret) into an httpOnly cookie of the browser that proved it, so
 *   only that browser holds it, and nobody can read or forge it;
 * - kept for at most 60 s from the verification, however many retries it takes;
 * - single-use: its nonce is recorded in the passkey store (the ceremony challenges' table,
 *   shared by every instance and taken atomically, as a challenge is), and a retry must take it.
 *   A copy of the cookie replayed, concurrently or later, finds the nonce gone and is refused;
 *   a retry throttled again is kept again under a new nonce, within the same 60 s.
 */

export const KEEP_SECONDS = 60;

/** What a kept proof says: the passkey (self-hosted) or the Cognito user (Connect) it proved. */
export type KeptProof =
  | { method: 'passkey'; passkey: { id: string; userSub: string; email: string } }
  | { method: 'corbado'; username: string };

interface KeptCookie {
  v: 1;
  nonce: string;
  /** ms since the epoch: the proof's verification; the keep ends KEEP_SECONDS after it. */
  verifiedAt: number;
  proof: KeptProof;
}

/** Another kind of challenge in the store, never confused with a WebAuthn one: its own prefix and browser hash. */
const storeKey = (nonce: string) => ({
  browserHash: createHash('sha256').update(`sign-in-retry\n${nonce}`).digest('hex'),
  challenge: `sign-in-retry:${nonce}`,
});

export function keepCookieName(): string {
  const origin = new URL(getConfig().appOrigin);
  return origin.protocol === 'https:' || origin.hostname === 'localhost' ? '__Host-sign-in-retry' : 'sign-in-retry';
}

function clearedKeepCookie(): CookieToSet {
  const name = keepCookieName();
  return {
    name,
    value: '',
    options: { httpOnly: true, secure: name.startsWith('__Host-'), sameSite: 'lax', path: '/', maxAge: 0 },
  };
}

/** Keeps a verified proof for the retry; null when less than a second of its 60 s is left. */
async function keep(proof: KeptProof, verifiedAt: number): Promise<CookieToSet | null> {
  const expiresAt = verifiedAt + KEEP_SECONDS * 1000;
  const remainingSeconds = Math.floor((expiresAt - Date.now()) / 1000);
  if (remainingSeconds < 1) return null;
  const nonce = randomBytes(32).toString('base64url');
  const userSub = proof.method === 'passkey' ? proof.passkey.userSub : null;
  await passkeyStore().saveChallenge({ ...storeKey(nonce), purpose: 'authenticate', userSub, expiresAt });
  return sealCookie(keepCookieName(), { v: 1, nonce, verifiedAt, proof } satisfies KeptCookie, remainingSeconds);
}

function isKeptCookie(data: Partial<KeptCookie> | null, method: KeptProof['method']): data is KeptCookie {
  return (
    data?.v === 1 &&
    typeof data.nonce === 'string' &&
    typeof data.verifiedAt === 'number' &&
    data.proof?.method === method
  );
}

/**
 * The proof this browser's keep cookie holds, taken (so used up), or null: no cookie, another
 * method's, tampered, older than 60 s, or already used.
 */
export async function takeKeptProof(
  cookies: CookieReader,
  method: KeptProof['method'],
): Promise<{ proof: KeptProof; verifiedAt: number } | null> {
  const data = await openCookie<KeptCookie>(cookies, keepCookieName());
  if (!isKeptCookie(data, method)) return null;
  const expiresAt = data.verifiedAt + KEEP_SECONDS * 1000;
  if (Date.now() > expiresAt) return null;
  const { browserHash, challenge } = storeKey(data.nonce);
  const row = await passkeyStore().takeChallenge(browserHash, 'authenticate', challenge);
  if (!row || row.expiresAt < Date.now()) {
    log.warn('sign_in_retry_refused', { method, reason: row ? 'expired' : 'used or unknown' });
    return null;
  }
  return { proof: data.proof, verifiedAt: data.verifiedAt };
}

/**
 * The answer to a retryable failure after the proof was verified: the 503 itself, with the
 * cookie that keeps the proof for the retry (the route writes it, then answers the 503).
 */
export class KeptForRetry extends Error {
  constructor(
    readonly reason: AppError,
    readonly cookie: CookieToSet,
  ) {
    super('sign-in kept for a retry', { cause: reason });
    this.name = 'KeptForRetry';
  }
}

/**
 * Signs in with this browser's kept proof if it holds one, else with a fresh proof from
 * `verify`; a sign-in Cognito's quota holds back throws KeptForRetry, keeping the proof. The
 * keep cookie is cleared by a sign-in that used one.
 */
export async function signInKeepingProof<P extends KeptProof>(
  cookies: CookieReader,
  method: P['method'],
  verify: () => Promise<P>,
  signIn: (proof: P) => Promise<SignedIn>,
): Promise<SignedIn> {
  const kept = await takeKeptProof(cookies, method);
  // takeKeptProof returns only a proof of `method`: a P.
  const proof = (kept?.proof as P | undefined) ?? (await verify());
  const verifiedAt = kept?.verifiedAt ?? Date.now();
  let signedIn: SignedIn;
  try {
    signedIn = await signIn(proof);
  } catch (error) {
    if (error instanceof AppError && error.retry) {
      const cookie = await keep(proof, verifiedAt).catch((keepError: unknown) => {
        log.warn('sign_in_retry_keep_failed', { error: keepError });
        return null;
      });
      if (cookie) throw new KeptForRetry(error, cookie);
    }
    throw error;
  }
  if (kept) log.info('sign_in_retry_used', { method, afterMs: Date.now() - verifiedAt });
  return cookies.get(keepCookieName())
    ? { ...signedIn, cookies: [...signedIn.cookies, clearedKeepCookie()] }
    : signedIn;
}
