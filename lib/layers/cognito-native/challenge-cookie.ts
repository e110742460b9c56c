import 'server-only';
import type { NativeChallenge } from '../../cognito/user-auth';
import { openCookie, sealCookie, sessionCookieNames, type CookieReader, type CookieToSet } from '../../session/cookies';

/**
 * Cognito's `Session` between a USER_AUTH challenge and its answer. The browser never talks to
 * Cognito and never sees the session in the clear: it is sealed (AES-256-CBC + HMAC, the
 * session cookies' keys) into an httpOnly cookie, bound to the email the challenge was asked
 * for, to the challenge's name, and to a deadline. One challenge per browser at a time: a new
 * one replaces the cookie. Cognito checks the session itself too (its own validity, 3 minutes
 * by default, and single use), so a replayed cookie gets nothing.
 */

/** Cognito's session lives 3 to 15 minutes (the app client's AuthSessionValidity); never longer here. */
export const CHALLENGE_SECONDS = 15 * 60;

export interface PendingChallenge {
  email: string;
  /** The name Cognito wants in the answer. */
  username: string;
  challenge: NativeChallenge;
  session: string;
}

interface ChallengeCookie extends PendingChallenge {
  v: 1;
  /** Epoch milliseconds. */
  expiresAt: number;
}

function cookieName(): string {
  // The session cookies' choice of prefix: `__Host-` wherever the browser takes Secure cookies.
  return sessionCookieNames().id.startsWith('__Host-') ? '__Host-native-challenge' : 'native-challenge';
}

export function sealChallenge(pending: PendingChallenge, now = Date.now()): Promise<CookieToSet> {
  return sealCookie(
    cookieName(),
    { v: 1, ...pending, expiresAt: now + CHALLENGE_SECONDS * 1000 } satisfies ChallengeCookie,
    CHALLENGE_SECONDS,
  );
}

/**
 * The challenge this browser is answering, if it was issued for `email` and `challenge` and
 * has not expired; null otherwise (none, tampered, foreign, another email, another kind).
 */
export async function openChallenge(
  cookies: CookieReader,
  email: string,
  challenge: NativeChallenge,
  now = Date.now(),
): Promise<PendingChallenge | null> {
  const data = await openCookie<ChallengeCookie>(cookies, cookieName());
  if (
    data?.v !== 1 ||
    typeof data.email !== 'string' ||
    typeof data.username !== 'string' ||
    typeof data.session !== 'string' ||
    typeof data.expiresAt !== 'number'
  ) {
    return null;
  }
  if (data.email !== email || data.challenge !== challenge || data.expiresAt < now) return null;
  return { email: data.email, username: data.username, challenge: data.challenge, session: data.session };
}

/** Ends the pending challenge (answered, or refused for good). */
export function clearedChallenge(): CookieToSet {
  const name = cookieName();
  return {
    name,
    value: '',
    options: { httpOnly: true, secure: name.startsWith('__Host-'), sameSite: 'lax', path: '/', maxAge: 0 },
  };
}
