import 'server-only';
import { createHash, randomBytes } from 'node:crypto';
import { getConfig } from '../config';
import { database } from '../db';
import type { CookieReader, CookieToSet } from '../session/cookies';

/**
 * WebAuthn ceremony challenges: single-use, valid for 5 minutes, and bound to the browser
 * that asked for them through an httpOnly cookie, so a challenge taken from one browser cannot
 * be answered from another.
 */

export type CeremonyPurpose = 'register' | 'authenticate';
export const CEREMONY_SECONDS = 300;

function cookieName(): string {
  const origin = new URL(getConfig().appOrigin);
  return origin.protocol === 'https:' || origin.hostname === 'localhost' ? '__Host-ceremony' : 'ceremony';
}

const hash = (value: string) => createHash('sha256').update(value).digest('hex');

/** Records a challenge for this browser; returns the cookie that identifies the browser. */
export function rememberChallenge(
  cookies: CookieReader,
  purpose: CeremonyPurpose,
  challenge: string,
  userSub: string | null,
): CookieToSet {
  const existing = cookies.get(cookieName())?.value;
  const browser = existing && /^[\w-]{43}$/.test(existing) ? existing : randomBytes(32).toString('base64url');
  const now = Date.now();
  const db = database();
  db.prepare('DELETE FROM ceremony_challenges WHERE expires_at < ?').run(now);
  db.prepare(
    'INSERT INTO ceremony_challenges (id, browser_hash, purpose, challenge, user_sub, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(randomBytes(16).toString('base64url'), hash(browser), purpose, challenge, userSub, now + CEREMONY_SECONDS * 1000);
  const origin = new URL(getConfig().appOrigin);
  return {
    name: cookieName(),
    value: browser,
    options: {
      httpOnly: true,
      secure: origin.protocol === 'https:' || origin.hostname === 'localhost',
      sameSite: 'lax',
      path: '/',
      maxAge: CEREMONY_SECONDS,
    },
  };
}

/**
 * Takes (and so uses up) the unexpired challenge this browser was given for `purpose`, if the
 * response names it; null otherwise.
 */
export function takeChallenge(
  cookies: CookieReader,
  purpose: CeremonyPurpose,
  claimedChallenge: string,
): { challenge: string; userSub: string | null } | null {
  const browser = cookies.get(cookieName())?.value;
  if (!browser || !claimedChallenge) return null;
  const row = database()
    .prepare(
      `DELETE FROM ceremony_challenges WHERE browser_hash = ? AND purpose = ? AND challenge = ?
       RETURNING challenge, user_sub AS userSub, expires_at AS expiresAt`,
    )
    .get(hash(browser), purpose, claimedChallenge) as { challenge: string; userSub: string | null; expiresAt: number } | undefined;
  if (!row || row.expiresAt < Date.now()) return null;
  return { challenge: row.challenge, userSub: row.userSub };
}
